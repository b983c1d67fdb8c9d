// Test-side helpers: a seeded data generator (independent of src/) and a tolerance check.
import { expect } from 'vitest';

/** mulberry32: small seeded generator for test data. */
export function testRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** Float64Array of n values uniform in [-scale, scale), exactly representable in f32. */
    array(n: number, scale = 1): Float64Array {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.fround((2 * next() - 1) * scale);
      return out;
    },
    int(n: number): number {
      return Math.floor(next() * n);
    },
  };
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, reporting the
 * worst element so a failure says where and by how much.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label = ''): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const excess = err - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) {
    expect.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (|Δ| = ${Math.abs(actual[worst] - expected[worst])}, allowed ${atol} + ${rtol}·|expected|)`);
  }
}
