// binary16 conversion. The reference is independent of the code under test: the list
// of every finite half value (decoded from its definition, sign × 2^e × 1.f), searched
// for the nearest neighbour of a float32 with ties going to the even bit pattern.
import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from '../src/index.js';
import { testRng } from './helpers/arrays.js';

// Every non-negative finite half, in increasing order of both value and bit pattern.
const positives: number[] = [];
for (let h = 0; h < 0x7c00; h++) {
  const e = h >> 10, f = h & 0x3ff;
  positives.push(e === 0 ? f / 1024 * 2 ** -14 : (1 + f / 1024) * 2 ** (e - 15));
}

function nearestHalf(x: number): number {
  const a = Math.abs(x), sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const max = positives[positives.length - 1];
  // Beyond max + half an ulp (2^15 · 2^-11 = 16) IEEE rounds to infinity.
  if (a >= max + 16) return sign | 0x7c00;
  let lo = 0, hi = positives.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positives[mid] <= a) lo = mid; else hi = mid;
  }
  const dl = a - positives[lo], dh = positives[hi] - a;
  const pick = dl < dh ? lo : dh < dl ? hi : (lo % 2 === 0 ? lo : hi);
  return sign | pick;
}

describe('binary16', () => {
  it('decodes every bit pattern as its definition says', () => {
    for (let h = 0; h < 0x7c00; h++) {
      expect(halfToFloat(h)).toBe(positives[h]);
      expect(halfToFloat(h | 0x8000)).toBe(-positives[h]);
    }
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('encodes every half value back to its own bit pattern', () => {
    for (let h = 0; h < 0x7c00; h++) {
      expect(floatToHalf(positives[h])).toBe(h);
      expect(floatToHalf(-positives[h])).toBe(h | 0x8000);
    }
  });

  it('rounds float32 values to the nearest half, ties to even', () => {
    const rng = testRng(7).next;
    const f = new Float32Array(1);
    for (let i = 0; i < 20000; i++) {
      // Spread over the whole range: subnormals, normals, overflow.
      f[0] = (rng() * 2 - 1) * 2 ** Math.floor(rng() * 44 - 28);
      expect(floatToHalf(f[0])).toBe(nearestHalf(f[0]));
    }
    // Exact midpoints between neighbours go to the even pattern.
    for (let h = 0; h < 0x7bff; h += 37) {
      const mid = (positives[h] + positives[h + 1]) / 2;
      f[0] = mid;
      if (f[0] === mid) expect(floatToHalf(mid)).toBe(h % 2 === 0 ? h : h + 1);
    }
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(-1e-10)).toBe(0x8000);
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x3ff).not.toBe(0);
  });
});
