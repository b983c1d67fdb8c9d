// The Elman cell, PyTorch's nn.RNN: h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh).
// Kernels: assembly/rnn.ts.
import { StreamCell } from '../runtime/kernels.generated.js';
import { gateParameters, NO_WORKSPACE, WHOLE_GATE_OPERANDS, type Cell } from './cell.js';

export const rnnCell: Cell = {
  name: 'rnn',
  gates: 1,
  hasCellState: false,
  importOrder: { keras: [0], onnx: [0] },
  parameters: (I, H, o) => gateParameters(1, I, H, o),
  inputProjection: { into: 'hs', withRecurrentBias: true },
  packed: () => WHOLE_GATE_OPERANDS,
  // The pre-activations are computed in hs itself: no gates to keep.
  workspace: () => NO_WORKSPACE,
  stateSize: (H) => H,
  variant: (o) => (o.nonlinearity === 'relu' ? 1 : 0),
  streamCode: (o) => (o.nonlinearity === 'relu' ? StreamCell.RnnRelu : StreamCell.RnnTanh),
  forward: (k, a) => k.rnnForward(a),
  backward: (k, a) => k.rnnBackward(a),
};
