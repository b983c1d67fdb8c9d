// A TensorFlow.js layers model (model.json + its weights) → Sequential. The topology is
// a Keras Sequential config (read by keras-layers.ts, shared with the .keras import);
// the weights manifest lists { name, shape, dtype } in the order the float32 values
// follow one another in the weight data, layer after layer.
import { WeightFileError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from './safetensors.js';
import { sequentialFromKeras, sequentialLayers, type KerasLayer } from './keras-layers.js';

interface WeightSpec { name: string; shape: number[]; dtype?: string }

/** Reads the weights in manifest order. */
class Weights {
  private next = 0;
  private offset = 0;
  constructor(private readonly specs: WeightSpec[], private readonly view: DataView) {}

  take(layer: string, n: number): Tensor[] {
    const fail = (why: string): never => { throw new WeightFileError(`importTfjs: layer '${layer}': ${why}`); };
    const out: Tensor[] = [];
    for (let j = 0; j < n; j++) {
      const s = this.specs[this.next++];
      if (!s) fail('the weights manifest ends before this layer\'s weights');
      if ((s.dtype ?? 'float32') !== 'float32') fail(`weight '${s.name}' is ${s.dtype}, only float32 is read`);
      const count = s.shape.reduce((a, b) => a * b, 1);
      if (this.offset + 4 * count > this.view.byteLength) fail(`weight '${s.name}' runs past the end of the weight data (${this.view.byteLength} bytes)`);
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = this.view.getFloat32(this.offset + 4 * i, true);
      this.offset += 4 * count;
      out.push({ shape: s.shape, data });
    }
    return out;
  }

  finish(): void {
    if (this.next !== this.specs.length) throw new WeightFileError(`importTfjs: ${this.specs.length - this.next} weights in the manifest belong to no layer ('${this.specs[this.next].name}' first)`);
    if (this.offset !== this.view.byteLength) throw new WeightFileError(`importTfjs: the weight data holds ${this.view.byteLength} bytes, the manifest ${this.offset}`);
  }
}

/** model.json as tfjs' model.save writes it; weightsManifest's weights are { name, shape, dtype }. */
export interface TfjsModelJson {
  modelTopology: unknown;
  weightsManifest: { paths?: string[]; weights: WeightSpec[] }[];
}

/**
 * A Sequential from a TensorFlow.js layers model: `modelJson` is model.json (parsed or
 * as text), `weightData` the weight files' bytes concatenated in manifest order. Reads
 * Embedding (mask_zero too: pass each sequence without its trailing 0s), SimpleRNN (tanh
 * or relu), LSTM and GRU (tanh, sigmoid gates; GRU reset_after true or false),
 * Bidirectional (merge_mode concat, sum, ave), Dense (linear, or softmax as the last
 * layer), TimeDistributed(Dense) and Dropout. A softmax at the end gives a cross-entropy
 * model whose predictOutputs are the probabilities; otherwise an MSE model. Anything
 * else: a WeightFileError naming the layer.
 */
export function importTfjs(rt: Runtime, modelJson: TfjsModelJson | string, weightData: ArrayBuffer | Uint8Array): Sequential {
  let json: TfjsModelJson;
  try {
    json = typeof modelJson === 'string' ? JSON.parse(modelJson) : modelJson;
  } catch (e) {
    throw new WeightFileError(`importTfjs: model.json is not JSON (${(e as Error).message})`);
  }
  const topo = (json?.modelTopology as { model_config?: KerasLayer } | undefined);
  const list = sequentialLayers('importTfjs', (topo?.model_config ?? topo) as KerasLayer | undefined);
  if (!Array.isArray(json.weightsManifest)) throw new WeightFileError('importTfjs: model.json has no weightsManifest');
  const bytes = weightData instanceof Uint8Array ? weightData : weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : undefined;
  if (!bytes) throw new WeightFileError('importTfjs expects the weight data as an ArrayBuffer or a Uint8Array');
  const weights = new Weights(json.weightsManifest.flatMap((g) => g.weights ?? []), new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return sequentialFromKeras(rt, 'importTfjs', list, (layer, index, _part, n) => weights.take(String(layer.config?.name ?? `#${index}`), n), () => weights.finish());
}
