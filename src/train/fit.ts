// The training loop: epochs of seeded (optionally bucketed) batches, optimizer steps
// with clipping and a learning-rate schedule, validation metrics, early stopping,
// ReduceLROnPlateau, checkpoints at epoch ends, resumption, interruption. Progress is
// an async iterator of events (fitEvents) that a progress bar or a plot can consume;
// fit() drives it and returns the history.
import { isTrainable, type Evaluation, type Trainable, type TrainBatch, type StepOptions, type StepResult } from '../model/trainable.js';
import { Optimizer } from '../optim/optimizer.js';
import type { Schedule, ReduceLROnPlateau } from '../optim/schedules.js';
import { batches, type Example } from '../data/batching.js';
import { progressPrinter, terminal } from './progress.js';
import type { FitEvent, Metrics } from './events.js';
export type { FitEvent, Metrics } from './events.js';
import { saveCheckpoint, type TrainingState } from '../io/checkpoint.js';
import { ArgumentError, ConfigError, NonFiniteError } from '../errors.js';
import { check } from '../config/schema.js';
import { progressSchema } from '../config/training-schemas.js';

export interface EarlyStopping {
  patience: number;
  /** 'loss' (default; validation loss, or training loss without validation data) or 'accuracy'. */
  monitor?: 'loss' | 'accuracy';
  minDelta?: number;
  /** Restore the best epoch's weights at the end. Default true. */
  restoreBest?: boolean;
}

export interface FitOptions<I = unknown, T = unknown> extends StepOptions {
  optimizer: Optimizer;
  epochs: number;
  batchSize?: number;
  /** Default true; pass false for stateful (truncated BPTT) training. */
  shuffle?: boolean;
  seed?: number;
  bucket?: number;
  validationData?: Example<I, T>[];
  /** Learning rate per optimizer step: schedule(globalStep, baseLr). */
  schedule?: Schedule;
  plateau?: ReduceLROnPlateau;
  earlyStopping?: EarlyStopping;
  /** Receives a checkpoint (bytes and state) after every epoch and on interruption. */
  checkpoint?: (bytes: Uint8Array, state: TrainingState) => void | Promise<void>;
  /** Continue from a checkpoint's training state (same data, seed and options). */
  resume?: TrainingState;
  /** Abort to stop after the current step; a checkpoint is written first. */
  signal?: AbortSignal;
  /**
   * Takes one optimizer step on a batch. Default: model.trainStep with the optimizer;
   * rnn-wasm/node's fit passes a two-thread trainer's step here.
   */
  trainStep?: (batch: TrainBatch, options: StepOptions) => StepResult;
  /**
   * Evaluates the validation data after each epoch. Default: evaluateDataset on the
   * model; rnn-wasm/node's fit passes a trainer's evaluateDataset (rows on every thread) here.
   */
  evaluateData?: (data: Example<I, T>[], options: { batchSize?: number }) => Metrics;
}

export interface History {
  epochs: Record<string, number>[];
  reason: 'completed' | 'early-stopping' | 'interrupted';
}

/**
 * Loss and metrics over a whole data set, in evaluation mode. `evaluate` evaluates
 * one batch (default model.evaluate; a ParallelTrainer passes its threads' evaluation).
 */
export function evaluateDataset<I, T>(model: Trainable, data: Example<I, T>[], options: { batchSize?: number; evaluate?: (batch: TrainBatch) => Evaluation } = {}): Metrics {
  const evaluate = options.evaluate ?? ((b: TrainBatch) => model.evaluate(b));
  let lossSum = 0, correct = 0, count = 0, previous = -1, regression = false;
  for (const b of batches(data, { batchSize: options.batchSize ?? 64 })) {
    // Stateful layers carry state from batch to batch of the same size; a differently sized batch starts afresh.
    if (b.inputs.length !== previous) model.resetStates();
    previous = b.inputs.length;
    const r = evaluate(b as TrainBatch);
    lossSum += r.loss * r.count;
    if (r.accuracy !== undefined) correct += r.accuracy * r.count;
    else regression = true;
    count += r.count;
  }
  const loss = lossSum / Math.max(1, count);
  if (regression) return { loss, mse: loss, count };
  return { loss, accuracy: correct / Math.max(1, count), perplexity: Math.exp(loss), bitsPerToken: loss / Math.LN2, count };
}

export async function* fitEvents<I, T>(model: Trainable, train: Example<I, T>[], o: FitOptions<I, T>): AsyncGenerator<FitEvent, History> {
  if (!isTrainable(model)) throw new ArgumentError('fit needs a model (a Sequential, a Seq2Seq, or your own Trainable) as its first argument');
  if (!o || typeof o !== 'object') throw new ArgumentError('fit needs options { optimizer, epochs, … }');
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new ConfigError(`epochs = ${o.epochs} is invalid: expected a positive integer`);
  if (!(o.optimizer instanceof Optimizer)) throw new ArgumentError(`fit needs options.optimizer from optim (adam(), sgd({ lr }), …), got ${o.optimizer === null ? 'null' : typeof o.optimizer}`);
  if (o.resume) {
    const { bestWeights: _weights, ...progress } = o.resume ?? {};
    check(progressSchema, progress, 'resume');
  }
  const state: TrainingState = o.resume
    ? { ...o.resume, history: [...o.resume.history] }
    : { epoch: 0, stepInEpoch: 0, globalStep: 0, history: [], baseLr: o.optimizer.lr };
  // The rate the schedule scales: the optimizer's rate when training began (a resumed optimizer holds the last scheduled one).
  const baseLr = (state.baseLr ??= o.optimizer.lr);
  const es = o.earlyStopping;
  const monitorMax = es?.monitor === 'accuracy';
  let reason: History['reason'] = 'completed';
  let lastYield = performance.now();
  for (let epoch = state.epoch; epoch < o.epochs; epoch++) {
    const bs = batches(train, { batchSize: o.batchSize ?? 32, shuffle: o.shuffle ?? true, seed: (o.seed ?? 0) + epoch, bucket: o.bucket });
    model.resetStates();
    const t0 = performance.now();
    let lossSum = 0, countSum = 0, tokens = 0;
    for (let s = state.stepInEpoch; s < bs.length; s++) {
      if (o.signal?.aborted) {
        reason = 'interrupted';
        state.epoch = epoch;
        state.stepInEpoch = s;
        if (o.checkpoint) await o.checkpoint(saveCheckpoint(model, o.optimizer, state), { ...state });
        yield { type: 'end', reason, epochs: epoch };
        return { epochs: state.history, reason };
      }
      if (o.schedule) o.optimizer.lr = o.schedule(state.globalStep, baseLr);
      const batch = bs[s] as TrainBatch;
      const r = o.trainStep ? o.trainStep(batch, o) : model.trainStep(batch, o.optimizer, o); // throws NonFiniteError before any update
      state.globalStep++;
      lossSum += r.loss * r.count;
      countSum += r.count;
      tokens += r.tokens;
      const elapsed = (performance.now() - t0) / 1000;
      const done = s + 1 - state.stepInEpoch;
      const left = bs.length - s - 1 + (o.epochs - epoch - 1) * bs.length;
      yield {
        type: 'step', epoch: epoch + 1, step: s, stepsPerEpoch: bs.length, globalStep: state.globalStep, loss: r.loss, tokens: r.tokens,
        tokensPerSecond: tokens / Math.max(elapsed, 1e-9), lr: o.optimizer.lr, etaSeconds: (elapsed / done) * left,
      };
      // Let timers and signals (Ctrl-C) through about once a second.
      if (performance.now() - lastYield > 1000) {
        await new Promise((r2) => setTimeout(r2, 0));
        lastYield = performance.now();
      }
    }
    state.stepInEpoch = 0;
    const seconds = (performance.now() - t0) / 1000;
    const summary: Record<string, number> = { epoch: epoch + 1, loss: lossSum / Math.max(1, countSum), seconds, lr: o.optimizer.lr };
    let validation: Metrics | undefined;
    if (o.validationData?.length) {
      model.resetStates();
      validation = o.evaluateData ? o.evaluateData(o.validationData, { batchSize: o.batchSize }) : evaluateDataset(model, o.validationData, { batchSize: o.batchSize });
      for (const [k, v] of Object.entries(validation)) if (k !== 'count') summary[`val_${k}`] = v;
    }
    state.history.push(summary);
    state.epoch = epoch + 1;
    const monitored = es?.monitor === 'accuracy' ? validation?.accuracy ?? NaN : validation?.loss ?? summary.loss;
    if (o.plateau) o.plateau.step(monitored);
    let stop = false;
    if (es) {
      const delta = es.minDelta ?? 0;
      const improved = state.best === undefined || (monitorMax ? monitored > state.best + delta : monitored < state.best - delta);
      if (improved) {
        state.best = monitored;
        state.badEpochs = 0;
        if (es.restoreBest ?? true) state.bestWeights = model.stateDict();
      } else if ((state.badEpochs = (state.badEpochs ?? 0) + 1) > es.patience) {
        stop = true;
      }
    }
    if (o.checkpoint) await o.checkpoint(saveCheckpoint(model, o.optimizer, state), { ...state, history: [...state.history] });
    yield { type: 'epoch', epoch: epoch + 1, loss: summary.loss, seconds, tokensPerSecond: tokens / Math.max(seconds, 1e-9), lr: o.optimizer.lr, validation };
    if (stop) {
      reason = 'early-stopping';
      break;
    }
  }
  if (state.bestWeights && reason === 'early-stopping') model.loadStateDict(state.bestWeights);
  yield { type: 'end', reason, epochs: state.epoch };
  return { epochs: state.history, reason };
}

export interface FitCallOptions<I = unknown, T = unknown> extends FitOptions<I, T> {
  /** Sees every event (steps, epochs, the end). */
  onEvent?: (e: FitEvent) => void;
  /** Print progress to standard error. Default: true when it is a terminal (as Keras' verbose=1); false silences it. */
  verbose?: boolean;
}

/**
 * Trains; onEvent sees every event, and on a terminal a progress line per epoch is
 * printed (verbose: false to silence). Rejects with NonFiniteError on a non-finite
 * loss (the last checkpoint stays as it was).
 */
export async function fit<I, T>(model: Trainable, train: Example<I, T>[], o: FitCallOptions<I, T>): Promise<History> {
  const it = fitEvents(model, train, o);
  const sink = o?.verbose === false ? undefined : terminal() ?? (o?.verbose ? consoleSink() : undefined);
  const print = sink ? progressPrinter(o.epochs, sink) : undefined;
  for (;;) {
    let r: IteratorResult<FitEvent, History>;
    try {
      r = await it.next();
    } catch (e) {
      if (e instanceof NonFiniteError) throw new NonFiniteError(`training stopped: ${e.message}`);
      throw e;
    }
    if (r.done) return r.value;
    print?.(r.value);
    o.onEvent?.(r.value);
  }
}

/** verbose: true where standard error is no terminal (a browser console, a log file): epoch lines only. */
function consoleSink() {
  let line = '';
  return {
    isTTY: false,
    write(text: string) {
      line += text;
      const parts = line.split('\n');
      line = parts.pop() ?? '';
      for (const p of parts) console.log(p.slice(p.lastIndexOf('\r') + 1).replace(/\x1b\[K/g, ''));
      if (line.includes('\r')) line = line.slice(line.lastIndexOf('\r') + 1);
    },
  };
}
