// What nn.lstm / nn.gru / nn.rnn accept: torch.nn.LSTM / GRU / RNN's constructor
// arguments in camelCase (plus a seed for the initialisation and the dropout masks),
// as data for the one config validator (src/config/schema.ts), and their translation
// into the recurrent core's config.
import { bool, check, int, num, obj, oneOf, opt, req, type ObjectRule } from '../config/schema.js';
import { MAX_DIM, MAX_LAYERS } from '../config/layer-schemas.js';
import type { CellType, RecurrentConfig } from '../layers/recurrent.js';

/** Options every cell takes (torch.nn.RNNBase's arguments). */
export interface ModuleOptions {
  /** Features per step of the input (PyTorch's input_size). */
  inputSize: number;
  /** Features of the hidden state (hidden_size). */
  hiddenSize: number;
  /** Stacked layers (num_layers), default 1. */
  numLayers?: number;
  /** Two directions, outputs concatenated (bidirectional), default false. */
  bidirectional?: boolean;
  /** Inputs and outputs [B, T, F] instead of [T, B, F] (batch_first), default false; states stay [L·D, B, H]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training forwards only (dropout), default 0. */
  dropout?: number;
  /** Bias vectors (bias), default true; false: no bias_ih / bias_hh parameters at all. */
  bias?: boolean;
  /** Seed of the initialisation (PyTorch's U(−1/√H, 1/√H)) and of the dropout masks, default 0. */
  seed?: number;
}

export interface LSTMOptions extends ModuleOptions {
  /** LSTM with projections (proj_size): h_t = W_hr (o_t ⊙ tanh c_t) has projSize < hiddenSize features. */
  projSize?: number;
}
export interface GRUOptions extends ModuleOptions {
  /** Reset gate applied before the recurrent product (ONNX linear_before_reset = 0, Keras reset_after = False); PyTorch's GRU is false (default). */
  resetBefore?: boolean;
}
export interface RNNOptions extends ModuleOptions {
  /** The Elman cell's nonlinearity, default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
}

const common = {
  inputSize: req(int(1, MAX_DIM)),
  hiddenSize: req(int(1, MAX_DIM)),
  numLayers: opt(int(1, MAX_LAYERS)),
  bidirectional: opt(bool),
  batchFirst: opt(bool),
  dropout: opt(num(0, 1, { maxOpen: true })),
  bias: opt(bool),
  seed: opt(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
};

const schemas: Record<CellType, ObjectRule> = {
  lstm: obj({ ...common, projSize: opt(int(1, MAX_DIM)) }),
  gru: obj({ ...common, resetBefore: opt(bool) }),
  rnn: obj({ ...common, nonlinearity: opt(oneOf('tanh', 'relu')) }),
};

/** Validated options with their defaults. */
export interface Resolved {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  dropout: number;
  seed: number;
  /** What the recurrent core is built from. */
  core: RecurrentConfig;
}

/** Checks a factory's options (ConfigError naming the key and what was expected) and fills in the defaults. */
export function resolveOptions(cell: CellType, options: unknown): Resolved {
  const o = check<GRUOptions & RNNOptions & LSTMOptions>(schemas[cell], options, `nn.${cell} options`);
  const numLayers = o.numLayers ?? 1, bidirectional = o.bidirectional ?? false, dropout = o.dropout ?? 0;
  const core: RecurrentConfig = { cell, inputSize: o.inputSize, hiddenSize: o.hiddenSize, numLayers, bidirectional, dropout };
  if (o.resetBefore !== undefined) core.resetBefore = o.resetBefore;
  if (o.nonlinearity !== undefined) core.nonlinearity = o.nonlinearity;
  if (o.bias !== undefined) core.bias = o.bias;
  if (o.projSize !== undefined) core.projSize = o.projSize;
  return {
    cell, inputSize: o.inputSize, hiddenSize: o.hiddenSize, numLayers, bidirectional,
    batchFirst: o.batchFirst ?? false, dropout, seed: o.seed ?? 0, core,
  };
}
