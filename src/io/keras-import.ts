// A Keras 3 `.keras` file → Sequential. The file is a zip of config.json (the model's
// serialized config), metadata.json and model.weights.h5; in the h5 file each layer's
// variables are datasets `layers/<key>/vars/0, 1, …` (a cell's under `…/cell`,
// Bidirectional's under `…/forward_layer/cell` and `…/backward_layer/cell`,
// TimeDistributed's under `…/layer`), where <key> is the layer's class in snake_case
// made unique by `_1`, `_2`, … in layer order — not the layer's name (Keras 3's
// saving_lib). The layer configs are read by keras-layers.ts, as for tfjs.
import { unzipSync } from 'fflate';
import * as hdf5 from 'jsfive';
import { WeightFileError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from './safetensors.js';
import { sequentialFromKeras, sequentialLayers, type KerasLayer } from './keras-layers.js';

const WEIGHTS = 'model.weights.h5';

function fail(why: string): never {
  throw new WeightFileError(`importKeras: ${why}`);
}

/** jsfive throws strings as well as errors. */
function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Keras' naming.to_snake_case, as saving_lib applies it to a layer's class name. */
function kerasSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function readJson(files: Record<string, Uint8Array>, name: string): unknown {
  const bytes = files[name];
  if (!bytes) fail(`the file has no ${name} (entries: ${Object.keys(files).join(', ') || 'none'})`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return fail(`${name} is not JSON (${message(e)})`);
  }
}

/**
 * A Sequential from a Keras 3 `.keras` file (`model.save('model.keras')`): the same
 * layers as importTfjs reads — Embedding (mask_zero too: pass each sequence without its
 * trailing 0s), SimpleRNN (tanh, relu), LSTM, GRU (reset_after true or false; sigmoid
 * gates), Bidirectional (concat, sum, ave), Dense (linear, or softmax last: a
 * cross-entropy model), TimeDistributed(Dense), Dropout. Needs the optional packages
 * `fflate` (zip) and `jsfive` (HDF5). A damaged file, a missing weight or an
 * unsupported layer is a WeightFileError naming the entry, dataset or layer.
 */
export function importKeras(rt: Runtime, bytes: ArrayBuffer | Uint8Array): Sequential {
  const data = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : undefined;
  if (!data) fail('expects the .keras file as an ArrayBuffer or a Uint8Array');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(data!);
  } catch (e) {
    return fail(`not a readable .keras file: the zip is damaged or truncated (${message(e)})`);
  }
  const config = readJson(files, 'config.json') as KerasLayer;
  if (!files[WEIGHTS]) fail(`the file has no ${WEIGHTS}${files['model.weights.npz'] ? ' (model.weights.npz, saved with weights_format="npz", is not read)' : ''}`);
  const list = sequentialLayers('importKeras', config);
  const h5bytes = files[WEIGHTS];
  let h5: hdf5.File;
  try {
    h5 = new hdf5.File(h5bytes.buffer.slice(h5bytes.byteOffset, h5bytes.byteOffset + h5bytes.byteLength) as ArrayBuffer, WEIGHTS);
  } catch (e) {
    return fail(`${WEIGHTS} is not a readable HDF5 file (${message(e)})`);
  }
  // saving_lib's container keys: snake_case(class name), then _1, _2, … (the InputLayer is not among a Sequential's layers).
  const keys = new Map<number, string>(), used = new Map<string, number>();
  list.forEach((layer, index) => {
    if (layer?.class_name === 'InputLayer') return;
    const base = kerasSnakeCase(String(layer?.class_name ?? 'layer')), n = used.get(base) ?? -1;
    used.set(base, n + 1);
    keys.set(index, n < 0 ? base : `${base}_${n + 1}`);
  });
  const dataset = (path: string, layer: string): Tensor => {
    let node: hdf5.Group | hdf5.Dataset | undefined;
    try {
      node = h5.get(path);
    } catch (e) {
      node = undefined;
      if (!/not found/.test(message(e))) fail(`layer '${layer}': ${WEIGHTS} cannot read dataset ${path} (${message(e)})`);
    }
    if (!node || !('shape' in node)) return fail(`layer '${layer}': ${WEIGHTS} has no dataset ${path}`);
    const dtype = String(node.dtype);
    if (!/^[<>|]?f[48]$/.test(dtype) || node.attrs?.dtype === 'bfloat16') fail(`layer '${layer}': dataset ${path} is ${node.attrs?.dtype ?? dtype}, only float32 (or float64) is read`);
    let value: ArrayLike<number>;
    try {
      value = node.value;
    } catch (e) {
      return fail(`layer '${layer}': ${WEIGHTS} cannot read dataset ${path} (${message(e)})`);
    }
    const count = node.shape.reduce((a, b) => a * b, 1);
    if (!value || value.length !== count) fail(`layer '${layer}': dataset ${path} holds ${value?.length ?? 0} values, its shape [${node.shape}] ${count}`);
    return { shape: [...node.shape], data: Float32Array.from(value) };
  };
  return sequentialFromKeras(rt, 'importKeras', list, (layer, index, part, n) => {
    const name = String(layer.config?.name ?? `#${index}`);
    const base = `layers/${keys.get(index)}${part ? `/${part}` : ''}/vars`;
    const out = Array.from({ length: n }, (_, i) => dataset(`${base}/${i}`, name));
    // more variables than the config asks for: the config and the weights disagree (use_bias, a quantized layer)
    const held = (h5.get(base) as hdf5.Group).keys.length;
    if (held !== n) fail(`layer '${name}': ${base} holds ${held} variables, the layer's config ${n}`);
    return out;
  });
}
