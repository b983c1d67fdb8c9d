// A TensorFlow.js layers model (model.json + its weights) → Sequential. The topology is
// a Keras Sequential config; the weights manifest lists { name, shape, dtype } in the
// order the float32 values follow one another in the weight data. Each Keras layer
// becomes one of ours: Embedding, SimpleRNN / LSTM / GRU (also in Bidirectional),
// Dense (also in TimeDistributed), Dropout. Anything else is refused naming it.
import { WeightFileError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import type { Runtime } from '../runtime/runtime.js';
import type { StateDict } from '../runtime/parameter-table.js';
import type { CellType } from '../layers/recurrent.js';
import type { Tensor } from './safetensors.js';
import { fromKeras, type KerasRecurrentWeights } from './keras.js';
import { transpose } from './gate-layout.js';

type Config = Record<string, unknown>;
interface KerasLayer { class_name: string; config: Config }
interface WeightSpec { name: string; shape: number[]; dtype?: string }

const CELLS: Record<string, CellType> = { SimpleRNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };
const MERGE: Record<string, 'concat' | 'sum' | 'mean'> = { concat: 'concat', sum: 'sum', ave: 'mean' };

function fail(layer: string, why: string): never {
  throw new WeightFileError(`importTfjs: layer '${layer}': ${why}`);
}

/** Reads the weights in manifest order. */
class Weights {
  private next = 0;
  private offset = 0;
  constructor(private readonly specs: WeightSpec[], private readonly view: DataView) {}

  take(layer: string, n: number): Tensor[] {
    const out: Tensor[] = [];
    for (let j = 0; j < n; j++) {
      const s = this.specs[this.next++];
      if (!s) fail(layer, 'the weights manifest ends before this layer\'s weights');
      if ((s.dtype ?? 'float32') !== 'float32') fail(layer, `weight '${s.name}' is ${s.dtype}, only float32 is read`);
      const count = s.shape.reduce((a, b) => a * b, 1);
      if (this.offset + 4 * count > this.view.byteLength) fail(layer, `weight '${s.name}' runs past the end of the weight data (${this.view.byteLength} bytes)`);
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

/** A Keras RNN's options PyTorch's layers lack are refused; dropout and recurrent_dropout only act in training and are not carried. */
function checkRecurrent(name: string, cls: string, c: Config): void {
  for (const flag of ['go_backwards', 'stateful', 'return_state'] as const) if (c[flag]) fail(name, `${cls} with ${flag} true is not supported`);
  const act = c.activation ?? 'tanh';
  if (cls === 'SimpleRNN' ? act !== 'tanh' && act !== 'relu' : act !== 'tanh') fail(name, `${cls} activation '${act}' is not supported (${cls === 'SimpleRNN' ? 'tanh or relu' : 'tanh'})`);
  if (cls !== 'SimpleRNN' && c.recurrent_activation !== 'sigmoid') fail(name, `${cls} recurrent_activation '${c.recurrent_activation}' is not supported (sigmoid only: PyTorch's gates)`);
}

/** model.json as tfjs' model.save writes it; weightsManifest's weights are { name, shape, dtype }. */
export interface TfjsModelJson {
  modelTopology: unknown;
  weightsManifest: { paths?: string[]; weights: WeightSpec[] }[];
}

/**
 * A Sequential from a TensorFlow.js layers model: `modelJson` is model.json (parsed or
 * as text), `weightData` the weight files' bytes concatenated in manifest order. Reads
 * Embedding (mask_zero false), SimpleRNN (tanh or relu), LSTM and GRU (tanh, sigmoid
 * gates; GRU reset_after true or false), Bidirectional (merge_mode concat, sum, ave),
 * Dense (linear, or softmax as the last layer), TimeDistributed(Dense) and Dropout.
 * A softmax at the end gives a cross-entropy model whose predictOutputs are the
 * probabilities; otherwise an MSE model. Anything else: a WeightFileError naming the layer.
 */
export function importTfjs(rt: Runtime, modelJson: TfjsModelJson | string, weightData: ArrayBuffer | Uint8Array): Sequential {
  let json: TfjsModelJson;
  try {
    json = typeof modelJson === 'string' ? JSON.parse(modelJson) : modelJson;
  } catch (e) {
    throw new WeightFileError(`importTfjs: model.json is not JSON (${(e as Error).message})`);
  }
  const topo = (json?.modelTopology as { model_config?: KerasLayer } | undefined);
  const model = (topo?.model_config ?? topo) as KerasLayer | undefined;
  if (model?.class_name !== 'Sequential') throw new WeightFileError(`importTfjs: the model is a ${model?.class_name ?? 'missing topology'}, only Sequential is read`);
  const list = (Array.isArray(model.config) ? model.config : (model.config as { layers?: KerasLayer[] }).layers) as KerasLayer[] | undefined;
  if (!Array.isArray(list) || list.length === 0) throw new WeightFileError('importTfjs: the Sequential has no layers');
  if (!Array.isArray(json.weightsManifest)) throw new WeightFileError('importTfjs: model.json has no weightsManifest');
  const bytes = weightData instanceof Uint8Array ? weightData : weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : undefined;
  if (!bytes) throw new WeightFileError('importTfjs expects the weight data as an ArrayBuffer or a Uint8Array');
  const weights = new Weights(json.weightsManifest.flatMap((g) => g.weights ?? []), new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));

  const specs: Record<string, unknown>[] = [];
  const dict: StateDict = {};
  let inputFeatures: number | undefined, softmax = false;
  list.forEach((layer, index) => {
    const cls = layer?.class_name, c = layer?.config ?? {};
    const kname = String(c.name ?? `#${index}`);
    if (softmax) fail(kname, 'a layer after the softmax Dense (softmax is read only at the end)');
    if (index === 0 && cls !== 'Embedding' && cls !== 'InputLayer') {
      const shape = c.batch_input_shape as number[] | undefined;
      if (!Array.isArray(shape) || shape.length !== 3 || !(shape[2] > 0)) fail(kname, 'the first layer is not an Embedding and has no [batch, steps, features] batch_input_shape');
      inputFeatures = shape[2];
    }
    const name = `${(cls ?? 'layer').toLowerCase()}_${specs.length}`;
    switch (cls) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as number[] | undefined;
        if (Array.isArray(shape) && shape.length === 3) inputFeatures = shape[2];
        return;
      }
      case 'Embedding': {
        if (specs.length > 0) fail(kname, 'an Embedding after other layers');
        if (c.mask_zero) fail(kname, 'Embedding with mask_zero true is not supported');
        const [table] = weights.take(kname, 1);
        specs.push({ type: 'embedding', name, vocabSize: c.input_dim, dim: c.output_dim });
        dict[`${name}.weight`] = table;
        return;
      }
      case 'Dropout':
        specs.push({ type: 'dropout', name, rate: c.rate });
        return;
      case 'Dense': case 'TimeDistributed': {
        const inner = cls === 'Dense' ? layer : (c.layer as KerasLayer | undefined);
        if (inner?.class_name !== 'Dense') fail(kname, `TimeDistributed(${inner?.class_name}) is not supported (Dense only)`);
        const d = inner.config, act = d.activation ?? 'linear';
        if (act === 'softmax') softmax = true;
        else if (act !== 'linear') fail(kname, `Dense activation '${act}' is not supported (linear, or softmax last)`);
        const [kernel, bias] = weights.take(kname, d.use_bias === false ? 1 : 2);
        const [I, U] = kernel.shape;
        specs.push({ type: 'dense', name, units: U });
        dict[`${name}.weight`] = { shape: [U, I], data: transpose(kernel.data, I, U) };
        dict[`${name}.bias`] = bias ?? { shape: [U], data: new Float32Array(U) };
        return;
      }
      case 'SimpleRNN': case 'LSTM': case 'GRU': case 'Bidirectional': {
        const inner = cls === 'Bidirectional' ? (c.layer as KerasLayer | undefined) : layer;
        const icls = inner?.class_name ?? '?';
        if (!(icls in CELLS)) fail(kname, `Bidirectional(${icls}) is not supported (SimpleRNN, LSTM or GRU)`);
        const r = inner!.config, cell = CELLS[icls], D = cls === 'Bidirectional' ? 2 : 1;
        checkRecurrent(kname, icls, r);
        const merge = D === 2 ? MERGE[String(c.merge_mode)] : undefined;
        if (D === 2 && !merge) fail(kname, `Bidirectional merge_mode '${c.merge_mode}' is not supported (concat, sum or ave)`);
        const sets: KerasRecurrentWeights[] = [];
        for (let d = 0; d < D; d++) {
          const [kernel, recurrentKernel, bias] = weights.take(kname, r.use_bias === false ? 2 : 3);
          sets.push({ kernel, recurrentKernel, bias });
        }
        const resetAfter = cell === 'gru' ? Boolean(r.reset_after) : undefined;
        const { stateDict } = fromKeras(cell, sets, { bidirectional: D === 2, resetAfter, prefix: `${name}.` });
        Object.assign(dict, stateDict);
        specs.push({
          type: cell, name, hiddenSize: r.units, bidirectional: D === 2, ...(merge && merge !== 'concat' ? { merge } : {}),
          returnSequences: Boolean(r.return_sequences),
          ...(cell === 'rnn' && r.activation === 'relu' ? { nonlinearity: 'relu' } : {}),
          ...(cell === 'gru' && !resetAfter ? { resetBefore: true } : {}),
        });
        return;
      }
      default:
        fail(kname, `layer class ${cls} is not supported`);
    }
  });
  weights.finish();
  const seq = Sequential.fromJSON(rt, {
    format: 'rnn-wasm/sequential', version: 1, layers: specs,
    options: { loss: softmax ? 'crossEntropy' : 'mse', ...(inputFeatures ? { inputFeatures } : {}) },
  }, false);
  try {
    seq.loadStateDict(dict);
  } catch (e) {
    seq.dispose();
    throw e;
  }
  return seq;
}
