// A Keras Sequential's layer configs → our layer specs and state dict. Shared by the
// TensorFlow.js import (model.json's topology, weights in manifest order) and the Keras
// import (.keras: config.json, weights by path in model.weights.h5): both files hold the
// same Keras layer configs, only where each layer's weights are kept differs, so each
// importer hands in a `take` that fetches them. Each Keras layer becomes one of ours:
// Embedding, SimpleRNN / LSTM / GRU (also in Bidirectional), Dense (also in
// TimeDistributed), Dropout. Anything else is refused naming it.
import { WeightFileError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import type { Runtime } from '../runtime/runtime.js';
import type { StateDict } from '../runtime/parameter-table.js';
import type { CellType } from '../layers/recurrent.js';
import type { Tensor } from './safetensors.js';
import { fromKeras, type KerasRecurrentWeights } from './keras.js';
import { transpose } from './gate-layout.js';

export type KerasConfig = Record<string, unknown>;
export interface KerasLayer { class_name: string; config: KerasConfig }

/**
 * Where a layer's weights sit inside it: '' its own (Embedding, Dense), 'cell' an RNN's
 * cell, 'forward_layer/cell' / 'backward_layer/cell' Bidirectional's, 'layer'
 * TimeDistributed's Dense. Keras 3 keeps them under these names; tfjs in manifest order.
 */
export type WeightPart = '' | 'cell' | 'forward_layer/cell' | 'backward_layer/cell' | 'layer';

/** Fetches `count` weights of `layer` (its position in the layer list: `index`), in the order Keras created them. */
export type TakeWeights = (layer: KerasLayer, index: number, part: WeightPart, count: number) => Tensor[];

const CELLS: Record<string, CellType> = { SimpleRNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };
const MERGE: Record<string, 'concat' | 'sum' | 'mean'> = { concat: 'concat', sum: 'sum', ave: 'mean' };

/** The layer list of a Sequential's config (Keras 2 / tfjs: `config` is the list or has `layers`; Keras 3: `config.layers`). */
export function sequentialLayers(who: string, model: KerasLayer | undefined): KerasLayer[] {
  if (model?.class_name !== 'Sequential') throw new WeightFileError(`${who}: the model is a ${model?.class_name ?? 'missing topology'}, only Sequential is read`);
  const list = (Array.isArray(model.config) ? model.config : (model.config as { layers?: KerasLayer[] })?.layers) as KerasLayer[] | undefined;
  if (!Array.isArray(list) || list.length === 0) throw new WeightFileError(`${who}: the Sequential has no layers`);
  return list;
}

/** A Keras activation, as a name: tfjs and Keras 3 write strings; a serialized object gives its class or name. */
function activation(a: unknown, fallback: string): string {
  if (a === undefined || a === null) return fallback;
  if (typeof a === 'string') return a;
  const o = a as { class_name?: string; config?: { name?: string } };
  return String(o.config?.name ?? o.class_name ?? '?');
}

/** [batch, steps, features] from an InputLayer or a first layer: batch_shape (Keras 3) or batch_input_shape (tfjs, Keras 2). */
function inputShape(c: KerasConfig): number[] | undefined {
  const s = (c.batch_shape ?? c.batch_input_shape) as number[] | undefined;
  return Array.isArray(s) ? s : undefined;
}

/**
 * The Sequential for `list`. `who` starts every error message ('importTfjs', 'importKeras');
 * `after` runs once every layer has taken its weights (tfjs checks that none are left over).
 */
export function sequentialFromKeras(rt: Runtime, who: string, list: KerasLayer[], take: TakeWeights, after?: () => void): Sequential {
  const fail = (layer: string, why: string): never => {
    throw new WeightFileError(`${who}: layer '${layer}': ${why}`);
  };
  /** A Keras RNN's options PyTorch's layers lack are refused; dropout and recurrent_dropout only act in training and are not carried. */
  const checkRecurrent = (name: string, cls: string, c: KerasConfig): void => {
    for (const flag of ['go_backwards', 'stateful', 'return_state'] as const) if (c[flag]) fail(name, `${cls} with ${flag} true is not supported`);
    const act = activation(c.activation, 'tanh');
    if (cls === 'SimpleRNN' ? act !== 'tanh' && act !== 'relu' : act !== 'tanh') fail(name, `${cls} activation '${act}' is not supported (${cls === 'SimpleRNN' ? 'tanh or relu' : 'tanh'})`);
    const gate = activation(c.recurrent_activation, '?');
    if (cls !== 'SimpleRNN' && gate !== 'sigmoid') fail(name, `${cls} recurrent_activation '${gate}' is not supported (sigmoid only: PyTorch's gates)`);
  };

  const specs: Record<string, unknown>[] = [];
  const dict: StateDict = {};
  let inputFeatures: number | undefined, softmax = false;
  list.forEach((layer, index) => {
    const cls = layer?.class_name, c = layer?.config ?? {};
    const kname = String(c.name ?? `#${index}`);
    if (softmax) fail(kname, 'a layer after the softmax Dense (softmax is read only at the end)');
    if (index === 0 && cls !== 'Embedding' && cls !== 'InputLayer') {
      const shape = inputShape(c);
      if (!shape || shape.length !== 3 || !(shape[2] > 0)) fail(kname, 'the first layer is not an Embedding and has no [batch, steps, features] input shape');
      inputFeatures = shape![2];
    }
    const name = `${(cls ?? 'layer').toLowerCase()}_${specs.length}`;
    switch (cls) {
      case 'InputLayer': {
        const shape = inputShape(c);
        if (shape?.length === 3) inputFeatures = shape[2];
        return;
      }
      case 'Embedding': {
        if (specs.length > 0) fail(kname, 'an Embedding after other layers');
        // mask_zero: id 0 is padding. Our sequences carry their own lengths, so a
        // sequence passed without its trailing zeros is what Keras computes for it padded.
        const [table] = take(layer, index, '', 1);
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
        const d = inner!.config, act = activation(d.activation, 'linear');
        if (act === 'softmax') softmax = true;
        else if (act !== 'linear') fail(kname, `Dense activation '${act}' is not supported (linear, or softmax last)`);
        const [kernel, bias] = take(layer, index, cls === 'Dense' ? '' : 'layer', d.use_bias === false ? 1 : 2);
        if (kernel.shape.length !== 2) fail(kname, `Dense kernel has shape [${kernel.shape}], expected [inputs, units]`);
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
        // Keras 3 writes the backward copy's config too; one built apart must match the forward one (our directions share their options)
        const back = c.backward_layer as KerasLayer | undefined;
        if (back) {
          const differs = back.class_name !== icls ? 'class' : ['units', 'use_bias', 'activation', 'recurrent_activation', 'reset_after', 'return_sequences']
            .find((k) => JSON.stringify(back.config?.[k]) !== JSON.stringify(r[k]));
          if (differs) fail(kname, `Bidirectional backward_layer differs from the forward layer in its ${differs}`);
          if (!back.config?.go_backwards) fail(kname, 'Bidirectional backward_layer does not run backwards (go_backwards false)');
        }
        const merge = D === 2 ? MERGE[String(c.merge_mode)] : undefined;
        if (D === 2 && !merge) fail(kname, `Bidirectional merge_mode '${c.merge_mode}' is not supported (concat, sum or ave)`);
        const sets: KerasRecurrentWeights[] = [];
        const parts: WeightPart[] = D === 2 ? ['forward_layer/cell', 'backward_layer/cell'] : ['cell'];
        for (const part of parts) {
          const [kernel, recurrentKernel, bias] = take(layer, index, part, r.use_bias === false ? 2 : 3);
          sets.push({ kernel, recurrentKernel, bias });
        }
        const resetAfter = cell === 'gru' ? Boolean(r.reset_after) : undefined; // both formats always write it
        let stateDict: StateDict;
        try {
          ({ stateDict } = fromKeras(cell, sets, { bidirectional: D === 2, resetAfter, prefix: `${name}.` }));
        } catch (e) {
          fail(kname, (e as Error).message);
        }
        Object.assign(dict, stateDict!);
        specs.push({
          type: cell, name, hiddenSize: r.units, bidirectional: D === 2, ...(merge && merge !== 'concat' ? { merge } : {}),
          returnSequences: Boolean(r.return_sequences),
          ...(cell === 'rnn' && activation(r.activation, 'tanh') === 'relu' ? { nonlinearity: 'relu' } : {}),
          ...(cell === 'gru' && !resetAfter ? { resetBefore: true } : {}),
        });
        return;
      }
      default:
        fail(kname, `layer class ${cls} is not supported`);
    }
  });
  after?.();
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
