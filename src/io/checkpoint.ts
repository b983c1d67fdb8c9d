// Checkpoints: a model file (src/io/model-file.ts) plus 'optimizer.<i>' tensors (the
// optimizer's state buffers, flat, laid out like the parameters), early stopping's best
// weights ('best.<name>'), and metadata 'rnn-wasm.training' (optimizer spec and step
// count, the model's RNG state, progress). The carried states of stateful layers are
// not saved: a stateful run resumes exactly only from an epoch boundary (fit starts
// every epoch from zero states).
import type { Runtime } from '../runtime/runtime.js';
import type { Sequential } from '../model/sequential.js';
import { readSafetensors, writeSafetensors, type Tensor } from './safetensors.js';
import { loadModel } from './model-file.js';
import { fromSpec } from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { WeightFileError } from '../errors.js';
import type { StateDict } from '../model/parameter-table.js';

export interface TrainingState {
  /** Completed epochs, and optimizer steps taken within the next one. */
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  /** Per-epoch summaries so far. */
  history: Record<string, number>[];
  /** Best monitored value and epochs since it improved (early stopping). */
  best?: number;
  badEpochs?: number;
  /** The optimizer's learning rate when training began (what a schedule scales). */
  baseLr?: number;
  /** Early stopping's best weights so far (stored as 'best.<name>' tensors). */
  bestWeights?: StateDict;
}

export interface Checkpoint {
  model: Sequential;
  optimizer: Optimizer;
  state: TrainingState;
}

export function saveCheckpoint(model: Sequential, optimizer: Optimizer, state: TrainingState): Uint8Array {
  const tensors: Record<string, Tensor> = { ...model.stateDict() };
  const o = optimizer.getState();
  o.buffers.forEach((b, i) => { tensors[`optimizer.${i}`] = { shape: [b.length], data: b }; });
  const { bestWeights, ...rest } = state;
  for (const [n, t] of Object.entries(bestWeights ?? {})) tensors[`best.${n}`] = t;
  const training = { optimizer: optimizer.spec(), optimizerStep: o.stepCount, lr: o.lr, rng: model.rng.getState(), ...rest };
  return writeSafetensors(tensors, { 'rnn-wasm.config': JSON.stringify(model.toJSON()), 'rnn-wasm.training': JSON.stringify(training) });
}

export function loadCheckpoint(rt: Runtime, bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = readSafetensors(bytes);
  const raw = metadata['rnn-wasm.training'];
  if (!raw) throw new WeightFileError("not an rnn-wasm checkpoint: the metadata has no 'rnn-wasm.training' (a model file? use loadModel)");
  const t = JSON.parse(raw);
  const model = loadModel(rt, bytes);
  const optimizer = fromSpec(t.optimizer);
  const buffers: Float32Array[] = [];
  for (let i = 0; `optimizer.${i}` in tensors; i++) buffers.push(tensors[`optimizer.${i}`].data);
  if (buffers.length) optimizer.setState(rt, model.params, { stepCount: t.optimizerStep, lr: t.lr, buffers });
  else { optimizer.stepCount = t.optimizerStep; optimizer.lr = t.lr; }
  model.rng.setState(t.rng);
  const { epoch, stepInEpoch, globalStep, history, best, badEpochs, baseLr } = t;
  let bestWeights: StateDict | undefined;
  for (const [n, tensor] of Object.entries(tensors)) if (n.startsWith('best.')) (bestWeights ??= {})[n.slice(5)] = tensor;
  return { model, optimizer, state: { epoch, stepInEpoch, globalStep, history, best, badEpochs, baseLr, bestWeights } };
}
