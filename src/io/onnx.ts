// ONNX RNN / LSTM / GRU operator weights → PyTorch state_dict. Per node (one layer):
// W [D][G·H][I], R [D][G·H][H], B [D][2·G·H] (input then recurrent biases), D = 2 for
// direction = "bidirectional" (index 0 forward, 1 reverse). Gate orders i, o, f, c
// (LSTM) and z, r, h (GRU). A GRU with linear_before_reset = 0 (the ONNX default)
// imports as a reset-before GRU. Peepholes (LSTM input P) are not supported.
import { WeightFileError } from '../errors.js';
import type { Tensor } from './safetensors.js';
import type { StateDict } from '../runtime/parameter-table.js';
import type { CellType, RecurrentConfig } from '../layers/recurrent.js';
import { GATES, expectShape, gateOrder, permuteGateRows, put, suffix } from './gate-layout.js';

export interface OnnxRecurrentWeights {
  W: Tensor;
  R: Tensor;
  B?: Tensor;
  /** LSTM peephole weights: rejected (the cell has none). */
  P?: Tensor;
}

export interface OnnxImportOptions {
  /** GRU attribute linear_before_reset (ONNX default 0). */
  linearBeforeReset?: 0 | 1;
  /** ONNX RNN activation (default Tanh). */
  activation?: 'Tanh' | 'Relu';
  prefix?: string;
}


export function fromOnnx(cell: CellType, nodes: OnnxRecurrentWeights[], options: OnnxImportOptions = {}): { stateDict: StateDict; config: RecurrentConfig } {
  if (!(cell in GATES)) throw new WeightFileError(`unknown cell '${cell}': expected 'rnn', 'lstm' or 'gru'`);
  if (!Array.isArray(nodes) || nodes.length === 0) throw new WeightFileError('expected one ONNX weight set {W, R, B} per layer');
  const G = GATES[cell], prefix = options.prefix ?? '';
  const W0 = nodes[0]?.W;
  if (!W0 || W0.shape?.length !== 3 || (W0.shape[0] !== 1 && W0.shape[0] !== 2)) {
    throw new WeightFileError(`node 0: W must be [num_directions (1 or 2)][${G}·hidden][input], got ${W0 ? `[${W0.shape}]` : 'nothing'}`);
  }
  const D = W0.shape[0], H = W0.shape[1] / G, inputSize = W0.shape[2];
  if (!Number.isInteger(H) || H < 1) throw new WeightFileError(`node 0: W's second dimension ${W0.shape[1]} is not a multiple of ${G} (gates)`);
  const dict: StateDict = {};
  nodes.forEach((n, l) => {
    if (n.P) throw new WeightFileError(`node ${l}: LSTM peephole weights (P) are not supported`);
    const I = l === 0 ? inputSize : D * H;
    const W = expectShape(`ONNX node ${l}: W`, n.W, [D, G * H, I]);
    const R = expectShape(`ONNX node ${l}: R`, n.R, [D, G * H, H]);
    const B = n.B ? expectShape(`ONNX node ${l}: B`, n.B, [D, 2 * G * H]) : undefined;
    for (let d = 0; d < D; d++) {
      const order = gateOrder(cell, 'onnx');
      const slice = (t: Tensor, size: number, at: number) => t.data.subarray(at, at + size);
      const wih = permuteGateRows(slice(W, G * H * I, d * G * H * I), H, I, order);
      const whh = permuteGateRows(slice(R, G * H * H, d * G * H * H), H, H, order);
      const bih = B ? permuteGateRows(slice(B, G * H, d * 2 * G * H), H, 1, order) : new Float32Array(G * H);
      const bhh = B ? permuteGateRows(slice(B, G * H, d * 2 * G * H + G * H), H, 1, order) : new Float32Array(G * H);
      put(dict, prefix, suffix(l, d === 1), G, H, I, wih, whh, bih, bhh);
    }
  });
  return {
    stateDict: dict,
    config: {
      cell, inputSize, hiddenSize: H, numLayers: nodes.length, bidirectional: D === 2,
      resetBefore: cell === 'gru' && (options.linearBeforeReset ?? 0) === 0,
      nonlinearity: options.activation === 'Relu' ? 'relu' : 'tanh',
    },
  };
}
