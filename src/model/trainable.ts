// What the training stack (fit, checkpoints) needs of a model, and nothing more:
// Sequential, Seq2Seq and a user's own model implement it. A model kind that should
// come back from a checkpoint registers how to rebuild itself from its toJSON()
// (src/io/model-kinds.ts). It lives with the models, below the training stack and
// the file formats that use it.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import type { Rng } from '../random.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { StateDict } from '../runtime/parameter-table.js';

/** A batch: inputs and targets, one per example (what batches() makes of { input, target } examples). */
export interface TrainBatch {
  inputs: unknown[];
  targets: unknown[];
}

export interface StepOptions {
  /** 'mean' (PyTorch's default: over labelled steps, or over elements for MSE) or 'sum'. */
  reduction?: 'mean' | 'sum';
  /** Clip gradients to this global L2 norm before the update. */
  clipNorm?: number;
  /** Clip every gradient element to [−clipValue, clipValue] before the update. */
  clipValue?: number;
}

export interface StepResult {
  loss: number;
  /** Labelled steps or sequences (cross-entropy), target elements (MSE). */
  count: number;
  /** Valid input steps processed. */
  tokens: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface Evaluation {
  /** Mean loss over `count` labelled items. */
  loss: number;
  /** Classifiers: the fraction predicted right. Absent for regression. */
  accuracy?: number;
  count: number;
}

export interface Trainable {
  readonly rt: Runtime;
  /** The flat parameter buffer the optimizer updates, and its gradients. */
  readonly params: Region;
  readonly grads: Region;
  /** The model's RNG (dropout): its state goes into checkpoints. */
  readonly rng: Rng;
  /** Forward, backward and one optimizer update; throws NonFiniteError with the parameters unchanged. */
  trainStep(batch: TrainBatch, optimizer: Optimizer, options?: StepOptions): StepResult;
  /** Loss (and accuracy) in evaluation mode. */
  evaluate(batch: TrainBatch): Evaluation;
  /** Forgets carried states (stateful layers) at the start of an epoch. */
  resetStates(): void;
  stateDict(): StateDict;
  loadStateDict(dict: StateDict): void;
  /** The config: `format` names the model kind, the rest rebuilds it (src/io/model-kinds.ts). */
  toJSON(): { format: string };
  dispose(): void;
}

/** True for anything that can be trained by fit and checkpointed. */
export function isTrainable(m: unknown): m is Trainable {
  const t = m as Partial<Trainable> | null;
  return !!t && typeof t === 'object' && typeof t.trainStep === 'function' && typeof t.evaluate === 'function'
    && typeof t.stateDict === 'function' && typeof t.toJSON === 'function';
}
