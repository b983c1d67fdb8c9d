// Model files: one safetensors file with the weights under PyTorch state_dict names and
// the model config under the metadata key 'rnn-wasm.config'. Web-standard: bytes in,
// bytes out (src/io/model-source.ts fetches them; src/node/files.ts reads and writes
// them atomically on disk). A checkpoint (src/io/checkpoint.ts) is a model file with
// more tensors, so loadModel reads either.
import type { Runtime } from '../runtime/runtime.js';
import { Sequential } from '../model/sequential.js';
import { readSafetensors, type WriteOptions } from './safetensors.js';
import { ConfigError, WeightFileError } from '../errors.js';

export interface SaveModelOptions {
  /** 'F16' halves the file (for downloads); the weights are rounded to binary16 and widened to f32 on load. */
  dtype?: WriteOptions['dtype'];
}

export function saveModel(model: Sequential, options: SaveModelOptions = {}): Uint8Array {
  return model.saveSafetensors(options);
}

/**
 * Rebuilds a model from a model file or a checkpoint (config + weights; optimizer state
 * ignored). A config the validator refuses is the file's fault (WeightFileError); a
 * config too large for the runtime stays a MemoryLimitError (raise the limit, or it is
 * not for this runtime); a model built and then refused is disposed before the throw.
 */
export function loadModel(rt: Runtime, bytes: Uint8Array): Sequential {
  const { tensors, metadata } = readSafetensors(bytes);
  const cfg = metadata['rnn-wasm.config'];
  if (cfg === undefined) throw new WeightFileError("not an rnn-wasm model file: the metadata has no 'rnn-wasm.config'");
  let json: unknown;
  try {
    json = JSON.parse(cfg);
  } catch (e) {
    throw new WeightFileError(`the model config in the file is not JSON (${(e as Error).message})`);
  }
  let model: Sequential;
  try {
    model = Sequential.fromJSON(rt, json, false); // every weight comes from the file
  } catch (e) {
    if (e instanceof ConfigError) throw new WeightFileError(`the model config in the file is invalid: ${e.message}`);
    throw e;
  }
  const weights: typeof tensors = {};
  for (const [n, t] of Object.entries(tensors)) if (!n.startsWith('optimizer.') && !n.startsWith('best.')) weights[n] = t;
  try {
    model.loadWeightTensors(weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
