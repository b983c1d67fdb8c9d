// nn: torch.nn.LSTM / GRU / RNN as modules on arrays. Each factory validates its
// options, builds the stack and initialises it as PyTorch does (every weight and bias
// U(−1/√H, 1/√H), from `seed`); the module owns its memory until dispose().
import type { Runtime } from '../runtime/runtime.js';
import { RecurrentModule } from './module.js';
import { requireRuntime } from '../model/parameterized.js';
import { resolveOptions, type GRUOptions, type LSTMOptions, type RNNOptions } from './options.js';

export { RecurrentModule, type ForwardOptions, type ForwardResult, type BackwardInput, type BackwardResult, type LoadResult } from './module.js';
export type { NdArray, ArrayInput } from './array.js';
export type { ModuleOptions, LSTMOptions, GRUOptions, RNNOptions } from './options.js';

/** torch.nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional). */
export function lstm(rt: Runtime, options: LSTMOptions): RecurrentModule {
  requireRuntime(rt);
  return new RecurrentModule(rt, resolveOptions('lstm', options));
}

/** torch.nn.GRU(…), and the reset-before variant (resetBefore: true) of Keras and ONNX. */
export function gru(rt: Runtime, options: GRUOptions): RecurrentModule {
  requireRuntime(rt);
  return new RecurrentModule(rt, resolveOptions('gru', options));
}

/** torch.nn.RNN(…, nonlinearity): the Elman cell, tanh or relu. */
export function rnn(rt: Runtime, options: RNNOptions): RecurrentModule {
  requireRuntime(rt);
  return new RecurrentModule(rt, resolveOptions('rnn', options));
}
