// quantize(model): the int8 inference copy of a Sequential model. Every weight matrix
// (the 2-D parameters: embedding tables, recurrent input-to-hidden, hidden-to-hidden
// and projection weights, dense weights) becomes int8 with one f32 scale per row
// (src/runtime/int8-weights.ts); biases stay f32. The copy runs the integer kernels
// (assembly/qgemm.ts), saves as an int8 model file about 4× smaller, and refuses
// training (QuantizedModelError); the f32 model is left as it was.
import { Sequential } from './sequential.js';
import { ArgumentError, FrozenModelError, QuantizedModelError } from '../errors.js';
import { dequantizeMatrix, isQuantizedParameter, quantizeMatrix, type Int8Tensor } from '../runtime/int8-weights.js';
import type { StateDict } from '../runtime/parameter-table.js';

/**
 * A new model with the same config, preprocessing and metadata whose weight matrices
 * are int8 with per-row scales (symmetric, round half away from zero), running the
 * integer kernels for inference. The f32 model is unchanged; dispose both when done.
 */
export function quantize(model: Sequential): Sequential {
  if (!(model instanceof Sequential)) throw new ArgumentError('quantize expects a Sequential model');
  if (model.frozen) throw new FrozenModelError('this model is frozen: quantize the model it was frozen from, then freeze the int8 model');
  if (model.quantized) throw new QuantizedModelError('this model is already int8: quantize the f32 model it came from');
  const dict = model.stateDict();
  const tensors = new Map<string, Int8Tensor>();
  const dequantized: StateDict = {};
  for (const [name, t] of Object.entries(dict)) {
    if (!isQuantizedParameter(t.shape)) {
      dequantized[name] = t;
      continue;
    }
    const q = quantizeMatrix(t.data, t.shape[0], t.shape[1]);
    tensors.set(name, q);
    dequantized[name] = { shape: t.shape, data: dequantizeMatrix(q) };
  }
  const out = Sequential.fromJSON(model.rt, model.toJSON(), false);
  try {
    out.useInt8(tensors, dequantized);
    out.preprocessing = model.preprocessing;
    if (model.metadata !== undefined) out.metadata = model.metadata;
    return out;
  } catch (e) {
    out.dispose();
    throw e;
  }
}
