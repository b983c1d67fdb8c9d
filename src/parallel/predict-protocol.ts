// What the main thread and a prediction worker (a Node worker thread or a Web
// Worker) say to each other — messages: a prediction call is one round trip carrying
// the rows and their results, so no Atomics — which model methods a worker may run
// (each takes an array of rows and returns one result per row, so a call can be cut
// into row shares), and the cutting itself. Web-standard: no Node built-ins.
import { balancedCuts } from '../data/packed-batch.js';
import { ConfigError } from '../errors.js';

/** The row-wise methods a ParallelPredictor runs, by model kind: predict* on a Sequential, translate on a Seq2Seq. */
export const ROW_METHODS = [
  'predict', 'predictOutputs', 'predictStepClasses', 'predictStepProbabilities', 'predictSequenceClasses',
  'predictSequenceProbabilities', 'predictStepValues', 'predictSequenceValues', 'translate',
] as const;

export type RowMethod = (typeof ROW_METHODS)[number];

export interface PredictInit {
  /** The model's toJSON(). */
  config: { format: string };
  /** Imported first: modules that register model kinds of the user's own. */
  modules: string[];
  /** The weights, rewritten by the main thread before each call whose weights changed. */
  params: SharedArrayBuffer;
  /** An int8 model's file: the replica is loaded from it (src/parallel/replica.ts). */
  int8?: Uint8Array;
}

export interface PredictRequest {
  id: number;
  method: RowMethod;
  rows: unknown[];
  /** Extra arguments after the rows (translate's options). */
  args: unknown[];
  /** Weights version: the worker reloads the shared weights when it differs from the last one it read. */
  version: number;
  /** Rows per forward pass. */
  batchSize: number;
}

export type PredictReply =
  | { id: number; type: 'result'; results: unknown[] }
  | { id: number; type: 'error'; name: string; message: string };

/**
 * Runs `method` over `rows` in forward passes of at most batchSize rows, shortest
 * first so that each pass pads little; returns the results in the rows' order. A
 * row's result does not depend on the other rows of its pass (every kernel computes
 * each row on its own), so this is what one call over all rows returns.
 */
export function runRows(model: unknown, method: RowMethod, rows: readonly unknown[], args: readonly unknown[], batchSize: number): unknown[] {
  const fn = (model as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new TypeError(`the model has no method ${method}`);
  const len = (r: unknown) => (Array.isArray(r) ? r.length : 0);
  const order = Array.from(rows.keys()).sort((a, b) => len(rows[a]) - len(rows[b]) || a - b);
  const out = new Array<unknown>(rows.length);
  for (let i = 0; i < order.length; i += batchSize) {
    const idx = order.slice(i, i + batchSize);
    const res = (fn as (r: unknown[], ...a: unknown[]) => unknown[]).call(model, idx.map((k) => rows[k]), ...args);
    idx.forEach((k, j) => { out[k] = res[j]; });
  }
  return out;
}

/** Where a share of rows goes: a worker that returns the method's results for them. */
export interface RowWorker {
  /** True while a call is in flight (a busy worker is left out of the next call). */
  busy: boolean;
  call(request: Omit<PredictRequest, 'id'>): Promise<unknown[]>;
}

/**
 * One call of a row-wise method over `rows` on the calling thread and `workers`:
 * the rows, sorted by length, are cut into runs of about equal padded cost
 * (balancedCuts), the calling thread takes the first (shortest) run, and the results
 * are put back in the rows' order. Every worker's reply is awaited, so none is busy
 * when the call returns, even when it throws.
 */
export async function predictInShares(model: unknown, method: RowMethod, rows: readonly unknown[], args: unknown[], batchSize: number,
  workers: readonly RowWorker[], version: () => number): Promise<unknown[]> {
  const free = workers.filter((w) => !w.busy);
  if (!free.length || rows.length < 2) return runRows(model, method, rows, args, batchSize);
  const len = (r: unknown) => (Array.isArray(r) ? r.length : 0);
  const order = Array.from(rows.keys()).sort((a, b) => len(rows[a]) - len(rows[b]) || a - b);
  const cuts = balancedCuts(Int32Array.from(order, (k) => len(rows[k])), free.length + 1);
  const v = version();
  const share = (i: number) => order.slice(cuts[i], cuts[i + 1]);
  const replies = free.map((w, j) => {
    const idx = share(j + 1);
    return idx.length ? w.call({ method, rows: idx.map((k) => rows[k]), args, version: v, batchSize }) : Promise.resolve([] as unknown[]);
  });
  const out = new Array<unknown>(rows.length);
  let mine: unknown;
  try {
    const idx = share(0);
    const res = runRows(model, method, idx.map((k) => rows[k]), args, batchSize);
    idx.forEach((k, j) => { out[k] = res[j]; });
  } catch (e) {
    mine = e;
  }
  const settled = await Promise.allSettled(replies);
  if (mine) throw mine;
  settled.forEach((s, j) => {
    if (s.status === 'rejected') throw s.reason;
    share(j + 1).forEach((k, i) => { out[k] = s.value[i]; });
  });
  return out;
}

/** True when two weight arrays hold the same bits (the workers' copy is current). */
export function sameWeights(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A replica serving requests: its weights are reloaded from `shared` when a request's version differs from `version`. */
export interface ServedReplica {
  model: { params: { f32(): Float32Array }; parametersChanged(): void };
  shared: Float32Array;
  version: number;
}

/** A worker's reply to one request (Node's and the browsers' workers alike); errors become their name and message. */
export function answerRequest(r: ServedReplica, m: PredictRequest): PredictReply {
  try {
    if (!ROW_METHODS.includes(m.method)) throw new ConfigError(`unknown method ${m.method}`);
    if (m.version !== r.version) {
      r.model.params.f32().set(r.shared);
      r.model.parametersChanged();
      r.version = m.version;
    }
    return { id: m.id, type: 'result', results: runRows(r.model, m.method, m.rows, m.args, m.batchSize) };
  } catch (e) {
    return { id: m.id, type: 'error', name: (e as Error).name, message: (e as Error).message };
  }
}
