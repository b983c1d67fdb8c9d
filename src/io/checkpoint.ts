// Checkpoints: a model file (src/io/model-file.ts) plus 'optimizer.<i>' tensors (the
// optimizer's state buffers, flat, laid out like the parameters), early stopping's best
// weights ('best.<name>'), and metadata 'rnn-wasm.training' (optimizer spec and step
// count, the model's RNG state, progress). The carried states of stateful layers are
// not saved: a stateful run resumes exactly only from an epoch boundary (fit starts
// every epoch from zero states).
import type { Runtime } from '../runtime/runtime.js';
import { Sequential } from '../model/sequential.js';
import { ParameterizedModel } from '../model/parameterized.js';
import type { Trainable } from '../model/trainable.js';
import type { ModelClass } from './model-kinds.js';
import { readSafetensors, writeSafetensors, type Tensor } from './safetensors.js';
import { loadModelOf, modelMetadata } from './model-file.js';
import { parseMetadataJSON } from './json-keys.js';
import { fromSpec } from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { MemoryLimitError, OutOfMemoryError, RnnWasmError, WeightFileError } from '../errors.js';
import { check } from '../config/schema.js';
import { checkOptimizerSpec, trainingMetadataSchema } from '../config/training-schemas.js';
import { requireBytes } from '../config/footprint.js';
import type { StateDict } from '../runtime/parameter-table.js';

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

export interface Checkpoint<M extends Trainable = Sequential> {
  model: M;
  optimizer: Optimizer;
  state: TrainingState;
}

/** A checkpoint of any Trainable (Sequential, Seq2Seq, your own registered kind). */
export function saveCheckpoint(model: Trainable, optimizer: Optimizer, state: TrainingState): Uint8Array {
  const tensors: Record<string, Tensor> = { ...model.stateDict() };
  const o = optimizer.getState();
  o.buffers.forEach((b, i) => { tensors[`optimizer.${i}`] = { shape: [b.length], data: b }; });
  const { bestWeights, ...rest } = state;
  for (const [n, t] of Object.entries(bestWeights ?? {})) tensors[`best.${n}`] = t;
  const training = { optimizer: optimizer.spec(), optimizerStep: o.stepCount, lr: o.lr, rng: model.rng.getState(), ...rest };
  return writeSafetensors(tensors, { ...modelMetadata(model), 'rnn-wasm.training': JSON.stringify(training) });
}

/**
 * Restores a checkpoint. Everything in the training metadata is validated first
 * (WeightFileError naming the field); the model it builds is disposed again if any
 * later step fails, so a damaged checkpoint leaks nothing.
 */
export function loadCheckpoint(rt: Runtime, bytes: Uint8Array): Checkpoint<Sequential>;
/** A checkpoint of another model kind: `kind` is its class (Seq2Seq, yours); WeightFileError when the file holds another. */
export function loadCheckpoint<M extends Trainable>(rt: Runtime, bytes: Uint8Array, kind: ModelClass<M>): Checkpoint<M>;
export function loadCheckpoint(rt: Runtime, bytes: Uint8Array, kind: ModelClass<Trainable> = Sequential): Checkpoint<Trainable> {
  const { tensors, metadata } = readSafetensors(bytes);
  const raw = metadata['rnn-wasm.training'];
  if (raw === undefined) throw new WeightFileError("not an rnn-wasm checkpoint: the metadata has no 'rnn-wasm.training' (a model file? use loadModel)");
  const t = parseTraining(raw);
  const optimizer = asFileError(() => fromSpec(t.optimizer));
  const buffers = optimizerBuffers(tensors, optimizer, t.optimizerStep);
  const model = loadModelOf(rt, bytes, kind);
  try {
    const n = buffers.length * model.params.length;
    requireBytes(rt, 4 * n, `the checkpoint's optimizer state needs ${4 * n} bytes (${buffers.length} buffers of ${model.params.length} floats)`);
    if (buffers.length) asFileError(() => optimizer.setState(rt, model.params, { stepCount: t.optimizerStep, lr: t.lr, buffers }));
    else { optimizer.stepCount = t.optimizerStep; optimizer.lr = t.lr; }
    model.rng.setState(t.rng);
    const { epoch, stepInEpoch, globalStep, history, best, badEpochs, baseLr } = t;
    return { model, optimizer, state: { epoch, stepInEpoch, globalStep, history, best, badEpochs, baseLr, bestWeights: bestWeights(tensors, model) } };
  } catch (e) {
    optimizer.dispose();
    model.dispose();
    throw e;
  }
}

interface TrainingMetadata extends Omit<TrainingState, 'bestWeights'> {
  optimizer: { type: string; [option: string]: unknown };
  optimizerStep: number;
  lr: number;
  rng: [number, number, number, number];
}

/** Parses and validates 'rnn-wasm.training'; nulls (JSON's NaN) in metrics become NaN again. */
function parseTraining(raw: string): TrainingMetadata {
  const json = parseMetadataJSON(raw, "the checkpoint's training metadata");
  const t = asFileError(() => {
    const m = check<TrainingMetadata>(trainingMetadataSchema, json, 'training metadata');
    return { ...m, optimizer: checkOptimizerSpec(m.optimizer, 'training metadata: optimizer') };
  });
  const nan = (v: number | null | undefined) => (v === null ? NaN : v);
  return { ...t, best: nan(t.best), history: t.history.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, nan(v) as number]))) };
}

/**
 * The optimizer's state buffers 'optimizer.0' … : exactly as many as it keeps, float,
 * one-dimensional and finite. None at all only before the first step (the state is
 * allocated then); otherwise a missing buffer would silently reset the moments.
 */
function optimizerBuffers(tensors: Record<string, Tensor & { dtype?: string }>, optimizer: Optimizer, step: number): Float32Array[] {
  const names = Object.keys(tensors).filter((n) => n.startsWith('optimizer.'));
  const slots = optimizer.stateBuffers;
  const type = (optimizer.spec() as { type: string }).type;
  if (names.length === 0 && (step === 0 || slots === 0)) return [];
  if (names.length !== slots) {
    throw new WeightFileError(`the checkpoint holds ${names.length} optimizer state buffers after ${step} steps: expected ${slots} for its ${type} optimizer`);
  }
  return names.map((_, i) => {
    const t = tensors[`optimizer.${i}`];
    if (!t) throw new WeightFileError(`the checkpoint has no 'optimizer.${i}' tensor: expected optimizer.0 … optimizer.${slots - 1}`);
    if (t.dtype !== undefined && !['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) throw new WeightFileError(`'optimizer.${i}' has dtype ${t.dtype}: expected F32, F16, BF16 or F64`);
    if (t.shape.length !== 1) throw new WeightFileError(`'optimizer.${i}' has shape [${t.shape}]: expected a flat [n] buffer`);
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new WeightFileError(`'optimizer.${i}'[${bad}] = ${t.data[bad]}: optimizer state must be finite`);
    return t.data;
  });
}

/** Early stopping's best weights ('best.<name>'): the model's names and shapes, finite; or none. */
function bestWeights(tensors: Record<string, Tensor>, model: Trainable): StateDict | undefined {
  let dict: StateDict | undefined;
  for (const [n, tensor] of Object.entries(tensors)) if (n.startsWith('best.')) (dict ??= {})[n.slice(5)] = tensor;
  if (!dict) return undefined;
  // Names and shapes where the model has a parameter table (a custom model checks them when early stopping restores them).
  if (model instanceof ParameterizedModel) asFileError(() => model.table.loadStateDict(new Float32Array(model.table.total), dict), "the checkpoint's best weights do not fit the model: ");
  for (const [n, t] of Object.entries(dict)) {
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new WeightFileError(`'best.${n}'[${bad}] = ${t.data[bad]}: weights must be finite`);
  }
  return dict;
}

/** Runs f; a library error other than a file error becomes a WeightFileError (the file said it). */
function asFileError<T>(f: () => T, prefix = "the checkpoint's training metadata is invalid: "): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RnnWasmError && !(e instanceof WeightFileError) && !(e instanceof MemoryLimitError) && !(e instanceof OutOfMemoryError)) {
      throw new WeightFileError(prefix + e.message);
    }
    throw e;
  }
}
