// The LSTM cell, PyTorch's nn.LSTM (gates i, f, g, o): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
// With projSize (PyTorch's proj_size) h' = W_hr (o ⊙ tanh(c')) has projSize floats.
// Kernels: assembly/lstm.ts (saves the activated gates, every c and, projected, every o ⊙ tanh(c)).
import { StreamCell } from '../runtime/kernels.generated.js';
import { gateParameters, NO_WORKSPACE, WHOLE_GATE_OPERANDS, type Cell, type PackedOperand } from './cell.js';

const PROJECTED: readonly PackedOperand[] = [
  ...WHOLE_GATE_OPERANDS,
  { field: 'whr', weight: 'whr', from: 0, to: 1, of: 1, transposed: true },
  { field: 'whrBack', weight: 'whr', from: 0, to: 1, of: 1, transposed: false },
];

export const lstmCell: Cell = {
  name: 'lstm',
  gates: 4,
  hasCellState: true,
  forgetGate: 1,
  // Keras: i, f, c, o (PyTorch's order); ONNX: i, o, f, c.
  importOrder: { keras: [0, 1, 2, 3], onnx: [0, 2, 3, 1] },
  // With projSize P: weight_hh is [4H][P] and weight_hr [P][H] follows the biases, as in PyTorch's state_dict.
  parameters: (I, H, o) => {
    const P = o.projSize;
    if (!P) return gateParameters(4, I, H, o);
    const p = gateParameters(4, I, H, o).map((t) => (t.role === 'whh' ? { ...t, shape: [4 * H, P] } : t));
    return [...p, { name: 'weight_hr', role: 'whr', shape: [P, H] }];
  },
  inputProjection: { into: 'gates', withRecurrentBias: true },
  packed: (o) => (o.projSize ? PROJECTED : WHOLE_GATE_OPERANDS),
  workspace: (T, B, H, o) => ({
    ...NO_WORKSPACE, gates: T * B * 4 * H, saved: T * B * H, carryC: B * H,
    ms: o.projSize ? T * B * H : 0, dhAll: T * B * o.projSize, dm: o.projSize ? B * H : 0,
  }),
  stateSize: (H, o) => o.projSize || H,
  variant: () => 0,
  streamCode: () => StreamCell.Lstm,
  forward: (k, a) => k.lstmForward(a),
  backward: (k, a) => k.lstmBackward(a),
};
