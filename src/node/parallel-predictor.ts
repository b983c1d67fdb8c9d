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
import type { Trainable } from '../model/trainable.js';
import type { ModelInput } from '../model/sequential.js';
import * as errors from '../errors.js';
import { checkThreads } from './parallel-trainer.js';
import { int8ReplicaFile } from '../parallel/replica.js';
import { RowPredictor, checkPredictable, remoteError, type PredictableModel } from '../parallel/row-predictor.js';
import type { PredictInit, PredictReply, RowWorker } from '../parallel/predict-protocol.js';

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

interface PredictWorker extends RowWorker { worker: Worker; pending?: { id: number; resolve(r: unknown[]): void; reject(e: Error): void } }

export class ParallelPredictor extends RowPredictor<PredictWorker> {
  private constructor(model: PredictableModel, batchSize: number) {
    super(model, batchSize, 'ParallelPredictor');
  }

  /**
   * A predictor for `model` on `threads` threads (default every core): starts
   * threads − 1 workers, each with a replica of the model. Call close() when done (the
   * workers do not keep Node alive). One thread runs everything on the calling thread.
   */
  static async create(model: Trainable, options: PredictorOptions = {}): Promise<ParallelPredictor> {
    const threads = checkThreads(options.threads);
    const batchSize = options.batchSize ?? 64;
    checkPredictable('ParallelPredictor', model, batchSize);
    const p = new ParallelPredictor(model as PredictableModel, batchSize);
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
