// freeze(model): the inference copy of a Sequential model whose embedding is folded into
// its first recurrent layer. When token ids feed a recurrent layer through an embedding,
// that layer's input projection of a token is a constant: row v of E · W_ihᵀ + b_ih
// (+ b_hh, which the LSTM and Elman cells add there too; the GRU keeps b_hh beside W_hh,
// where its reset gate scales it). freeze() computes that table once per direction and
// the frozen model copies a row per token instead of looking up the embedding,
// broadcasting the biases and running the input GEMM (a standard inference-time constant
// fold, like torch.jit.freeze; onnxruntime folds constants but not across Gather → LSTM).
// The table is derived from the weights at freeze() time, so the frozen model refuses
// everything that would change them (FrozenModelError); the model it came from is
// unchanged and stays trainable: freeze it again after training.
import { Sequential } from './sequential.js';
import { ArgumentError, ConfigError, FrozenModelError, describeValue } from '../errors.js';

export interface FreezeOptions {
  /**
   * Largest folded table accepted, in bytes (all directions together); default
   * DEFAULT_MAX_FOLDED_TABLE_BYTES (64 MiB). A larger table is refused with a ConfigError.
   */
  maxTableBytes?: number;
}

/**
 * The default bound on a folded table: 64 MiB, e.g. a 32 000-token vocabulary into an
 * LSTM of 128 units (32 000 × 512 floats). Folding always does less work per token (one
 * row copy of G·H floats replaces the bias broadcast of as many floats plus E·G·H
 * multiply-adds), so the bound is about memory only: the table grows with vocab × G·H
 * while the weights it replaces hold vocab × E + G·H × E floats, and past a few tens of
 * MiB it no longer stays in any cache nor fits comfortably in a mobile browser's memory.
 */
export const DEFAULT_MAX_FOLDED_TABLE_BYTES = 64 * 1024 * 1024;

/**
 * A new inference-only model with the same config, weights (f32 or int8), preprocessing
 * and metadata whose embedding → first recurrent layer input projection is a precomputed
 * table (per direction for a bidirectional layer), owned by the new model and released by
 * its dispose(). It predicts, evaluates and streams as the model it came from (within f32
 * rounding) with fewer operations; training, loading weights or quantizing it throws
 * FrozenModelError. Refused with a ConfigError when the model has no one-field embedding
 * feeding a recurrent layer (through dropout at most), or when the table would exceed
 * `maxTableBytes`; with a MemoryLimitError when the runtime's memoryLimit has no room.
 * For an int8 model (quantize() first, then freeze) the table is computed in f32 from
 * its dequantized embedding and input weights; the rest keeps running the integer kernels.
 * The model is unchanged; dispose both when done. Its saved file is the unfrozen model.
 */
export function freeze(model: Sequential, options: FreezeOptions = {}): Sequential {
  if (!(model instanceof Sequential)) throw new ArgumentError('freeze expects a Sequential model');
  if (model.frozen) throw new FrozenModelError('this model is already frozen: freeze the model it came from');
  if (options === null || typeof options !== 'object') throw new ArgumentError(`freeze options must be an object, got ${describeValue(options)}`);
  const max = options.maxTableBytes ?? DEFAULT_MAX_FOLDED_TABLE_BYTES;
  if (typeof max !== 'number' || !(max >= 0) || !Number.isFinite(max)) throw new ArgumentError(`maxTableBytes must be a non-negative number of bytes, got ${describeValue(max)}`);
  const target = model.foldTarget();
  if (typeof target === 'string') throw new ConfigError(`freeze folds an embedding into the recurrent layer it feeds, but ${target}`);
  const vocab = target.embedding.fields[0].vocabSize, bytes = 4 * target.layer.core.foldedFloats(vocab);
  if (bytes > max) {
    throw new ConfigError(`the folded table would take ${bytes} bytes (${vocab} tokens × ${target.layer.core.foldedFloats(1)} floats), more than maxTableBytes = ${max}: raise maxTableBytes, or run the unfrozen model`);
  }
  const out = Sequential.fromJSON(model.rt, model.toJSON(), false);
  try {
    const int8 = model.int8Tensors();
    if (int8) out.useInt8(int8, model.stateDict()); // stateDict holds the dequantized values
    else out.loadStateDict(model.stateDict());
    out.preprocessing = model.preprocessing;
    if (model.metadata !== undefined) out.metadata = model.metadata;
    out.foldEmbedding();
    return out;
  } catch (e) {
    out.dispose();
    throw e;
  }
}
