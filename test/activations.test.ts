// The SIMD approximations against float64 Math over a dense grid, with the error
// bounds stated in assembly/simd-math.ts.
import { describe, expect, it } from 'vitest';
import { putF32, read, runtime } from './helpers/wasm.js';

const rt = runtime();
const k = rt.kernels;

function grid(lo: number, hi: number, n: number): Float64Array {
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = Math.fround(lo + ((hi - lo) * i) / (n - 1));
  return g;
}

function run(kernel: 'tanhArray' | 'sigmoidArray' | 'expArray', x: Float64Array): Float64Array {
  const X = putF32(rt, x), Y = rt.planner.alloc(x.length);
  k[kernel](X.ptr, Y.ptr, x.length);
  const y = read(Y);
  rt.planner.release(X);
  rt.planner.release(Y);
  return y;
}

// 200 001 points including the tails handled by the scalar path (n % 4 = 1).
const xs = grid(-20, 20, 200_001);

describe('SIMD nonlinearities vs float64 Math', () => {
  it('tanh: absolute error ≤ 5e-7, |tanh| ≤ 1, odd', () => {
    const y = run('tanhArray', xs);
    let maxErr = 0, maxAbs = 0, maxAsym = 0;
    for (let i = 0; i < xs.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(y[i] - Math.tanh(xs[i])));
      maxAbs = Math.max(maxAbs, Math.abs(y[i]));
      maxAsym = Math.max(maxAsym, Math.abs(y[i] + y[xs.length - 1 - i]));
    }
    expect(maxErr).toBeLessThanOrEqual(5e-7);
    expect(maxAbs).toBeLessThanOrEqual(1);
    expect(maxAsym).toBe(0);
  });

  it('tanh keeps relative accuracy near 0 (≤ 1e-6 relative for |x| in [1e-6, 0.5])', () => {
    const x = grid(1e-6, 0.5, 10_001);
    const y = run('tanhArray', x);
    let maxRel = 0;
    for (let i = 0; i < x.length; i++) maxRel = Math.max(maxRel, Math.abs(y[i] - Math.tanh(x[i])) / Math.tanh(x[i]));
    expect(maxRel).toBeLessThanOrEqual(1e-6);
  });

  it('sigmoid: absolute error ≤ 3e-7, within [0, 1]', () => {
    const y = run('sigmoidArray', xs);
    let maxErr = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(y[i] - 1 / (1 + Math.exp(-xs[i]))));
      lo = Math.min(lo, y[i]);
      hi = Math.max(hi, y[i]);
    }
    expect(maxErr).toBeLessThanOrEqual(3e-7);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('exp: relative error ≤ 2e-7 on [-87, 88]', () => {
    const x = grid(-87, 88, 200_001);
    const y = run('expArray', x);
    let maxRel = 0;
    for (let i = 0; i < x.length; i++) maxRel = Math.max(maxRel, Math.abs(y[i] - Math.exp(x[i])) / Math.exp(x[i]));
    expect(maxRel).toBeLessThanOrEqual(2e-7);
  });

  it('saturates instead of overflowing, and propagates NaN', () => {
    const y = run('tanhArray', [1e30, -1e30, NaN, Infinity, -Infinity]);
    expect(Array.from(y.subarray(0, 2))).toEqual([1, -1]);
    expect(y[2]).toBeNaN();
    expect(Array.from(y.subarray(3))).toEqual([1, -1]);
    const e = run('expArray', [1000, -1000, NaN]);
    expect(Number.isFinite(e[0])).toBe(true);
    expect(e[1]).toBeLessThan(1e-37);
    expect(e[2]).toBeNaN();
  });
});
