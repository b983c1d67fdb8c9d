// What a model kind implements to be trained on several threads (rnn-wasm/node's
// ParallelTrainer): the main thread prepares and validates each batch once, cuts it
// into one row share per thread, writes each other share into shared memory for a
// replica in a worker, and
// each side computes the gradients of its share's loss sum × lossScale; the scale is
// chosen for the whole batch, so the shares' gradients add up to the batch's gradient.
// The replica is rebuilt from toJSON() through the model-kind registry
// (src/io/model-kinds.ts). No threads here: this is the model's side of the contract.
import type { Arena } from '../data/arena.js';
import type { Rng } from '../random.js';
import type { Optimizer } from '../optim/optimizer.js';
import { isTrainable, type StepOptions, type Trainable, type TrainBatch } from './trainable.js';

/** Int32 words a share's header may use (shape and flags; the rest goes in the data buffer). */
export const SHARE_HEADER_WORDS = 8;

/** A batch validated as a whole (errors name the caller's indices), ready to be cut into row shares. */
export interface SplitBatch<Share> {
  /** Rows (sequences) in the batch. */
  rows: number;
  /**
   * Where to cut for about equal cost across `parts` threads: `parts + 1` row
   * boundaries from 0 to rows (part 0, rows [cuts[0], cuts[1]), stays on the main
   * thread; an empty part leaves its thread idle). balancedCuts does this for rows
   * that cost rows × longest sequence.
   */
  cuts(parts: number): number[];
  /** Multiplies each share's loss sum so that the shares' gradients add up to the batch's gradient. */
  lossScale: number;
  /** What the step reports for the whole batch (StepResult's count and tokens). */
  count: number;
  tokens: number;
  /** The whole batch as one share (the one-thread step). */
  whole: Share;
  /** Rows [b0, b1) as a share; large arrays from `arena`, valid until its reset. */
  slice(b0: number, b1: number, arena: Arena): Share;
}

/** A share's evaluation-mode sums: evaluation on several threads adds them up over the shares. */
export interface ShareEvaluation {
  /** The unscaled loss sum over the share's labelled items. */
  lossSum: number;
  /** Classifiers: labelled items predicted right. Absent for regression. */
  correct?: number;
  /** Labelled items. */
  count: number;
}

export interface DataParallel<Share = unknown> extends Trainable {
  /** Why this model cannot be split across threads as configured, or undefined. */
  parallelRefusal(): string | undefined;
  /**
   * For a model that carries state from batch to batch (stateful truncated BPTT):
   * how many times resetStates() was called. Each thread then carries the states of
   * its own rows (the split must be the same every batch), and the worker's replica
   * forgets its states when this count changes. Undefined: no state is carried.
   */
  stateResets?(): number | undefined;
  /** Validates and prepares a batch for splitting; throws what trainStep would throw for it. */
  splitBatch(batch: TrainBatch, options: StepOptions, arena: Arena): SplitBatch<Share>;
  /** Bytes the share needs in the shared data buffer. */
  shareBytes(share: Share): number;
  /** Writes a share: its shape into `header` (SHARE_HEADER_WORDS Int32 words), its arrays into `data`. */
  writeShare(share: Share, header: Int32Array, data: SharedArrayBuffer): void;
  /** Reads what writeShare wrote (in the replica). */
  readShare(header: Int32Array, data: SharedArrayBuffer): Share;
  /**
   * Forward and backward in training mode: the gradients of (the share's loss sum ×
   * lossScale) are written to `grads`, not accumulated; dropout draws from `rng`.
   * Returns the unscaled loss sum; a non-finite one throws NonFiniteError.
   */
  shareGradients(share: Share, lossScale: number, rng: Rng): { lossSum: number };
  /**
   * Optional: the share's loss sum, right predictions and labelled items in
   * evaluation mode (no gradients), each row computed as in the whole batch. Without
   * it, ParallelTrainer evaluates on the main thread alone.
   */
  shareEvaluation?(share: Share): ShareEvaluation;
  /** The replica's weights were overwritten: re-pack before the next forward. */
  parametersChanged(): void;
  /** The one update: clipping, the optimizer, re-pack (ParameterizedModel's). */
  applyGradients(optimizer: Optimizer, gradNormBefore: number, options?: StepOptions): void;
}

const methods = ['parallelRefusal', 'splitBatch', 'shareBytes', 'writeShare', 'readShare', 'shareGradients', 'parametersChanged', 'applyGradients'] as const;

/** The methods a model kind implements to train on several threads (for error messages). */
export const DATA_PARALLEL_METHODS: readonly string[] = methods;

/** True for a model that can be trained data-parallel by ParallelTrainer. */
export function isDataParallel(m: unknown): m is DataParallel {
  const t = m as Record<string, unknown> | null;
  return isTrainable(m) && methods.every((k) => typeof t![k] === 'function');
}
