// The GRU cell, PyTorch's nn.GRU (gates r, z, n), and its reset-before variant
// (resetBefore: ONNX linear_before_reset = 0, Keras reset_after = False).
// Kernels: assembly/gru.ts. W_hh is packed as two blocks, the r, z rows and the n
// rows, so both variants share one code path (the n block's GEMM takes h or r ⊙ h).
import { StreamCell } from '../runtime/kernels.generated.js';
import { gateParameters, NO_WORKSPACE, type Cell } from './cell.js';

// The r, z rows of W_hh and its n rows (blocks [0, 2) and [2, 3) of 3).
const OPERANDS = [
  { field: 'wih', weight: 'wih', from: 0, to: 1, of: 1, transposed: true },
  { field: 'whh', weight: 'whh', from: 0, to: 2, of: 3, transposed: true },
  { field: 'whhN', weight: 'whh', from: 2, to: 3, of: 3, transposed: true },
  { field: 'wihBack', weight: 'wih', from: 0, to: 1, of: 1, transposed: false },
  { field: 'whhBack', weight: 'whh', from: 0, to: 2, of: 3, transposed: false },
  { field: 'whhNBack', weight: 'whh', from: 2, to: 3, of: 3, transposed: false },
] as const;

export const gruCell: Cell = {
  name: 'gru',
  gates: 3,
  hasCellState: false,
  // Keras and ONNX: z, r, h.
  importOrder: { keras: [1, 0, 2], onnx: [1, 0, 2] },
  parameters: (I, H, o) => gateParameters(3, I, H, o),
  inputProjection: { into: 'gates', withRecurrentBias: false },
  packed: () => OPERANDS,
  // saved: W_hn h + b_hn (reset after) or r ⊙ h (reset before), per step.
  workspace: (T, B, H) => ({ ...NO_WORKSPACE, gates: T * B * 3 * H, saved: T * B * H, hg: B * 3 * H, dhg: T * B * 3 * H, drh: B * H }),
  stateSize: (H) => H,
  variant: (o) => (o.resetBefore ? 1 : 0),
  streamCode: (o) => (o.resetBefore ? StreamCell.GruResetBefore : StreamCell.Gru),
  forward: (k, a) => k.gruForward(a),
  backward: (k, a) => k.gruBackward(a),
};
