// Arrays as the nn modules take and give them: the values of a dense row-major tensor
// with its shape (what PyTorch's tensor.numpy() holds). Inputs are checked here, before
// anything is copied into wasm memory: what the value is, its shape against the one
// expected (named axis by axis), and that every value is finite.
import { ArgumentError, NonFiniteError, ShapeError, describeValue } from '../errors.js';

/** A dense row-major array: `data.length` is the product of `shape`. */
export interface NdArray {
  data: Float32Array;
  shape: number[];
}

/** What an input may be: any array-like of numbers (Float32Array, Float64Array, number[]) with its shape. */
export interface ArrayInput {
  data: ArrayLike<number>;
  shape: readonly number[];
}

/**
 * Checks that `v` is an array of rank `axes.length`; `expected[i]` (when not undefined)
 * is the size axis i must have. `what` names the argument ('x', 'h0') and `axes` its
 * axes ('T', 'B', 'I'), so a ShapeError says which shape was expected.
 */
export function checkArray(v: unknown, what: string, axes: readonly string[], expected: readonly (number | undefined)[]): { data: ArrayLike<number>; shape: number[] } {
  const want = `[${axes.map((a, i) => (expected[i] === undefined ? a : `${a} = ${expected[i]}`)).join(', ')}]`;
  if (v === null || typeof v !== 'object') throw new ArgumentError(`${what} must be { data, shape } with shape ${want}, got ${describeValue(v)}`);
  const { data, shape } = v as { data?: unknown; shape?: unknown };
  if (!(Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)))) {
    throw new ArgumentError(`${what}.data must be a Float32Array (or another array of numbers), got ${describeValue(data)}`);
  }
  if (!Array.isArray(shape) || shape.length !== axes.length || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new ShapeError(`${what} has shape ${show(shape)}, expected ${want} (every size a positive integer)`);
  }
  if (shape.some((d, i) => expected[i] !== undefined && d !== expected[i])) throw new ShapeError(`${what} has shape [${shape.join(', ')}], expected ${want}`);
  const n = shape.reduce((a: number, b: number) => a * b, 1);
  const values = data as ArrayLike<number>;
  if (values.length !== n) throw new ShapeError(`${what}.data holds ${values.length} values, but its shape [${shape.join(', ')}] needs ${n}`);
  return { data: values, shape: shape as number[] };
}

/** The error for an array that holds a NaN or ±Infinity (or a non-number), naming the first one. */
export function nonFinite(what: string, data: ArrayLike<number>): NonFiniteError | undefined {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return new NonFiniteError(`${what}.data[${i}] = ${String(v)}: values must be finite numbers`);
  }
  return undefined;
}

/**
 * Copies src [A][Bn][C] into dst as [Bn][A][C] (batch-first ↔ time-major), or
 * unchanged when `swap` is false.
 */
export function copyArray(src: ArrayLike<number>, dst: Float32Array, A: number, Bn: number, C: number, swap: boolean): void {
  if (!swap) {
    dst.set(src);
    return;
  }
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < Bn; b++) {
      const s = (a * Bn + b) * C, d = (b * A + a) * C;
      for (let c = 0; c < C; c++) dst[d + c] = src[s + c];
    }
  }
}

function show(shape: unknown): string {
  return Array.isArray(shape) ? `[${shape.map(String).join(', ')}]` : describeValue(shape);
}
