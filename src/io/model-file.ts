// Model files: one safetensors file with the weights under PyTorch state_dict names and
// the model config under the metadata key 'rnn-wasm.config'. Web-standard: bytes in,
// bytes out (src/io/model-source.ts fetches them; src/node/files.ts reads and writes
// them atomically on disk). A checkpoint (src/io/checkpoint.ts) is a model file with
// more tensors, so loadModel reads either.
import type { Runtime } from '../runtime/runtime.js';
import { Sequential } from '../model/sequential.js';
import { readSafetensors, writeSafetensors, type Tensor, type WriteOptions } from './safetensors.js';
import { ParameterizedModel, requireRuntime } from '../model/parameterized.js';
import { modelFromJSON, type ModelClass } from './model-kinds.js';
import { isTrainable, type Trainable } from '../model/trainable.js';
import { ArgumentError, ConfigError, WeightFileError } from '../errors.js';
import { TextPipeline, type PreprocessingJSON, type PreprocessingOptions } from '../data/text-pipeline.js';
import { pipelineFor } from '../model/text.js';
import { parseMetadataJSON } from './json-keys.js';
import { int8FileTensors, loadInt8Tensors, QUANTIZATION_KEY, QUANTIZATION_SCHEME } from './int8-file.js';

export interface SaveModelOptions extends PreprocessingOptions {
  /** 'F16' halves the file (for downloads); the weights are rounded to binary16 and widened to f32 on load. */
  dtype?: WriteOptions['dtype'];
  /**
   * How text becomes this model's inputs: a TextPipeline or its JSON (several fields,
   * characters). For one vocabulary, pass `vocabulary`, `tokenizer` and `labels` instead.
   * Default: the model's own (`model.preprocessing`, e.g. from the file it was loaded from).
   */
  preprocessing?: TextPipeline | PreprocessingJSON;
  /** Your own JSON (author, data, version…), given back as `model.metadata` on load. */
  metadata?: Record<string, unknown>;
}

/** Version of the model-file metadata layout. */
export const MODEL_FORMAT = '1';

/**
 * The metadata every model file and checkpoint carries: the format, the config, and
 * the preprocessing and user metadata when there are any (validated against the model).
 */
export function modelMetadata(model: Trainable, options: SaveModelOptions = {}): Record<string, string> {
  const meta: Record<string, string> = { 'rnn-wasm.format': MODEL_FORMAT, 'rnn-wasm.config': JSON.stringify(model.toJSON()) };
  const given = options.preprocessing ?? (options.vocabulary ? TextPipeline.fromOptions(options) : undefined);
  if (given && !(model instanceof Sequential)) throw new ArgumentError('preprocessing (text → token ids) is for Sequential models');
  if (model instanceof Sequential) {
    if (given) model.preprocessing = pipelineFor(model, given instanceof TextPipeline ? given.toJSON() : given);
    if (model.preprocessing) meta['rnn-wasm.preprocessing'] = JSON.stringify(model.preprocessing.toJSON());
  }
  const owner = model instanceof ParameterizedModel ? model : undefined;
  const user = options.metadata ?? owner?.metadata;
  if (user !== undefined) {
    if (!user || typeof user !== 'object' || Array.isArray(user)) throw new ArgumentError('metadata must be a plain object of JSON values');
    if (owner) owner.metadata = user;
    meta['rnn-wasm.user'] = JSON.stringify(user);
  }
  return meta;
}

/**
 * The model as one safetensors file: weights under their state_dict names, the config,
 * and its preprocessing (so it predicts on raw text wherever it is loaded) and your
 * metadata. The preprocessing given here stays with the model (`model.preprocessing`).
 */
export function saveModel(model: Trainable, options: SaveModelOptions = {}): Uint8Array {
  if (!isTrainable(model)) throw new ArgumentError('saveModel expects a model (a Sequential, a Seq2Seq, or your own Trainable)');
  const meta = modelMetadata(model, options);
  if (model instanceof Sequential && model.quantized) {
    if (options.dtype !== undefined && options.dtype !== 'F32') throw new ArgumentError(`an int8 model is saved as I8 weights with F32 scales and biases: dtype '${options.dtype}' does not apply`);
    meta[QUANTIZATION_KEY] = QUANTIZATION_SCHEME;
    return writeSafetensors(int8FileTensors(model), meta);
  }
  return writeSafetensors(model.stateDict(), meta, { dtype: options.dtype });
}

/**
 * Rebuilds a model from a model file or a checkpoint (config + weights; optimizer state
 * ignored). A config the validator refuses is the file's fault (WeightFileError); a
 * config too large for the runtime stays a MemoryLimitError (raise the limit, or it is
 * not for this runtime); a model built and then refused is disposed before the throw.
 */
export function loadModel(rt: Runtime, bytes: Uint8Array): Sequential {
  return loadModelOf(rt, bytes, Sequential);
}

/** As loadModel, for a model of any registered kind (Seq2Seq, your own); WeightFileError when the file holds another kind than `kind`. */
export function loadModelOf<M extends Trainable>(rt: Runtime, bytes: Uint8Array, kind: ModelClass<M>): M {
  requireRuntime(rt);
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`loadModel expects the file's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const { tensors, metadata } = readSafetensors(bytes);
  const cfg = metadata['rnn-wasm.config'];
  if (cfg === undefined) throw new WeightFileError("not an rnn-wasm model file: the metadata has no 'rnn-wasm.config'");
  const json = parseMetadataJSON(cfg, 'the model config in the file');
  const format = (json as { format?: unknown } | null)?.format;
  let model: Trainable;
  try {
    model = modelFromJSON(rt, json, false); // every weight comes from the file
  } catch (e) {
    if (e instanceof ConfigError) throw new WeightFileError(`the model config in the file is invalid: ${e.message}`);
    throw e;
  }
  try {
    if (!(model instanceof kind)) throw new WeightFileError(`the file holds a ${String(format)} model, not a ${kind.name}`);
    const weights: Record<string, Tensor & { dtype: string }> = {};
    for (const [n, t] of Object.entries(tensors)) if (!n.startsWith('optimizer.') && !n.startsWith('best.')) weights[n] = t;
    const quantization = metadata[QUANTIZATION_KEY];
    if (quantization !== undefined) {
      if (!(model instanceof Sequential)) throw new WeightFileError('int8 model files hold Sequential models only');
      loadInt8Tensors(model, quantization, weights);
    } else if (model instanceof ParameterizedModel) model.loadWeightTensors(weights);
    else model.loadStateDict(weights);
    readExtras(model, metadata);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Loads the weights of a safetensors file (PyTorch's state_dict of the same
 * architecture, F32 / F16 / BF16 / F64) into an existing model; names, shapes, dtypes
 * and values are checked before anything changes. The file's config, if any, is ignored.
 */
export function loadWeights(model: ParameterizedModel, bytes: Uint8Array): void {
  if (!(model instanceof ParameterizedModel)) throw new ArgumentError('loadWeights expects a model (a Sequential or a Seq2Seq)');
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`loadWeights expects the file's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  model.loadWeightTensors(readSafetensors(bytes).tensors);
}

/** The preprocessing and user metadata of a file, onto the model it built. */
function readExtras(model: Trainable, metadata: Record<string, string>): void {
  const parse = (key: string): unknown => parseMetadataJSON(metadata[key], `the file's '${key}'`);
  if (metadata['rnn-wasm.preprocessing'] !== undefined) {
    if (!(model instanceof Sequential)) throw new WeightFileError("the file's preprocessing is for a Sequential model, but it holds another kind");
    try {
      model.preprocessing = pipelineFor(model, parse('rnn-wasm.preprocessing'));
    } catch (e) {
      if (e instanceof ConfigError) throw new WeightFileError(`the file's preprocessing is invalid: ${e.message}`);
      throw e;
    }
  }
  if (metadata['rnn-wasm.user'] !== undefined) {
    const user = parse('rnn-wasm.user');
    if (!user || typeof user !== 'object' || Array.isArray(user)) throw new WeightFileError("the file's 'rnn-wasm.user' metadata must be a JSON object");
    if (model instanceof ParameterizedModel) model.metadata = user as Record<string, unknown>;
  }
}
