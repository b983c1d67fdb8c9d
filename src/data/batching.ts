// Batches from examples: seeded shuffling, length bucketing (similar lengths together,
// so less padding), train/validation splits, and the contiguous batches of truncated
// backpropagation through time over one long token stream.
import { ArgumentError, ConfigError, EmptySequenceError, describeValue } from '../errors.js';
import { Rng } from '../random.js';

export interface Example<I = unknown, T = unknown> {
  input: I;
  target: T;
}

export interface BatchOf<I = unknown, T = unknown> {
  inputs: I[];
  targets: T[];
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle (examples, or batches when bucketing) with this seed's RNG. Default false. */
  shuffle?: boolean;
  seed?: number;
  /** Group examples of similar length: sort within pools of `bucket` batches. Default 0 (off). */
  bucket?: number;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
}

function lengthOf(x: unknown): number {
  return Array.isArray(x) || ArrayBuffer.isView(x) ? (x as ArrayLike<unknown>).length : 1;
}

export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Throws ArgumentError naming the first element that is not an example `{ input, target }`. */
export function requireExamples(examples: readonly unknown[], where?: string): void {
  const bad = examples.findIndex((e) => !e || typeof e !== 'object' || !('input' in e) || !('target' in e));
  if (bad >= 0) throw new ArgumentError(`${where ? `${where}: ` : ''}examples[${bad}] must be an object { input, target }, got ${describeValue(examples[bad])}`);
}

/** Splits examples into batches; the same seed gives the same batches. */
export function batches<I, T>(examples: readonly Example<I, T>[], o: BatchOptions): BatchOf<I, T>[] {
  if (!Number.isInteger(o?.batchSize) || o.batchSize < 1) throw new ConfigError(`batchSize = ${o?.batchSize} is invalid: expected a positive integer`);
  if (!Array.isArray(examples)) throw new ArgumentError(`examples must be an array of { input, target }, got ${examples === null ? 'null' : typeof examples}`);
  if (examples.length === 0) throw new EmptySequenceError('no examples to batch');
  requireExamples(examples);
  const rng = new Rng(o.seed ?? 0);
  const bucket = o.bucket ?? 0;
  let order = o.shuffle ? shuffled(examples, rng) : [...examples];
  if (bucket > 0) {
    const pool = bucket * o.batchSize;
    const sorted: Example<I, T>[] = [];
    for (let i = 0; i < order.length; i += pool) {
      sorted.push(...order.slice(i, i + pool).sort((a, b) => lengthOf(a.input) - lengthOf(b.input)));
    }
    order = sorted;
  }
  let out: BatchOf<I, T>[] = [];
  for (let i = 0; i < order.length; i += o.batchSize) {
    const chunk = order.slice(i, i + o.batchSize);
    if (o.dropLast && chunk.length < o.batchSize) break;
    out.push({ inputs: chunk.map((e) => e.input), targets: chunk.map((e) => e.target) });
  }
  if (bucket > 0 && o.shuffle) out = shuffled(out, rng);
  return out;
}

/** A seeded split: `validation` is a fraction (0–1) or a count of examples. */
export function trainValidationSplit<E>(examples: readonly E[], o: { validation: number; seed?: number }): { train: E[]; validation: E[] } {
  const n = examples.length;
  const v = o.validation < 1 ? Math.round(n * o.validation) : o.validation;
  if (!(v >= 0 && v <= n) || !Number.isInteger(v)) throw new ConfigError(`validation = ${o.validation} is invalid for ${n} examples`);
  const s = shuffled(examples, new Rng(o.seed ?? 0));
  return { validation: s.slice(0, v), train: s.slice(v) };
}

/**
 * Truncated BPTT over one long token stream (PyTorch's word_language_model
 * batchify): the stream is cut into `batchSize` contiguous rows, and consecutive
 * batches hold consecutive chunks of `bpttLength` steps of every row, with the next
 * token as the target. Train a model whose recurrent layers are `stateful`, in
 * order: the state flows from chunk to chunk and gradients stop at chunk borders.
 */
export function bpttBatches(tokens: readonly number[], o: { batchSize: number; bpttLength: number }): BatchOf<number[], number[]>[] {
  const { batchSize: B, bpttLength: L } = o;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(L) || L < 1) throw new ConfigError('batchSize and bpttLength must be positive integers');
  const rowLen = Math.floor(tokens.length / B);
  if (rowLen < 2) throw new EmptySequenceError(`a stream of ${tokens.length} tokens is too short for ${B} rows of at least 2 tokens`);
  const rows = Array.from({ length: B }, (_, b) => tokens.slice(b * rowLen, (b + 1) * rowLen));
  const out: BatchOf<number[], number[]>[] = [];
  for (let s = 0; s + 1 < rowLen; s += L) {
    const len = Math.min(L, rowLen - 1 - s);
    out.push({ inputs: rows.map((r) => r.slice(s, s + len)), targets: rows.map((r) => r.slice(s + 1, s + 1 + len)) });
  }
  return out;
}
