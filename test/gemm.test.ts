// SGEMM against the float64 triple loop, every transpose combination, odd sizes
// (not multiples of 4 or 16), accumulation, K spanning several KC blocks, and the
// packed path for transposed A with large strides.
import { describe, expect, it } from 'vitest';
import { matmul } from './reference/gemm.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, read, runtime, zeros } from './helpers/wasm.js';

const rt = runtime();
const k = rt.kernels;

// f32 accumulation of K products of values in [-1, 1): error grows like √K·ε.
const tol = (K: number) => [1e-5, 2e-7 * Math.sqrt(K) * 8] as const;

describe('gemm vs naive triple loop', () => {
  const shapes = [
    [1, 1, 1], [2, 16, 4], [3, 5, 7], [5, 17, 33], [8, 32, 16], [13, 31, 1], [7, 50, 257], [32, 64, 600], [33, 19, 513],
    // Aᵀ with a stride ≥ 128 floats takes the packed-Aᵀ path: full 16-row blocks, an even
    // and an odd remainder block, K across KC blocks.
    [130, 40, 257], [141, 17, 520], [256, 16, 64],
    // One row (streaming at batch 1) across several panels, a partial last panel.
    [1, 32, 5], [1, 40, 7], [1, 50, 300],
    // More single rows: one panel alone, an odd panel count, K across KC blocks, a partial panel.
    [1, 16, 3], [1, 80, 260], [1, 64, 16], [1, 20, 9],
    // Narrow N and short K (the small-H recurrent steps: N = 4H, K = H).
    [32, 64, 16], [31, 48, 16], [9, 64, 8],
  ];
  for (const [M, N, K] of shapes) {
    for (const [tA, tB] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      it(`M=${M} N=${N} K=${K} transA=${tA} transB=${tB}`, () => {
        const rng = testRng(M * 1000 + N * 10 + K + tA * 7 + tB * 3);
        const a = rng.array(M * K), b = rng.array(K * N), c0 = rng.array(M * N);
        const A = putF32(rt, a), Bm = putF32(rt, b), C = putF32(rt, c0), S = zeros(rt, k.packedSize(K, N));
        const expected = matmul(!!tA, !!tB, M, N, K, a, b);
        k.gemm(tA, tB, M, N, K, A.ptr, tA ? M : K, Bm.ptr, tB ? K : N, C.ptr, N, 0, S.ptr);
        expectClose(read(C), expected, ...tol(K), 'C = op(A)·op(B)');
        // Accumulate: C += op(A)·op(B) on top of what is there.
        k.gemm(tA, tB, M, N, K, A.ptr, tA ? M : K, Bm.ptr, tB ? K : N, C.ptr, N, 1, S.ptr);
        expectClose(read(C), expected.map((v) => 2 * v), ...tol(K), 'C += op(A)·op(B)');
        for (const r of [A, Bm, C, S]) rt.planner.release(r);
      });
    }
  }

  it('writes only the M×N block inside a larger ldc and leaves the rest alone', () => {
    const M = 3, N = 5, K = 4, ldc = 9;
    const rng = testRng(5);
    const a = rng.array(M * K), b = rng.array(K * N);
    const C = putF32(rt, new Float64Array(M * ldc).fill(7));
    const S = zeros(rt, k.packedSize(K, N));
    k.gemm(0, 0, M, N, K, putF32(rt, a).ptr, K, putF32(rt, b).ptr, N, C.ptr, ldc, 0, S.ptr);
    const c = read(C), expected = matmul(false, false, M, N, K, a, b);
    for (let i = 0; i < M; i++) {
      expectClose(c.subarray(i * ldc, i * ldc + N), expected.subarray(i * N, i * N + N), 1e-5, 1e-6, `row ${i}`);
      for (let j = N; j < ldc; j++) expect(c[i * ldc + j]).toBe(7);
    }
  });

  it('K = 0 gives C = 0, or leaves C unchanged when accumulating', () => {
    const C = putF32(rt, [1, 2, 3, 4]);
    k.gemmPacked(2, 2, 0, 0, 0, 1, 0, C.ptr, 2, 1);
    expect(Array.from(read(C))).toEqual([1, 2, 3, 4]);
    k.gemmPacked(2, 2, 0, 0, 0, 1, 0, C.ptr, 2, 0);
    expect(Array.from(read(C))).toEqual([0, 0, 0, 0]);
  });
});
