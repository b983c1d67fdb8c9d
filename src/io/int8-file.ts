// int8 model files: the quantized matrices of an int8 Sequential (quantize()) as
// safetensors I8 tensors `<name>.q` [rows][cols] with F32 scales `<name>.scale`
// [rows]; the other parameters (biases) as F32 under their own names. The metadata
// says so under 'rnn-wasm.quantization'. Reading checks everything before the model
// changes: the pairs present for exactly the model's matrices, dtypes, shapes, q in
// [−127, 127] (the writer never produces −128), finite non-negative scales.
import type { Sequential } from '../model/sequential.js';
import { dequantizeMatrix, isQuantizedParameter, type Int8Tensor } from '../runtime/int8-weights.js';
import type { StateDict } from '../runtime/parameter-table.js';
import { WeightFileError } from '../errors.js';
import type { Int8TensorData, Tensor } from './safetensors.js';

/** Metadata key of an int8 model file, and the one scheme written and read. */
export const QUANTIZATION_KEY = 'rnn-wasm.quantization';
export const QUANTIZATION_SCHEME = 'int8-symmetric-per-row';

/** The tensors of an int8 model file, in the model's parameter order. */
export function int8FileTensors(model: Sequential): Record<string, Tensor | Int8TensorData> {
  const int8 = model.int8Tensors()!;
  const out: Record<string, Tensor | Int8TensorData> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    const q = int8.get(name);
    if (!q) {
      out[name] = t;
      continue;
    }
    out[`${name}.q`] = { shape: [q.rows, q.cols], data: q.q };
    out[`${name}.scale`] = { shape: [q.rows], data: q.scales };
  }
  return out;
}

/** Reads an int8 file's tensors into a model built from its config (every check before anything changes). */
export function loadInt8Tensors(model: Sequential, scheme: string, tensors: Record<string, Tensor & { dtype: string }>): void {
  if (scheme !== QUANTIZATION_SCHEME) throw new WeightFileError(`the file's '${QUANTIZATION_KEY}' is ${JSON.stringify(scheme)}: expected '${QUANTIZATION_SCHEME}'`);
  const seen = new Set<string>();
  const take = (name: string, dtype: string, shape: number[]): Float32Array => {
    const t = tensors[name];
    if (!t) throw new WeightFileError(`int8 model file: tensor '${name}' is missing`);
    if (t.dtype !== dtype) throw new WeightFileError(`int8 model file: '${name}' has dtype ${t.dtype}, expected ${dtype}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new WeightFileError(`int8 model file: '${name}' has shape [${t.shape}], expected [${shape}]`);
    seen.add(name);
    return t.data;
  };
  const int8 = new Map<string, Int8Tensor>();
  const dict: StateDict = {};
  for (const e of model.table.entries) {
    const shape = [...e.shape];
    if (!isQuantizedParameter(shape)) {
      dict[e.name] = { shape, data: take(e.name, 'F32', shape) };
      continue;
    }
    const [rows, cols] = shape;
    const qf = take(`${e.name}.q`, 'I8', shape), scales = take(`${e.name}.scale`, 'F32', [rows]);
    const q = new Int8Array(rows * cols);
    for (let i = 0; i < q.length; i++) {
      if (qf[i] < -127) throw new WeightFileError(`int8 model file: '${e.name}.q' holds ${qf[i]}: symmetric int8 values are in [-127, 127]`);
      q[i] = qf[i];
    }
    for (let r = 0; r < rows; r++) {
      if (!(Number.isFinite(scales[r]) && scales[r] >= 0)) throw new WeightFileError(`int8 model file: '${e.name}.scale' row ${r} is ${scales[r]}: scales must be finite and non-negative`);
    }
    const t: Int8Tensor = { rows, cols, q, scales: Float32Array.from(scales) };
    int8.set(e.name, t);
    dict[e.name] = { shape, data: dequantizeMatrix(t) };
  }
  for (const name of Object.keys(tensors)) {
    if (!seen.has(name)) throw new WeightFileError(`int8 model file: unexpected tensor '${name}' (this model has no such parameter)`);
  }
  model.useInt8(int8, dict);
}
