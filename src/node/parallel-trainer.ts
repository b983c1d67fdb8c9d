// Data-parallel training on two threads: each training step splits the batch into
// two shares of rows, the main thread and one worker_threads worker (a model
// replica) each run forward and backward on theirs, the worker's gradients are
// added to the main thread's, and the optimizer steps once on the main model.
// Weights go to the worker and gradients come back through SharedArrayBuffers
// (memcpy-sized, no structured cloning); the hand-off is Atomics (one round trip
// per step). The model says how (DataParallel, src/model/data-parallel.ts): how a
// batch is split into row shares, how a share crosses to the worker, and by what each
// share's loss sum is scaled so that the shares' gradients add up to the batch's.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StepOptions, StepResult, Trainable, TrainBatch } from '../model/trainable.js';
import type { Batch } from '../model/sequential.js';
import { DATA_PARALLEL_METHODS, SHARE_HEADER_WORDS, isDataParallel, type DataParallel } from '../model/data-parallel.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Region } from '../runtime/memory-planner.js';
import { Arena } from '../data/arena.js';
import { gradNorm } from '../optim/clip.js';
import { Rng } from '../random.js';
import * as errors from '../errors.js';
import { CTRL, NUM, OP, probeWork, waitForChange } from './parallel-protocol.js';
import type { WorkerInit } from './parallel-worker.js';

export interface ParallelOptions {
  /** Threads to train on: 1 or 2 (default 2). */
  threads?: number;
  /**
   * Measure at start-up whether the second thread runs in parallel (a short GEMM
   * run alone, then on both threads) and fall back to one thread when it does not
   * (another process holds the other core). Default true.
   */
  probe?: boolean;
  /**
   * The probe's speed-up below which the trainer falls back to one thread. Default
   * 1.1: the second thread is kept whenever it measurably helps (on this project's
   * 2-core machines the probe reads 1.3–2.0 when the other core is free, ≤ 1 when
   * another process holds it).
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
  /** Waiting for the worker after finishing its own share. */
  waitMs: number;
  /** Adding the worker's gradients, clipping and the optimizer update. */
  updateMs: number;
  /** The worker's own time for its share (copying the weights in and the gradients out included). */
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

export class ParallelTrainer {
  /** Threads in use: 2, or 1 after a fallback (see fallbackReason). */
  threads = 1;
  /** Why the trainer runs on one thread although more were asked for. */
  fallbackReason?: string;
  /** The start-up probe's measured speed-up of two threads over one (when it ran). */
  probeSpeedup?: number;
  /** Where the last two-thread step's time went. */
  lastTimings?: StepTimings;

  private worker?: Worker;
  private port?: MessagePort;
  private ctrl!: Int32Array;
  private header!: Int32Array;
  private nums!: Float64Array;
  private sharedParams!: Float32Array;
  private sharedGrads!: Float32Array;
  private data!: SharedArrayBuffer;
  private received?: Region;
  private seq = 0;
  private spinMicros = 200;
  private workerModules: string[] = [];
  private closed = false;
  private readonly arenaBatch = new Arena();
  private readonly arenaMine = new Arena();
  private readonly arenaTheirs = new Arena();

  private constructor(readonly model: DataParallel, readonly optimizer: Optimizer) {}

  /**
   * A trainer for `model` with `optimizer`. With threads: 2 it starts a worker
   * holding a replica of the model; falls back to one thread where
   * SharedArrayBuffer or worker threads are unavailable, or where the probe finds
   * no second core. Call close() when done (the worker does not keep Node alive).
   */
  static async create(model: Trainable, optimizer: Optimizer, options: ParallelOptions = {}): Promise<ParallelTrainer> {
    const threads = options.threads ?? 2;
    if (threads !== 1 && threads !== 2) throw new errors.ConfigError(`threads = ${threads} is invalid: expected 1 or 2`);
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
    await t.start();
    if (t.threads === 2 && (options.probe ?? true)) {
      t.probeSpeedup = t.probe();
      if (t.probeSpeedup < minSpeedup) {
        t.fallbackReason = `a second thread measured ×${t.probeSpeedup.toFixed(2)} at start-up (below ×${minSpeedup}): another process is probably using the other core`;
        await t.stopWorker();
      }
    }
    return t;
  }

  private async start(): Promise<void> {
    const n = this.model.params.length;
    const ctrl = new SharedArrayBuffer(CTRL.size * 4), nums = new SharedArrayBuffer(NUM.size * 8);
    const params = new SharedArrayBuffer(n * 4), grads = new SharedArrayBuffer(n * 4);
    this.data = new SharedArrayBuffer(64 * 1024);
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = { config: this.model.toJSON(), modules: this.workerModules, ctrl, nums, params, grads, data: this.data, port: port2, spinMicros: this.spinMicros };
    let worker: Worker;
    try {
      // The worker inherits the process's Node options, except one that only applies to -e / stdin scripts.
      const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
      worker = new Worker(workerUrl(), { workerData: init, transferList: [port2], execArgv });
    } catch (e) {
      this.fallbackReason = `worker threads are not available: ${(e as Error).message}`;
      return;
    }
    const ready = await new Promise<Error | undefined>((resolve) => {
      worker.once('message', (m: { type: string; name?: string; message?: string }) => resolve(m.type === 'ready' ? undefined : remoteError(m)));
      worker.once('error', (e) => resolve(e));
      worker.once('exit', (code) => resolve(new Error(`the worker exited with code ${code} before it was ready`)));
    });
    if (ready) {
      await worker.terminate();
      port1.close();
      if (ready instanceof errors.RnnWasmError) throw ready; // the model itself cannot be rebuilt: the caller's problem
      this.fallbackReason = `the training worker did not start: ${ready.message}`;
      return;
    }
    worker.unref();
    port1.unref();
    this.worker = worker;
    this.port = port1;
    this.ctrl = new Int32Array(ctrl);
    this.header = new Int32Array(ctrl, CTRL.header * 4, SHARE_HEADER_WORDS);
    this.nums = new Float64Array(nums);
    this.sharedParams = new Float32Array(params);
    this.sharedGrads = new Float32Array(grads);
    this.received = this.model.rt.planner.alloc(n);
    this.threads = 2;
  }

  /** Hands a command to the worker. */
  private send(op: number): number {
    this.ctrl[CTRL.op] = op;
    const seq = ++this.seq;
    Atomics.store(this.ctrl, CTRL.cmd, seq);
    Atomics.notify(this.ctrl, CTRL.cmd);
    return seq;
  }

  /** Waits for the worker to finish command `seq`; returns its error, if it threw. */
  private wait(seq: number): Error | undefined {
    let v = Atomics.load(this.ctrl, CTRL.done);
    while (v !== seq) {
      const next = waitForChange(this.ctrl, CTRL.done, v, this.spinMicros, CTRL.dead);
      if (next === undefined) {
        this.threads = 1;
        this.fallbackReason = 'the training worker exited unexpectedly';
        return new Error('the training worker exited unexpectedly');
      }
      v = next;
    }
    if (this.ctrl[CTRL.status] === 0) return undefined;
    return remoteError(receiveMessageOnPort(this.port!)?.message as { name?: string; message?: string });
  }

  /**
   * A fixed GEMM workload on both threads at once, then alone (three times each,
   * back to back so that both cores are busy when timed); returns 2 · fastest alone
   * / fastest together: ≈ 2 on two free cores, ≈ 1 or less when the second thread
   * has no core of its own.
   */
  private probe(): number {
    const rt = this.model.rt;
    let alone = Infinity, together = Infinity;
    for (let i = 0; i < 3; i++) probeWork(rt); // warm-up: optimised code for the probe's path (the worker warmed up at start)
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const seq = this.send(OP.probe);
      probeWork(rt);
      this.wait(seq);
      together = Math.min(together, performance.now() - t0);
    }
    for (let i = 0; i < 3; i++) alone = Math.min(alone, probeWork(rt));
    return (2 * alone) / together;
  }

  private checkOpen(): void {
    if (this.closed) throw new errors.ConfigError('this ParallelTrainer was closed');
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
    const s = p.split;
    // Each share's dropout masks come from its own stream, seeded from the model's RNG.
    const seedMine = model.rng.nextU32(), seedTheirs = model.rng.nextU32();
    this.sharedParams.set(model.params.f32());
    this.arenaTheirs.reset();
    this.arenaMine.reset();
    this.putShare(p.slice(s, p.rows, this.arenaTheirs));
    this.ctrl[CTRL.seed] = seedTheirs | 0;
    this.ctrl[CTRL.resets] = model.stateResets?.() ?? 0;
    this.nums[NUM.lossScale] = scale;
    const seq = this.send(OP.step);
    const t1 = performance.now();
    let mineError: unknown, lossSum = 0;
    try {
      // Sliced after the hand-off: the worker is already busy.
      lossSum = model.shareGradients(p.slice(0, s, this.arenaMine), scale, new Rng(seedMine)).lossSum;
    } catch (e) {
      mineError = e;
    }
    const t2 = performance.now();
    const theirError = this.wait(seq); // always wait: the worker must be idle before the next command
    const t3 = performance.now();
    if (mineError) throw mineError;
    if (theirError) throw theirError;
    lossSum += this.nums[NUM.lossSum];
    const k = model.rt.kernels;
    this.received!.f32().set(this.sharedGrads);
    k.addInPlace(model.grads.ptr, this.received!.ptr, model.grads.length);
    const r = this.update(p, lossSum * scale, options);
    this.lastTimings = { prepareMs: t1 - t0, computeMs: t2 - t1, waitMs: t3 - t2, updateMs: performance.now() - t3, workerMs: this.nums[NUM.workMs] };
    return r;
  }

  private update(p: { count: number; tokens: number }, loss: number, options: StepOptions): StepResult {
    if (!Number.isFinite(loss)) throw new errors.NonFiniteError(`the loss is ${loss} (non-finite): the parameters were not updated`);
    const norm = gradNorm(this.model.rt, this.model.grads);
    this.model.applyGradients(this.optimizer, norm, options);
    return { loss, count: p.count, tokens: p.tokens, gradNorm: norm };
  }

  /** Writes the worker's share, first growing the shared data buffer (and telling the worker) if it is too small. */
  private putShare(share: unknown): void {
    const bytes = this.model.shareBytes(share);
    if (bytes > this.data.byteLength) {
      this.data = new SharedArrayBuffer(Math.ceil(bytes * 1.25));
      this.port!.postMessage({ data: this.data });
    }
    this.model.writeShare(share, this.header, this.data);
  }

  /**
   * The cost of one step's synchronisation with no compute, in µs (median of
   * `rounds`): `handoff` is a bare round trip main → worker → main; `exchange` adds
   * what a step moves (weights out, gradients back, the gradient sum).
   */
  measureSync(rounds = 50): { handoffUs: number; exchangeUs: number } {
    this.checkOpen();
    if (this.threads !== 2) return { handoffUs: 0, exchangeUs: 0 };
    const median = (f: () => void): number => {
      const v: number[] = [];
      for (let i = 0; i < rounds; i++) { const t0 = performance.now(); f(); v.push((performance.now() - t0) * 1000); }
      return v.sort((a, b) => a - b)[v.length >> 1];
    };
    const k = this.model.rt.kernels, r = this.received!;
    const handoffUs = median(() => { this.wait(this.send(OP.ping)); });
    const exchangeUs = median(() => {
      this.sharedParams.set(this.model.params.f32());
      this.wait(this.send(OP.exchange));
      r.f32().set(this.sharedGrads);
      k.addInPlace(r.ptr, r.ptr, r.length); // the same pass the step makes over the gradients
    });
    return { handoffUs, exchangeUs };
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    if (!Atomics.load(this.ctrl, CTRL.dead)) this.wait(this.send(OP.exit));
    await w.terminate();
    this.port?.close();
    if (this.received) this.model.rt.planner.release(this.received);
    this.received = undefined;
    this.threads = 1;
  }

  /** Stops the worker and frees the trainer's memory; the model and optimizer stay usable. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopWorker();
  }

  /** The same as close() (the name models and streams use). */
  dispose(): Promise<void> {
    return this.close();
  }
}
