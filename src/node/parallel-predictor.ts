// Batch inference on several threads in Node: the rows of a predict call are cut into
// one share per thread (about equal padded cost: predictInShares); the main
// thread runs its share while each worker (a model replica, as in training) runs
// one, and the results are put back in the rows' order. Each row's result is
// computed by the same kernels whatever rows share its pass, so the output equals
// one thread's. Weights reach the workers through one SharedArrayBuffer, copied
// again only when the model's weights changed since the last call.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDataParallel } from '../model/data-parallel.js';
import type { Trainable } from '../model/trainable.js';
import type { ModelInput } from '../model/sequential.js';
import type { BeamOptions } from '../model/seq2seq.js';
import * as errors from '../errors.js';
import { checkThreads } from './parallel-trainer.js';
import { int8ReplicaFile } from '../parallel/replica.js';
import { ROW_METHODS, predictInShares, sameWeights, type PredictInit, type PredictReply, type RowMethod, type RowWorker } from '../parallel/predict-protocol.js';

export interface PredictorOptions {
  /** Threads, the main thread included: any integer from 1 to 256 (default: the cores available, os.availableParallelism()). */
  threads?: number;
  /** Rows per forward pass (default 64); each thread sorts its rows by length first, so a pass pads little. */
  batchSize?: number;
  /** Modules the workers import before rebuilding the model (a model kind of your own; see ParallelOptions.workerModules). */
  workerModules?: readonly (string | URL)[];
}

function workerUrl(): URL {
  const here = new URL('./predict-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/node/predict-worker.js', import.meta.url);
}

const typedErrors: Record<string, new (message: string) => Error> = {
  NonFiniteError: errors.NonFiniteError, ShapeError: errors.ShapeError, TokenIdError: errors.TokenIdError,
  ConfigError: errors.ConfigError, ArgumentError: errors.ArgumentError, DisposedError: errors.DisposedError,
};

function remoteError(m: { name?: string; message?: string }): Error {
  const E = (m.name && typedErrors[m.name]) || Error;
  return new E(`prediction worker: ${m.message ?? 'failed without a message'}`);
}

interface PredictWorker extends RowWorker { worker: Worker; pending?: { id: number; resolve(r: unknown[]): void; reject(e: Error): void } }

/** A model whose rows are predicted by this class: a Sequential or Seq2Seq (any model kind that implements DataParallel). */
type Model = Trainable & { parametersChanged(): void };

export class ParallelPredictor {
  /** Threads in use, the main thread included (fewer than asked where workers could not start: see fallbackReason). */
  threads = 1;
  /** Why fewer threads run than were asked for. */
  fallbackReason?: string;

  private workers: PredictWorker[] = [];
  private shared?: Float32Array;
  private version = 0;
  private lastWeights?: Float32Array;
  private nextId = 1;
  private closed = false;
  private readonly batchSize: number;

  private constructor(readonly model: Model, options: PredictorOptions) {
    this.batchSize = options.batchSize ?? 64;
  }

  /**
   * A predictor for `model` on `threads` threads (default every core): starts
   * threads − 1 workers, each with a replica of the model. Call close() when done (the
   * workers do not keep Node alive). One thread runs everything on the calling thread.
   */
  static async create(model: Trainable, options: PredictorOptions = {}): Promise<ParallelPredictor> {
    const threads = checkThreads(options.threads);
    const bs = options.batchSize ?? 64;
    if (!Number.isInteger(bs) || bs < 1) throw new errors.ConfigError(`batchSize = ${bs} is invalid: expected a positive integer`);
    if (!isDataParallel(model)) {
      const name = (model as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'model';
      throw new errors.ConfigError(`ParallelPredictor needs a model whose replicas can be rebuilt in workers (a Sequential, a Seq2Seq: a kind that implements DataParallel); this ${name} is not one: call its own predict`);
    }
    const refusal = model.parallelRefusal();
    if (refusal) throw new errors.ConfigError(refusal.replace('cannot be split across threads', 'cannot be predicted in row shares'));
    const p = new ParallelPredictor(model, options);
    if (threads === 1) return p;
    if (typeof globalThis.SharedArrayBuffer !== 'function') {
      p.fallbackReason = 'SharedArrayBuffer is not available in this runtime';
      return p;
    }
    await p.start(threads - 1, (options.workerModules ?? []).map(String));
    return p;
  }

  private async start(count: number, modules: string[]): Promise<void> {
    const params = new SharedArrayBuffer(this.model.params.length * 4);
    const init: PredictInit = { config: this.model.toJSON() as { format: string }, modules, params, int8: int8ReplicaFile(this.model) };
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    const startOne = async (): Promise<PredictWorker | Error> => {
      let worker: Worker;
      try {
        worker = new Worker(workerUrl(), { workerData: init, execArgv });
      } catch (e) {
        return new Error(`worker threads are not available: ${(e as Error).message}`);
      }
      const ready = await new Promise<Error | undefined>((resolve) => {
        worker.once('message', (m: { type: string; name?: string; message?: string }) => resolve(m.type === 'ready' ? undefined : remoteError(m)));
        worker.once('error', (e) => resolve(e));
        worker.once('exit', (code) => resolve(new Error(`the worker exited with code ${code} before it was ready`)));
      });
      if (ready) { await worker.terminate(); return ready; }
      const w: PredictWorker = {
        worker,
        get busy() { return w.pending !== undefined; },
        call: (request) => new Promise<unknown[]>((resolve, reject) => {
          const id = this.nextId++;
          w.pending = { id, resolve, reject };
          worker.ref(); // a call in flight keeps Node alive (an idle worker does not)
          worker.postMessage({ id, ...request });
        }),
      };
      worker.on('message', (m: PredictReply) => {
        const p = w.pending;
        if (!p || p.id !== m.id) return;
        w.pending = undefined;
        worker.unref();
        if (m.type === 'result') p.resolve(m.results); else p.reject(remoteError(m));
      });
      worker.on('exit', () => {
        w.pending?.reject(new Error('a prediction worker exited unexpectedly'));
        w.pending = undefined;
        this.workers = this.workers.filter((x) => x !== w);
        this.threads = this.workers.length + 1;
      });
      worker.unref();
      return w;
    };
    const started = await Promise.all(Array.from({ length: count }, startOne));
    this.workers = started.filter((w): w is PredictWorker => !(w instanceof Error));
    const failed = started.filter((w): w is Error => w instanceof Error);
    if (failed.length) {
      const modelError = failed.find((e) => e instanceof errors.RnnWasmError);
      if (modelError) { await this.close(); throw modelError; }
      this.fallbackReason = `${failed.length} of ${count} prediction workers did not start: ${failed[0].message}`;
    }
    this.shared = new Float32Array(params);
    this.threads = this.workers.length + 1;
  }

  /** Publishes the weights to the workers when they changed since the last call; returns their version. */
  private publish(): number {
    const w = this.model.params.f32();
    if (!this.lastWeights || !sameWeights(this.lastWeights, w)) {
      this.shared!.set(w);
      this.lastWeights = w.slice();
      this.version++;
    }
    return this.version;
  }

  /** Runs a row-wise method of the model over `rows` on every thread; results in the rows' order. */
  async run(method: RowMethod, rows: readonly unknown[], ...args: unknown[]): Promise<unknown[]> {
    if (this.closed) throw new errors.ConfigError('this ParallelPredictor was closed');
    if (!ROW_METHODS.includes(method)) throw new errors.ConfigError(`method ${JSON.stringify(method)} is invalid: expected one of ${ROW_METHODS.join(', ')}`);
    if (!Array.isArray(rows)) throw new errors.ArgumentError(`${method}: expected an array of rows, got ${errors.describeValue(rows)}`);
    return predictInShares(this.model, method, rows, args, this.batchSize, this.workers, () => this.publish());
  }

  /** model.predict over many rows (classes, or values for MSE models), on every thread. */
  predict(inputs: readonly ModelInput[]): Promise<number[][] | number[] | number[][][]> {
    return this.run('predict', inputs) as Promise<number[][] | number[] | number[][][]>;
  }

  /** model.predictOutputs over many rows (probabilities or values), on every thread. */
  predictOutputs(inputs: readonly ModelInput[]): Promise<number[][][] | number[][]> {
    return this.run('predictOutputs', inputs) as Promise<number[][][] | number[][]>;
  }

  /** A Seq2Seq's translate over many sources, on every thread. */
  translate(sources: number[][], options: BeamOptions = {}): Promise<number[][]> {
    // translate's default maxLength is the whole call's (2 × its longest source + 5), not each share's.
    const longest = Array.isArray(sources) ? Math.max(1, ...sources.map((s) => (Array.isArray(s) ? s.length : 0))) : 1;
    return this.run('translate', sources, { maxLength: 2 * longest + 5, ...options }) as Promise<number[][]>;
  }

  /** Stops the workers; the model stays usable. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.worker.terminate()));
    this.threads = 1;
  }

  /** The same as close(). */
  dispose(): Promise<void> {
    return this.close();
  }
}

/**
 * `model.predict(inputs)` on `threads` threads (default every core), like Keras's
 * `model.predict(x, batch_size)`: starts the workers, predicts, stops them. To predict
 * many times, keep a ParallelPredictor instead (its workers start once).
 */
export async function predict(model: Trainable, inputs: readonly ModelInput[], options: PredictorOptions = {}): Promise<number[][] | number[] | number[][][]> {
  const p = await ParallelPredictor.create(model, options);
  try {
    return await p.predict(inputs);
  } finally {
    await p.close();
  }
}
