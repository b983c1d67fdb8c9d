// The LSTM cell, PyTorch's nn.LSTM (gates i, f, g, o): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
// Kernels: assembly/lstm.ts (saves the activated gates and every c).
import { StreamCell } from '../../runtime/kernels.generated.js';
import { gateParameters, wholeGateOperands, type Cell } from './cell.js';

export const lstmCell: Cell = {
  name: 'lstm',
  gates: 4,
  hasCellState: true,
  forgetGate: 1,
  // Keras: i, f, c, o (PyTorch's order); ONNX: i, o, f, c.
  importOrder: { keras: [0, 1, 2, 3], onnx: [0, 2, 3, 1] },
  parameters: (I, H, o) => gateParameters(4, I, H, o),
  packed: wholeGateOperands(4),
  workspace: (T, B, H) => ({ gates: T * B * 4 * H, saved: T * B * H, hg: 0, dhg: 0, drh: 0, carryC: B * H }),
  variant: () => 0,
  streamCode: () => StreamCell.Lstm,
  forward: (k, a) => k.lstmForward(a),
  backward: (k, a) => k.lstmBackward(a),
};
