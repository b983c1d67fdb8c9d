// Data-parallel training on any number of threads: each training step cuts the
// batch into one share of rows per thread, the main thread and each worker_threads
// worker (a model replica) run forward and backward on theirs, the workers'
// gradients are added to the main thread's, and the optimizer steps once on the main
// model. Weights go to the workers and gradients come back through
// SharedArrayBuffers (memcpy-sized, no structured cloning); the hand-off is Atomics
// (one round trip per worker per step). The model says how (DataParallel,
// src/model/data-parallel.ts): how a batch is cut into row shares, how a share
// crosses to a worker, and by what each share's loss sum is scaled so that the
// shares' gradients add up to the batch's.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Evaluation, StepOptions, StepResult, Trainable, TrainBatch } from '../model/trainable.js';
import type { Example } from '../data/batching.js';
import { evaluateDataset, type Metrics } from '../train/fit.js';
import type { Batch } from '../model/sequential.js';
import { DATA_PARALLEL_METHODS, SHARE_HEADER_WORDS, isDataParallel, type DataParallel, type ShareEvaluation, type SplitBatch } from '../model/data-parallel.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Region } from '../runtime/memory-planner.js';
import { Arena } from '../data/arena.js';
import { gradNorm } from '../optim/clip.js';
import { Rng } from '../random.js';
import * as errors from '../errors.js';
import { CTRL, NUM, OP, probeWork, waitForChange } from './parallel-protocol.js';
import type { WorkerInit } from './parallel-worker.js';

/** The most threads a trainer or predictor accepts (a guard against a typo, far above any core count it helps on). */
export const MAX_THREADS = 256;

/** The cores this process may use (os.availableParallelism()): the default thread count. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** Checks a thread count: an integer from 1 to MAX_THREADS; undefined → every core. */
export function checkThreads(threads: number | undefined): number {
  const n = threads ?? defaultThreads();
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new errors.ConfigError(`threads = ${threads} is invalid: expected an integer from 1 to ${MAX_THREADS} (this machine has ${defaultThreads()} cores)`);
  }
  return n;
}

export interface ParallelOptions {
  /**
   * Threads to train on, the main thread included: any integer from 1 to 256 (default:
   * the cores available, os.availableParallelism()). More threads than cores run
   * correctly (the same gradients) but the start-up probe then keeps fewer.
   */
  threads?: number;
  /**
   * Measure at start-up how many of the threads run in parallel (a short GEMM run
   * alone, then on 2, 3, … threads at once) and keep only as many as help: fewer
   * when another process holds cores, one when none is free. Default true.
   */
  probe?: boolean;
  /**
   * The probe's speed-up of two threads over one below which the trainer falls back
   * to one thread. Default 1.1: the second thread is kept whenever it measurably
   * helps (on this project's 2-core machines the probe reads 1.3–2.0 when the other
   * core is free, ≤ 1 when another process holds it). Each thread beyond the second
   * is kept only if it raises the speed-up by at least 0.5 (half a core's worth).
   * 0: never fall back.
   */
  minSpeedup?: number;
  /** How long a waiting thread spins before it sleeps in Atomics.wait, in µs. Default 200. */
  spinMicros?: number;
  /**
   * Modules the worker imports before it rebuilds the model, as absolute URLs or
   * paths (e.g. new URL('./my-model.js', import.meta.url)): where a model kind of your
   * own calls registerModelKind, since the worker has its own registry.
   */
  workerModules?: readonly (string | URL)[];
}

/** Where the last step's time went on the main thread (ms). */
export interface StepTimings {
  /** Packing and splitting the batch, copying the weights and the worker's share out. */
  prepareMs: number;
  /** The main thread's own forward and backward. */
  computeMs: number;
  /** Waiting for the workers after finishing its own share. */
  waitMs: number;
  /** Adding the workers' gradients, clipping and the optimizer update. */
  updateMs: number;
  /** The slowest worker's own time for its share (copying the weights in and the gradients out included). */
  workerMs: number;
}

/** Resolves the compiled worker next to this module (tests run this file from src/, the worker from dist/). */
function workerUrl(): URL {
  const here = new URL('./parallel-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/node/parallel-worker.js', import.meta.url);
}

const typedErrors: Record<string, new (message: string) => Error> = {
  NonFiniteError: errors.NonFiniteError, ShapeError: errors.ShapeError, TokenIdError: errors.TokenIdError,
  LabelError: errors.LabelError, ConfigError: errors.ConfigError, WasmLoadError: errors.WasmLoadError,
};

function remoteError(m: { name?: string; message?: string } | undefined): Error {
  const E = (m?.name && typedErrors[m.name]) || Error;
  return new E(`training worker: ${m?.message ?? 'failed without a message'}`);
}


/** One worker and what it shares with the main thread (its own control words, gradients and share buffer). */
interface Lane {
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  header: Int32Array;
  nums: Float64Array;
  grads: Float32Array;
  data: SharedArrayBuffer;
  seq: number;
  arena: Arena;
}

export class ParallelTrainer {
  /** Threads in use, the main thread included: as asked, or fewer after a fallback (see fallbackReason). */
  threads = 1;
  /** Why the trainer runs on fewer threads than were asked for. */
  fallbackReason?: string;
  /** The start-up probe's measured speed-up of the kept thread count over one (when it ran). */
  probeSpeedup?: number;
  /** The probe's speed-up for each thread count it measured ({ 2: 1.9, 3: 1.95, … }). */
  probeSpeedups?: Record<number, number>;
  /** Where the last several-thread step's time went. */
  lastTimings?: StepTimings;

  private lanes: Lane[] = [];
  private sharedParams!: Float32Array;
  private received?: Region;
  private spinMicros = 200;
  /** Bumped whenever the main model's weights are copied to sharedParams (CTRL.weights). */
  private weightsVersion = 0;
  private workerModules: string[] = [];
  private closed = false;
  private readonly arenaBatch = new Arena();
  private readonly arenaMine = new Arena();

  private constructor(readonly model: DataParallel, readonly optimizer: Optimizer) {}

  /**
   * A trainer for `model` with `optimizer`. With threads: n > 1 it starts n − 1
   * workers, each holding a replica of the model; falls back to fewer threads where
   * SharedArrayBuffer or worker threads are unavailable, or where the probe finds
   * fewer free cores. Call close() when done (the workers do not keep Node alive).
   */
  static async create(model: Trainable, optimizer: Optimizer, options: ParallelOptions = {}): Promise<ParallelTrainer> {
    const threads = checkThreads(options.threads);
    if (!isDataParallel(model)) {
      const name = (model as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'model';
      throw new errors.ConfigError(`ParallelTrainer needs a model that implements DataParallel (${DATA_PARALLEL_METHODS.join(', ')}; see src/model/data-parallel.ts) and whose toJSON() format is a registered model kind; this ${name} does not: train it with threads: 1`);
    }
    if (!optimizer || typeof optimizer.step !== 'function') throw new errors.ConfigError('ParallelTrainer needs an optimizer');
    const spin = options.spinMicros ?? 200, minSpeedup = options.minSpeedup ?? 1.1;
    if (!(Number.isFinite(spin) && spin >= 0)) throw new errors.ConfigError(`spinMicros = ${spin} is invalid: expected a non-negative number`);
    if (!(Number.isFinite(minSpeedup) && minSpeedup >= 0)) throw new errors.ConfigError(`minSpeedup = ${minSpeedup} is invalid: expected a number ≥ 0 (0: never fall back)`);
    const refusal = model.parallelRefusal();
    if (refusal) throw new errors.ConfigError(refusal);
    const modules = options.workerModules ?? [];
    if (!Array.isArray(modules) || modules.some((u) => typeof u !== 'string' && !(u instanceof URL))) {
      throw new errors.ConfigError('workerModules is invalid: expected an array of module URLs or absolute paths');
    }
    const t = new ParallelTrainer(model, optimizer);
    t.spinMicros = spin;
    t.workerModules = modules.map(String);
    if (threads === 1) return t;
    if (typeof globalThis.SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') {
      t.fallbackReason = 'SharedArrayBuffer / Atomics.wait are not available in this runtime';
      return t;
    }
    await t.start(threads - 1);
    if (t.threads > 1 && (options.probe ?? true) && minSpeedup > 0) {
      const { keep, speedups } = t.probe(minSpeedup);
      t.probeSpeedups = speedups;
      t.probeSpeedup = keep > 1 ? speedups[keep] : speedups[2];
      if (keep < t.threads) {
        t.fallbackReason = keep === 1
          ? `a second thread measured ×${speedups[2].toFixed(2)} at start-up (below ×${minSpeedup}): another process is probably using the other cores`
          : `the start-up probe kept ${keep} of ${threads} threads (speed-ups ${Object.entries(speedups).map(([k, v]) => `${k}: ×${v.toFixed(2)}`).join(', ')}): more threads than free cores`;
        await t.stopLanes(keep - 1);
      }
    }
    return t;
  }

  /** Starts `count` workers at once; keeps those that start (a typed model error from any is rethrown). */
  private async start(count: number): Promise<void> {
    const n = this.model.params.length;
    const params = new SharedArrayBuffer(n * 4);
    const config = this.model.toJSON();
    // The workers inherit the process's Node options, except one that only applies to -e / stdin scripts.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    const startOne = async (): Promise<Lane | Error> => {
      const ctrl = new SharedArrayBuffer(CTRL.size * 4), nums = new SharedArrayBuffer(NUM.size * 8);
      const grads = new SharedArrayBuffer(n * 4), data = new SharedArrayBuffer(64 * 1024);
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = { config, modules: this.workerModules, ctrl, nums, params, grads, data, port: port2, spinMicros: this.spinMicros };
      let worker: Worker;
      try {
        worker = new Worker(workerUrl(), { workerData: init, transferList: [port2], execArgv });
      } catch (e) {
        port1.close();
        return new Error(`worker threads are not available: ${(e as Error).message}`);
      }
      const ready = await new Promise<Error | undefined>((resolve) => {
        worker.once('message', (m: { type: string; name?: string; message?: string }) => resolve(m.type === 'ready' ? undefined : remoteError(m)));
        worker.once('error', (e) => resolve(e));
        worker.once('exit', (code) => resolve(new Error(`the worker exited with code ${code} before it was ready`)));
      });
      if (ready) {
        await worker.terminate();
        port1.close();
        return ready;
      }
      worker.unref();
      port1.unref();
      return {
        worker, port: port1, ctrl: new Int32Array(ctrl), header: new Int32Array(ctrl, CTRL.header * 4, SHARE_HEADER_WORDS),
        nums: new Float64Array(nums), grads: new Float32Array(grads), data, seq: 0, arena: new Arena(),
      };
    };
    const started = await Promise.all(Array.from({ length: count }, startOne));
    const lanes = started.filter((l): l is Lane => !(l instanceof Error));
    const failed = started.filter((l): l is Error => l instanceof Error);
    if (failed.length) {
      this.lanes = lanes;
      this.received = this.model.rt.planner.alloc(n); // stopLanes releases it
      this.threads = lanes.length + 1;
      const modelError = failed.find((e) => e instanceof errors.RnnWasmError);
      if (modelError) {
        await this.stopLanes(0);
        throw modelError; // the model itself cannot be rebuilt: the caller's problem
      }
      this.fallbackReason = `${failed.length} of ${count} training workers did not start: ${failed[0].message}`;
      if (!lanes.length) { await this.stopLanes(0); return; }
    }
    this.lanes = lanes;
    this.sharedParams = new Float32Array(params);
    this.received ??= this.model.rt.planner.alloc(n);
    this.threads = lanes.length + 1;
  }

  /** Hands a command to a worker. */
  private send(lane: Lane, op: number): number {
    lane.ctrl[CTRL.op] = op;
    const seq = ++lane.seq;
    Atomics.store(lane.ctrl, CTRL.cmd, seq);
    Atomics.notify(lane.ctrl, CTRL.cmd);
    return seq;
  }

  /** Waits for a worker to finish command `seq`; returns its error, if it threw. */
  private wait(lane: Lane, seq: number): Error | undefined {
    let v = Atomics.load(lane.ctrl, CTRL.done);
    while (v !== seq) {
      const next = waitForChange(lane.ctrl, CTRL.done, v, this.spinMicros, CTRL.dead);
      if (next === undefined) {
        this.fallbackReason = 'a training worker exited unexpectedly';
        this.lanes = this.lanes.filter((l) => l !== lane);
        this.threads = this.lanes.length + 1;
        return new Error('a training worker exited unexpectedly');
      }
      v = next;
    }
    if (lane.ctrl[CTRL.status] === 0) return undefined;
    return remoteError(receiveMessageOnPort(lane.port)?.message as { name?: string; message?: string });
  }

  /** Runs `op` on the first `count` workers and fn on the main thread at once; returns the workers' first error. */
  private together(count: number, op: number, fn: () => void): Error | undefined {
    const lanes = this.lanes.slice(0, count);
    const seqs = lanes.map((l) => this.send(l, op));
    fn();
    let first: Error | undefined;
    lanes.forEach((l, i) => { first ??= this.wait(l, seqs[i]); });
    return first;
  }

  /**
   * A fixed GEMM workload alone, then on k = 2, 3, … threads at once (three times
   * each, back to back so that the cores are busy when timed); speed-up k = k ·
   * fastest alone / fastest together: ≈ k on k free cores, less when threads share
   * cores. Keeps 2 threads when their speed-up reaches minSpeedup, and each thread
   * more while it adds at least 0.5 to the speed-up.
   */
  private probe(minSpeedup: number): { keep: number; speedups: Record<number, number> } {
    const rt = this.model.rt;
    for (let i = 0; i < 3; i++) probeWork(rt); // warm-up: optimised code for the probe's path (the workers warmed up at start)
    let alone = Infinity;
    for (let i = 0; i < 3; i++) alone = Math.min(alone, probeWork(rt));
    const speedups: Record<number, number> = {};
    let keep = 1, best = 1;
    for (let k = 2; k <= this.threads; k++) {
      let together = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        this.together(k - 1, OP.probe, () => probeWork(rt));
        together = Math.min(together, performance.now() - t0);
      }
      const s = (k * alone) / together;
      speedups[k] = s;
      if (s >= (keep === 1 ? minSpeedup : best + 0.5 * (k - keep))) { keep = k; best = s; }
    }
    return { keep, speedups };
  }

  private checkOpen(): void {
    if (this.closed) throw new errors.ConfigError('this ParallelTrainer was closed');
  }

  /** The model's cut of the batch into `parts` shares, checked (a model kind of the user's own may get it wrong). */
  private cutsOf(p: SplitBatch<unknown>, parts: number): number[] {
    const c = p.cuts(parts);
    const ok = Array.isArray(c) && c.length === parts + 1 && c[0] === 0 && c[parts] === p.rows && c.every((v, i) => Number.isInteger(v) && (i === 0 || v >= c[i - 1]));
    if (!ok) throw new errors.ConfigError(`the model's splitBatch().cuts(${parts}) returned ${JSON.stringify(c)}: expected ${parts + 1} non-decreasing row indices from 0 to ${p.rows}`);
    return c;
  }

  /** One training step (the same contract as the model's trainStep with this trainer's optimizer). */
  trainStep(batch: TrainBatch | Batch, options: StepOptions = {}): StepResult {
    this.checkOpen();
    const model = this.model;
    const t0 = performance.now();
    this.arenaBatch.reset();
    const p = model.splitBatch(batch as TrainBatch, options, this.arenaBatch);
    const scale = p.lossScale;
    if (this.threads === 1 || p.rows < 2) {
      const { lossSum } = model.shareGradients(p.whole, scale, model.rng);
      return this.update(p, lossSum * scale, options);
    }
    const parts = this.threads, cuts = this.cutsOf(p, parts);
    // Each share's dropout masks come from its own stream, seeded from the model's RNG (the main thread's first).
    const seeds = Array.from({ length: parts }, () => model.rng.nextU32());
    this.shareWeights();
    this.arenaMine.reset();
    const busy: { lane: Lane; seq: number }[] = [];
    for (let i = 1; i < parts; i++) {
      if (cuts[i] === cuts[i + 1]) continue; // an empty share: that worker rests this step
      const lane = this.lanes[i - 1];
      lane.arena.reset();
      this.putShare(lane, p.slice(cuts[i], cuts[i + 1], lane.arena));
      lane.ctrl[CTRL.seed] = seeds[i] | 0;
      lane.ctrl[CTRL.resets] = model.stateResets?.() ?? 0;
      lane.nums[NUM.lossScale] = scale;
      lane.ctrl[CTRL.weights] = this.weightsVersion;
      busy.push({ lane, seq: this.send(lane, OP.step) });
    }
    const t1 = performance.now();
    let mineError: unknown, lossSum = 0;
    try {
      // Sliced after the hand-off: the workers are already busy.
      if (cuts[1] > 0) lossSum = model.shareGradients(p.slice(0, cuts[1], this.arenaMine), scale, new Rng(seeds[0])).lossSum;
      else model.grads.f32().fill(0);
    } catch (e) {
      mineError = e;
    }
    const t2 = performance.now();
    // Always wait for every worker: each must be idle before its next command.
    let theirError: Error | undefined;
    for (const b of busy) { const e = this.wait(b.lane, b.seq); theirError ??= e; }
    const t3 = performance.now();
    if (mineError) throw mineError;
    if (theirError) throw theirError;
    const k = model.rt.kernels, r = this.received!;
    let workerMs = 0;
    for (const { lane } of busy) {
      lossSum += lane.nums[NUM.lossSum];
      workerMs = Math.max(workerMs, lane.nums[NUM.workMs]);
      r.f32().set(lane.grads);
      k.addInPlace(model.grads.ptr, r.ptr, model.grads.length);
    }
    const result = this.update(p, lossSum * scale, options);
    this.lastTimings = { prepareMs: t1 - t0, computeMs: t2 - t1, waitMs: t3 - t2, updateMs: performance.now() - t3, workerMs };
    return result;
  }

  /** Copies the main model's weights to the buffer the workers read, under a new version number. */
  private shareWeights(): void {
    this.sharedParams.set(this.model.params.f32());
    this.weightsVersion = (this.weightsVersion + 1) | 0;
  }

  /**
   * Loss and metrics over a data set in evaluation mode, as train/fit's
   * evaluateDataset, with each batch's rows cut across the threads (the weights are
   * copied to the workers once per call). Each row is computed as on one thread, so the
   * accuracy equals one thread's and the loss does up to the rounding of its sum. A
   * model without shareEvaluation, or a stateful one, is evaluated on the main thread.
   */
  evaluateDataset<I, T>(data: Example<I, T>[], options: { batchSize?: number } = {}): Metrics {
    this.checkOpen();
    const model = this.model;
    if (this.threads === 1 || !model.shareEvaluation || model.stateResets?.() !== undefined) return evaluateDataset(model, data, options);
    this.shareWeights();
    return evaluateDataset(model, data, { ...options, evaluate: (b) => this.evaluateBatch(b) });
  }

  /** One batch in evaluation mode, its rows cut across the threads; the shares' sums added up. */
  private evaluateBatch(batch: TrainBatch): Evaluation {
    const model = this.model;
    this.arenaBatch.reset();
    const p = model.splitBatch(batch, {}, this.arenaBatch);
    const parts = p.rows < 2 ? 1 : this.threads, cuts = parts === 1 ? [0, p.rows] : this.cutsOf(p, parts);
    this.arenaMine.reset();
    const busy: Lane[] = [], seqs: number[] = [];
    for (let i = 1; i < parts; i++) {
      if (cuts[i] === cuts[i + 1]) continue;
      const lane = this.lanes[i - 1];
      lane.arena.reset();
      this.putShare(lane, p.slice(cuts[i], cuts[i + 1], lane.arena));
      lane.ctrl[CTRL.weights] = this.weightsVersion;
      busy.push(lane);
      seqs.push(this.send(lane, OP.evaluate));
    }
    const shares: ShareEvaluation[] = [];
    let mineError: unknown;
    try {
      if (cuts[1] > 0) shares.push(model.shareEvaluation!(parts === 1 ? p.whole : p.slice(0, cuts[1], this.arenaMine)));
    } catch (e) {
      mineError = e;
    }
    let theirError: Error | undefined;
    busy.forEach((lane, i) => { const e = this.wait(lane, seqs[i]); theirError ??= e; });
    if (mineError) throw mineError;
    if (theirError) throw theirError;
    for (const lane of busy) {
      const correct = lane.nums[NUM.correct];
      shares.push({ lossSum: lane.nums[NUM.lossSum], count: lane.nums[NUM.count], ...(Number.isNaN(correct) ? {} : { correct }) });
    }
    let lossSum = 0, count = 0, correct = 0, classifier = true;
    for (const e of shares) {
      lossSum += e.lossSum;
      count += e.count;
      if (e.correct === undefined) classifier = false;
      else correct += e.correct;
    }
    const r: Evaluation = { loss: lossSum / Math.max(1, count), count };
    if (classifier) r.accuracy = correct / Math.max(1, count);
    return r;
  }

  private update(p: { count: number; tokens: number }, loss: number, options: StepOptions): StepResult {
    if (!Number.isFinite(loss)) throw new errors.NonFiniteError(`the loss is ${loss} (non-finite): the parameters were not updated`);
    const norm = gradNorm(this.model.rt, this.model.grads);
    this.model.applyGradients(this.optimizer, norm, options);
    return { loss, count: p.count, tokens: p.tokens, gradNorm: norm };
  }

  /** Writes a worker's share, first growing its shared data buffer (and telling the worker) if it is too small. */
  private putShare(lane: Lane, share: unknown): void {
    const bytes = this.model.shareBytes(share);
    if (bytes > lane.data.byteLength) {
      // A quarter to spare, rounded up to 8 bytes: shares are read as Int32Array / Float32Array views.
      lane.data = new SharedArrayBuffer(Math.ceil((bytes * 1.25) / 8) * 8);
      lane.port.postMessage({ data: lane.data });
    }
    this.model.writeShare(share, lane.header, lane.data);
  }

  /**
   * The cost of one step's synchronisation with no compute, in µs (median of
   * `rounds`): `handoff` is a bare round trip main → every worker → main; `exchange`
   * adds what a step moves (weights out, gradients back, the gradient sums).
   */
  measureSync(rounds = 50): { handoffUs: number; exchangeUs: number } {
    this.checkOpen();
    if (this.threads < 2) return { handoffUs: 0, exchangeUs: 0 };
    const median = (f: () => void): number => {
      const v: number[] = [];
      for (let i = 0; i < rounds; i++) { const t0 = performance.now(); f(); v.push((performance.now() - t0) * 1000); }
      return v.sort((a, b) => a - b)[v.length >> 1];
    };
    const k = this.model.rt.kernels, r = this.received!, n = this.lanes.length;
    const handoffUs = median(() => { this.together(n, OP.ping, () => undefined); });
    const exchangeUs = median(() => {
      this.shareWeights();
      for (const lane of this.lanes) lane.ctrl[CTRL.weights] = this.weightsVersion;
      this.together(n, OP.exchange, () => undefined);
      for (const lane of this.lanes) {
        r.f32().set(lane.grads);
        k.addInPlace(r.ptr, r.ptr, r.length); // the same pass the step makes over the gradients
      }
    });
    return { handoffUs, exchangeUs };
  }

  /** Stops every worker past the first `keep`; with keep = 0 also frees the gradient buffer. */
  private async stopLanes(keep: number): Promise<void> {
    const stopping = this.lanes.slice(keep);
    this.lanes = this.lanes.slice(0, keep);
    this.threads = this.lanes.length + 1;
    await Promise.all(stopping.map(async (lane) => {
      if (!Atomics.load(lane.ctrl, CTRL.dead)) this.wait(lane, this.send(lane, OP.exit));
      await lane.worker.terminate();
      lane.port.close();
    }));
    if (keep === 0 && this.received) {
      this.model.rt.planner.release(this.received);
      this.received = undefined;
    }
  }

  /** Stops the workers and frees the trainer's memory; the model and optimizer stay usable. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopLanes(0);
  }

  /** The same as close() (the name models and streams use). */
  dispose(): Promise<void> {
    return this.close();
  }
}
