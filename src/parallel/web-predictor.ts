// Batch inference on several threads in browsers: module Web Workers (each serving a
// model replica: servePredictions) take shares of the rows as in Node's
// ParallelPredictor, with the weights in a SharedArrayBuffer. SharedArrayBuffer needs
// a cross-origin isolated page (COOP/COEP headers); without it, or without a worker
// factory, everything runs on the calling thread and fallbackReason says why.
import { int8ReplicaFile } from './replica.js';
import type { Trainable } from '../model/trainable.js';
import * as errors from '../errors.js';
import { RowPredictor, checkPredictable, remoteError, type PredictableModel } from './row-predictor.js';
import type { PredictReply, RowWorker } from './predict-protocol.js';

/** What a WebPredictor needs of a worker (a Web Worker has it). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
  terminate(): void;
}

export interface WebPredictorOptions {
  /** Threads, the calling thread included (default navigator.hardwareConcurrency, or 1). */
  threads?: number;
  /**
   * Starts one worker whose module calls servePredictions(self), e.g.
   * `() => new Worker(new URL('./predict-worker.js', import.meta.url), { type: 'module' })`.
   * Without it the predictor runs on one thread.
   */
  worker?: () => WorkerLike;
  /** Rows per forward pass (default 64). */
  batchSize?: number;
}

/** Why threads cannot be used in this context, or undefined when they can. */
export function webThreadsRefusal(): string | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (g.crossOriginIsolated !== true) return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so SharedArrayBuffer is unavailable';
  if (typeof g.SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available in this runtime';
  return undefined;
}

export class WebPredictor extends RowPredictor<RowWorker & { w: WorkerLike }> {
  private constructor(model: PredictableModel, batchSize: number) {
    super(model, batchSize, 'WebPredictor');
  }

  /** A predictor for `model` (a Sequential or Seq2Seq); starts threads − 1 workers when the page allows it. */
  static async create(model: Trainable, options: WebPredictorOptions = {}): Promise<WebPredictor> {
    const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
    const threads = options.threads ?? Math.max(1, hc ?? 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new errors.ConfigError(`threads = ${threads} is invalid: expected an integer from 1 to 256`);
    const batchSize = options.batchSize ?? 64;
    checkPredictable('WebPredictor', model, batchSize);
    const p = new WebPredictor(model as PredictableModel, batchSize);
    if (threads === 1) return p;
    const why = webThreadsRefusal() ?? (options.worker ? undefined : 'no worker factory was given (options.worker)');
    if (why) { p.fallbackReason = why; return p; }
    await p.start(threads - 1, options.worker!);
    return p;
  }

  private async start(count: number, make: () => WorkerLike): Promise<void> {
    const params = new SharedArrayBuffer(this.model.params.length * 4);
    const config = this.model.toJSON(), int8 = int8ReplicaFile(this.model);
    const startOne = async (): Promise<(RowWorker & { w: WorkerLike }) | Error> => {
      let w: WorkerLike;
      try { w = make(); } catch (e) { return new Error(`the worker factory threw: ${(e as Error).message}`); }
      let pending: { id: number; resolve(r: unknown[]): void; reject(e: Error): void } | undefined;
      let ready!: (e?: Error) => void;
      const isReady = new Promise<Error | undefined>((r) => { ready = r; });
      w.addEventListener('message', (event) => {
        const m = event.data as PredictReply | { type: 'ready' } | { type: 'error'; name: string; message: string; id?: undefined };
        if (m.type === 'ready') { ready(); return; }
        if (m.id === undefined) { ready(remoteError(m)); return; }
        if (!pending || pending.id !== m.id) return;
        const p = pending;
        pending = undefined;
        if (m.type === 'result') p.resolve(m.results); else p.reject(remoteError(m));
      });
      w.addEventListener('error', (event) => {
        const e = new Error(`a prediction worker failed: ${event.message ?? 'no message'}`);
        ready(e);
        pending?.reject(e);
        pending = undefined;
      });
      w.postMessage({ type: 'init', config, params, int8 });
      const failed = await isReady;
      if (failed) { w.terminate(); return failed; }
      return {
        w,
        get busy() { return pending !== undefined; },
        call: (request) => new Promise<unknown[]>((resolve, reject) => {
          const id = this.nextId++;
          pending = { id, resolve, reject };
          w.postMessage({ id, ...request });
        }),
      };
    };
    const started = await Promise.all(Array.from({ length: count }, startOne));
    this.workers = started.filter((x): x is RowWorker & { w: WorkerLike } => !(x instanceof Error));
    const failed = started.filter((x): x is Error => x instanceof Error);
    if (failed.length) this.fallbackReason = `${failed.length} of ${count} prediction workers did not start: ${failed[0].message}`;
    this.shared = new Float32Array(params);
    this.threads = this.workers.length + 1;
  }

  /** Stops the workers; the model stays usable. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const x of this.workers) x.w.terminate();
    this.workers = [];
    this.threads = 1;
  }

  /** The same as close(). */
  dispose(): void {
    this.close();
  }
}
