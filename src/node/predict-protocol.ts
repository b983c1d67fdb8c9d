// What the main thread and a prediction worker say to each other (messages: a
// prediction call is one round trip carrying the rows and their results, so no
// Atomics), and which model methods a worker may run: each takes an array of rows
// and returns one result per row, so a call can be cut into row shares.

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
