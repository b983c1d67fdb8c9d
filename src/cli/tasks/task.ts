// What a built-in task reports after training: its metric on the held-out test split
// beside the baselines computed in the same run, and a model file to keep.
import type { Runtime } from '../../runtime/runtime.js';
import { evaluateDataset, type FitEvent, type Metrics } from '../../train/fit.js';
import type { Example } from '../../data/batching.js';
import { ConfigError } from '../../errors.js';
import { readInput, writeOutput } from '../files.js';
import { Sequential } from '../../model/sequential.js';
import type { Optimizer } from '../../optim/optimizer.js';
import type { StepOptions, StepResult, Trainable, TrainBatch } from '../../model/trainable.js';
import { isDataParallel } from '../../model/data-parallel.js';
import { ParallelTrainer } from '../../node/parallel-trainer.js';
import type { ModelClass } from '../../io/model-kinds.js';
import { loadCheckpoint, type TrainingState } from '../../io/checkpoint.js';

export interface TaskOptions {
  epochs: number;
  batchSize: number;
  hiddenSize: number;
  lr: number;
  seed: number;
  limit?: number;
}

export interface TaskReport {
  /** e.g. { name: 'accuracy', value: 0.9, higherIsBetter: true }. */
  metric: { name: string; value: number; higherIsBetter: boolean; format: (v: number) => string; /** Which split it was measured on. Default 'test'. */ split?: string };
  baselines: { name: string; value: number }[];
  tokensPerSecond: number;
  /** Extra lines for the summary (samples, forecasts). */
  notes: string[];
  modelFile: Uint8Array;
  /** Per-epoch summaries (for plots). */
  history: Record<string, number>[];
  /** A forecast against the truth, for `--plot-forecast` (tasks with `plotsForecast`). */
  figure?: ForecastFigure;
}

/** Line-chart data: dated points of named series (truth, forecasts). */
export interface ForecastFigure {
  title: string;
  xTitle: string;
  yTitle: string;
  /** x: an ISO date 'YYYY-MM-DD'. */
  points: { x: string; series: string; y: number }[];
}

export interface TaskIO {
  onEvent?: (e: FitEvent) => void;
  onData?: (info: string) => void;
  signal?: AbortSignal;
  /** Where fit-based tasks write a checkpoint after every epoch and on interruption. */
  checkpointPath?: string;
  /** A checkpoint to continue from (same task, data and options). */
  resumeFrom?: string;
  /** Threads to train on (default 1); the start-up probe may keep fewer (ParallelTrainer). */
  threads?: number;
  /** Told the threads the training step actually runs on (for the CLI's --report). */
  onThreads?: (threads: number) => void;
}

/** The model and optimizer to train: fresh ones, or those of the checkpoint to resume (a Sequential unless `kind` says otherwise). */
export function startOrResume(rt: Runtime, io: TaskIO, fresh: () => { model: Sequential; optimizer: Optimizer }): { model: Sequential; optimizer: Optimizer; resume?: TrainingState };
export function startOrResume<M extends Trainable>(rt: Runtime, io: TaskIO, fresh: () => { model: M; optimizer: Optimizer }, kind: ModelClass<M>): { model: M; optimizer: Optimizer; resume?: TrainingState };
export function startOrResume(rt: Runtime, io: TaskIO, fresh: () => { model: Trainable; optimizer: Optimizer }, kind: ModelClass<Trainable> = Sequential) {
  if (!io.resumeFrom) return { ...fresh(), resume: undefined };
  const ck = loadCheckpoint(rt, readInput(io.resumeFrom), kind);
  return { model: ck.model, optimizer: ck.optimizer, resume: ck.state };
}

/** fitEvents' checkpoint option for a task run. */
export function checkpointTo(io: TaskIO) {
  return io.checkpointPath ? (bytes: Uint8Array) => writeOutput(io.checkpointPath!, bytes) : undefined;
}

/**
 * A built-in task: the CLI knows tasks only through this (and the registry in
 * tasks/index.ts), never by name. Every task checkpoints after each epoch and on
 * Ctrl-C, and resumes bitwise.
 */
export interface Task<O extends TaskOptions = TaskOptions> {
  name: string;
  description: string;
  defaults: O;
  /** Its report carries a forecast figure (`--plot-forecast` draws it). */
  plotsForecast?: boolean;
  /** What its training throughput counts (default 'tokens'). */
  throughputUnit?: string;
  /** null when training was interrupted (a checkpoint was written when asked for). */
  run(rt: Runtime, o: O, io: TaskIO): Promise<TaskReport | null>;
  /** The task's own held-out score for one of its model files (`rnn-wasm eval --model` without --data). */
  evaluate?(model: Sequential): { name: string; value: number; format: (v: number) => string };
}

/**
 * Refuses, before training, a --limit that leaves a split empty (training would
 * otherwise run and fail at the end with "no examples to batch").
 */
export function requireSplits(task: string, limit: number | undefined, sizes: { train: number; validation: number; test: number }): void {
  const empty = (Object.keys(sizes) as (keyof typeof sizes)[]).filter((k) => sizes[k] === 0);
  if (!empty.length) return;
  const names = empty.length > 1 ? `${empty.slice(0, -1).join(', ')} and ${empty.at(-1)}` : empty[0];
  const what = `${names} split${empty.length > 1 ? 's' : ''}`;
  throw new ConfigError(limit !== undefined
    ? `--limit ${limit} leaves the ${task} ${what} empty: use a larger --limit`
    : `the ${task} ${what} ${empty.length > 1 ? 'are' : 'is'} empty`);
}

/** Deterministic split by item index: i mod 10 = 8 validation, 9 test, the rest train. */
export function splitByIndex<T>(items: T[]): { train: T[]; validation: T[]; test: T[] } {
  const r = { train: [] as T[], validation: [] as T[], test: [] as T[] };
  items.forEach((s, i) => (i % 10 === 9 ? r.test : i % 10 === 8 ? r.validation : r.train).push(s));
  return r;
}

type StepFn = (batch: TrainBatch, options: StepOptions) => StepResult;
/** Loss and metrics over a data set in evaluation mode, on the training threads (train/fit's evaluateDataset on one). */
export type EvaluateFn = <I, T>(data: Example<I, T>[], options?: { batchSize?: number }) => Metrics;

/**
 * The training step on io.threads threads (a ParallelTrainer), or undefined for the
 * model's own one-thread step: with one thread asked for, or a model that cannot be
 * split (a stateful one, or a kind without DataParallel), which trains on one thread
 * with a note saying why.
 */
async function threadedStep(model: Trainable, optimizer: Optimizer, io: TaskIO): Promise<{ step?: StepFn; evaluate?: EvaluateFn; close(): Promise<void> }> {
  const threads = io.threads ?? 1;
  if (threads === 1) { io.onThreads?.(1); return { close: async () => undefined }; }
  const refusal = !isDataParallel(model) ? `${model.constructor.name} does not implement DataParallel` : model.parallelRefusal();
  if (refusal) {
    io.onData?.(`training on one thread: ${refusal}`);
    io.onThreads?.(1);
    return { close: async () => undefined };
  }
  const trainer = await ParallelTrainer.create(model, optimizer, { threads });
  io.onThreads?.(trainer.threads);
  io.onData?.(`training on ${trainer.threads} thread${trainer.threads > 1 ? 's' : ''}${trainer.fallbackReason ? ` (${trainer.fallbackReason})` : ''}`);
  if (trainer.threads === 1) return { close: () => trainer.close() };
  return { step: (b, o) => trainer.trainStep(b, o), evaluate: (data, o) => trainer.evaluateDataset(data, o), close: () => trainer.close() };
}

/**
 * Drives fitEvents on io.threads threads, forwarding events; returns the history, the
 * mean training throughput and whether it was interrupted, and `evaluate`: evaluation
 * on the same threads, usable until `finish` returns (its result is `final`). `start`
 * builds the loop with the step to take (undefined: the model's own) and the
 * validation's evaluation (undefined: the model's own, on one thread).
 */
export async function runFit<F = undefined>(io: TaskIO, model: Trainable, optimizer: Optimizer,
  start: (trainStep: StepFn | undefined, evaluateData: EvaluateFn | undefined) => AsyncGenerator<FitEvent, { epochs: Record<string, number>[]; reason: string }>,
  finish?: (evaluate: EvaluateFn) => F) {
  const threaded = await threadedStep(model, optimizer, io);
  try {
    const it = start(threaded.step, threaded.evaluate);
    let tokens = 0, seconds = 0;
    for (;;) {
      const r = await it.next();
      if (r.done) {
        const interrupted = r.value.reason === 'interrupted';
        const final = finish && !interrupted ? finish(threaded.evaluate ?? ((data, o) => evaluateDataset(model, data, o))) : undefined;
        return { history: r.value.epochs, tokensPerSecond: seconds ? tokens / seconds : 0, interrupted, final };
      }
      if (r.value.type === 'epoch') { tokens += r.value.tokensPerSecond * r.value.seconds; seconds += r.value.seconds; }
      io.onEvent?.(r.value);
    }
  } finally {
    await threaded.close();
  }
}

export const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
