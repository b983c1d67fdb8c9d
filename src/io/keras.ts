// Keras SimpleRNN / LSTM / GRU weights → PyTorch state_dict. Keras stores
// kernel [I][G·u] and recurrent_kernel [u][G·u] (transposed relative to PyTorch),
// gates i, f, c, o (LSTM; the same order as PyTorch) and z, r, h (GRU), one bias
// [G·u] — or, for a GRU with reset_after = True (the TF2 default), a [2][3u] bias
// holding the input and recurrent biases.
import { WeightFileError } from '../errors.js';
import type { Tensor } from './safetensors.js';
import type { StateDict } from '../runtime/parameter-table.js';
import type { CellType, RecurrentConfig } from '../layers/recurrent.js';
import { GATES, expectShape, gateOrder, permuteGateRows, put, suffix, transpose } from './gate-layout.js';

export interface KerasRecurrentWeights {
  kernel: Tensor;
  recurrentKernel: Tensor;
  /** Absent when the layer was built with use_bias = False. */
  bias?: Tensor;
}

export interface KerasImportOptions {
  /** The layers were wrapped in Bidirectional: weights come as [l0 forward, l0 backward, l1 forward, …]. */
  bidirectional?: boolean;
  /** GRU only; Keras' default (TF2) is true. false imports as a reset-before GRU. */
  resetAfter?: boolean;
  /** Prefix for the state_dict names (e.g. 'lstm.' for a Sequential's recurrent layer named lstm). */
  prefix?: string;
}


export function fromKeras(cell: CellType, layers: KerasRecurrentWeights[], options: KerasImportOptions = {}): { stateDict: StateDict; config: RecurrentConfig } {
  if (!(cell in GATES)) throw new WeightFileError(`unknown cell '${cell}': expected 'rnn', 'lstm' or 'gru'`);
  const D = options.bidirectional ? 2 : 1;
  if (!Array.isArray(layers) || layers.length === 0 || layers.length % D) {
    throw new WeightFileError(`expected ${D === 2 ? 'an even number of' : 'one or more'} Keras weight sets (one per layer${D === 2 ? ' and direction' : ''}), got ${Array.isArray(layers) ? layers.length : typeof layers}`);
  }
  const resetAfter = options.resetAfter ?? true;
  if (cell !== 'gru' && options.resetAfter !== undefined) throw new WeightFileError('resetAfter applies to GRU weights only');
  const G = GATES[cell], prefix = options.prefix ?? '';
  const first = layers[0]?.recurrentKernel;
  if (!first || first.shape?.length !== 2) throw new WeightFileError('layer 0: recurrentKernel must be a [units][G·units] tensor');
  const H = first.shape[0];
  const inputSize = layers[0].kernel?.shape?.[0];
  if (!Number.isInteger(inputSize)) throw new WeightFileError('layer 0: kernel must be an [inputs][G·units] tensor');
  const dict: StateDict = {};
  layers.forEach((w, i) => {
    const l = Math.floor(i / D), reverse = i % D === 1;
    const where = `Keras weights ${i} (layer ${l}${reverse ? ', backward' : ''})`;
    const I = l === 0 ? inputSize : D * H;
    const kernel = expectShape(`${where}: kernel`, w.kernel, [I, G * H]);
    const rec = expectShape(`${where}: recurrentKernel`, w.recurrentKernel, [H, G * H]);
    const order = gateOrder(cell, 'keras');
    const wih = permuteGateRows(transpose(kernel.data, I, G * H), H, I, order);
    const whh = permuteGateRows(transpose(rec.data, H, G * H), H, H, order);
    let bih: Float32Array = new Float32Array(G * H), bhh: Float32Array = new Float32Array(G * H);
    if (w.bias) {
      if (cell === 'gru' && resetAfter) {
        const b = expectShape(`${where}: bias (reset_after GRU)`, w.bias, [2, G * H]);
        bih = permuteGateRows(b.data.subarray(0, G * H), H, 1, order);
        bhh = permuteGateRows(b.data.subarray(G * H), H, 1, order);
      } else {
        bih = permuteGateRows(expectShape(`${where}: bias`, w.bias, [G * H]).data, H, 1, order);
      }
    }
    put(dict, prefix, suffix(l, reverse), G, H, I, wih, whh, bih, bhh);
  });
  return {
    stateDict: dict,
    config: { cell, inputSize, hiddenSize: H, numLayers: layers.length / D, bidirectional: D === 2, resetBefore: cell === 'gru' && !resetAfter },
  };
}
