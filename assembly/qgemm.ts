// int8 weights × dynamically quantized activations: C (+)= A · Wᵀ for inference.
//
// W [N][K] holds int8 values q_w with one f32 scale s_w per output row n (symmetric:
// w ≈ q_w · s_w). Each row m of A (f32) is quantized on the fly to q_a = rne(a / s_a)
// with s_a = max|a_m| / Q, then C[m][n] (+)= f32(Σ_k q_a·q_w) · (s_a · s_w[n]).
// Q = min(32767, ⌊(2³¹ − 1) / (127 · Kq)⌋) keeps every partial sum inside i32, so the
// integer dot product is exact; only the rounding of A and the final scaling differ
// from the quantized arithmetic in float64 (test/reference/quantized.ts).
//
// Why i16 activations: wasm SIMD's widest integer multiply-add is i32x4.dot_i16x8_s
// (8 products, pairwise summed into 4 i32). It costs what one f32x4 mul + add costs
// and does twice the multiply-adds; i8 activations would not be faster (no i8 dot
// product without relaxed SIMD) and would lose precision.
//
// The weights are packed once at load as i16 (widened from int8) in panels of 16
// output columns by pairs of k: [panel][K/2][16][2] (64 bytes per pair), K padded
// to Kq = a multiple of 4 with zeros. The micro-kernel takes 2 rows × 16 columns,
// 8 i32x4 accumulators, as the f32 kernel (assembly/gemm.ts) does.

import { storeRow } from './gemm';

// Rows of A quantized at once into the caller's scratch (then every panel sees them).
const ROWS: i32 = 64;
const MAGIC: f32 = 12582912.0; // 1.5·2²³: adding it rounds |x| < 2²² to the nearest even integer
const MAGIC_BITS: i32 = 0x4b400000;
const EDGE: usize = memory.data(64, 16);

/** K padded to a multiple of 4 (the quantized rows and the packed panels). */
@inline export function paddedK(K: i32): i32 {
  return (K + 3) & ~3;
}

/** The activations' integer range for a dot product over K terms: no i32 overflow. */
export function activationRange(K: i32): i32 {
  return <i32>min<i64>(32767, <i64>2147483647 / (<i64>127 * <i64>paddedK(K)));
}

/** Bytes of the packed i16 weight operand for K × N (N output rows of W). */
export function qpackedBytes(K: i32, N: i32): i32 {
  return ((N + 15) >> 4) * paddedK(K) * 32;
}

/** Bytes of scratch qgemmPacked needs for a K-wide A. */
export function qscratchBytes(K: i32): i32 {
  return ROWS * paddedK(K) * 2 + ROWS * 4;
}

/** Packs int8 W [N][K] (row-major, bytes at w) as i16 panels into dst (qpackedBytes(K, N)). */
export function qpackB(w: usize, K: i32, N: i32, dst: usize): void {
  const Kq = paddedK(K), pairs = Kq >> 1;
  memory.fill(dst, 0, <usize>qpackedBytes(K, N));
  for (let n = 0; n < N; n++) {
    const panel = dst + <usize>(n >> 4) * (<usize>pairs << 6) + (<usize>(n & 15) << 2);
    const row = w + <usize>n * <usize>K;
    for (let k = 0; k < K; k++) {
      store<i16>(panel + (<usize>(k >> 1) << 6) + (<usize>(k & 1) << 1), <i16>load<i8>(row + <usize>k));
    }
  }
}

/**
 * Quantizes rows [0, M) of A (lda floats apart, K wide) into dst as i16 rows of Kq
 * (zero-padded) and their scales s_a into scales. A row of zeros gets s_a = 0.
 */
export function quantizeRows(M: i32, K: i32, a: usize, lda: i32, dst: usize, scales: usize): void {
  const Kq = paddedK(K);
  const Q = <f32>activationRange(K);
  const rowB = <usize>Kq << 1;
  const magic = f32x4.splat(MAGIC), magicBits = i32x4.splat(MAGIC_BITS);
  for (let m = 0; m < M; m++) {
    const r = a + (<usize>m * <usize>lda << 2);
    const d = dst + <usize>m * rowB;
    let mx = f32x4.splat(0);
    let k = 0;
    for (; k + 4 <= K; k += 4) mx = f32x4.pmax(mx, f32x4.abs(v128.load(r + (<usize>k << 2))));
    let amax = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
    for (; k < K; k++) amax = max(amax, abs(load<f32>(r + (<usize>k << 2))));
    if (!(amax >= 1e-30)) { // zero (or negligible) row: Q / amax would overflow
      memory.fill(d, 0, rowB);
      store<f32>(scales + (<usize>m << 2), 0);
      continue;
    }
    const inv = f32x4.splat(Q / amax);
    store<f32>(scales + (<usize>m << 2), amax / Q);
    k = 0;
    for (; k + 8 <= K; k += 8) {
      const p = r + (<usize>k << 2);
      const lo = i32x4.sub(f32x4.add(f32x4.mul(v128.load(p), inv), magic), magicBits);
      const hi = i32x4.sub(f32x4.add(f32x4.mul(v128.load(p, 16), inv), magic), magicBits);
      v128.store(d + (<usize>k << 1), i16x8.narrow_i32x4_s(lo, hi));
    }
    for (; k < Kq; k += 4) {
      v128.store(EDGE, f32x4.splat(0));
      const n = min(4, K - k);
      if (n > 0) memory.copy(EDGE, r + (<usize>k << 2), <usize>n << 2);
      const v = i32x4.sub(f32x4.add(f32x4.mul(v128.load(EDGE), inv), magic), magicBits);
      v128.store64_lane(d + (<usize>k << 1), i16x8.narrow_i32x4_s(v, v), 0);
    }
  }
}

@inline function storeRowQ(c: usize, v0: v128, v1: v128, v2: v128, v3: v128, sa: f32, ws: usize, nvalid: i32, accumulate: bool): void {
  const s = f32x4.splat(sa);
  const f0 = f32x4.mul(f32x4.convert_i32x4_s(v0), f32x4.mul(s, v128.load(ws)));
  const f1 = f32x4.mul(f32x4.convert_i32x4_s(v1), f32x4.mul(s, v128.load(ws, 16)));
  const f2 = f32x4.mul(f32x4.convert_i32x4_s(v2), f32x4.mul(s, v128.load(ws, 32)));
  const f3 = f32x4.mul(f32x4.convert_i32x4_s(v3), f32x4.mul(s, v128.load(ws, 48)));
  storeRow(c, f0, f1, f2, f3, nvalid, accumulate);
}

// Two quantized rows (a0, a1: i16, pairs of k as one i32 splat) times one packed panel.
@inline function qkernel2x16(pairs: i32, a0: usize, a1: usize, bp: usize): void {
  let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c02 = i32x4.splat(0), c03 = i32x4.splat(0);
  let c10 = i32x4.splat(0), c11 = i32x4.splat(0), c12 = i32x4.splat(0), c13 = i32x4.splat(0);
  for (let k = 0; k < pairs; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    const b3 = v128.load(bp, 48);
    const x0 = v128.load32_splat(a0);
    const x1 = v128.load32_splat(a1);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, b0));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, b1));
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(x0, b2));
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(x0, b3));
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x1, b0));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x1, b1));
    c12 = i32x4.add(c12, i32x4.dot_i16x8_s(x1, b2));
    c13 = i32x4.add(c13, i32x4.dot_i16x8_s(x1, b3));
    a0 += 4;
    a1 += 4;
    bp += 64;
  }
  v128.store(ACC, c00); v128.store(ACC, c01, 16); v128.store(ACC, c02, 32); v128.store(ACC, c03, 48);
  v128.store(ACC, c10, 64); v128.store(ACC, c11, 80); v128.store(ACC, c12, 96); v128.store(ACC, c13, 112);
}

@inline function qkernel1x16(pairs: i32, a0: usize, bp: usize): void {
  let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c02 = i32x4.splat(0), c03 = i32x4.splat(0);
  for (let k = 0; k < pairs; k++) {
    const x0 = v128.load32_splat(a0);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, v128.load(bp)));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, v128.load(bp, 16)));
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(x0, v128.load(bp, 32)));
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(x0, v128.load(bp, 48)));
    a0 += 4;
    bp += 64;
  }
  v128.store(ACC, c00); v128.store(ACC, c01, 16); v128.store(ACC, c02, 32); v128.store(ACC, c03, 48);
}

// The accumulators of the last micro-kernel call, two rows of 16 i32.
const ACC: usize = memory.data(128, 16);
// The column scales of a partial last panel, zero-padded to 16.
const WS_EDGE: usize = memory.data(64, 16);

/**
 * C[M x N] (+)= A · Wᵀ with W packed by qpackB and wScales [N] its row scales.
 * A's row i starts at a + 4·i·lda (K contiguous floats). scratch: qscratchBytes(K).
 */
export function qgemmPacked(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize, wScales: usize,
                            c: usize, ldc: i32, accumulate: i32, scratch: usize): void {
  const Kq = paddedK(K), pairs = Kq >> 1;
  const rowB = <usize>Kq << 1;
  const aScales = scratch + <usize>ROWS * rowB;
  const panels = (N + 15) >> 4;
  const ldcB = <usize>ldc << 2;
  const acc = accumulate != 0;
  for (let m0 = 0; m0 < M; m0 += ROWS) {
    const rows = min(ROWS, M - m0);
    quantizeRows(rows, K, a + (<usize>m0 * <usize>lda << 2), lda, scratch, aScales);
    const cm = c + <usize>m0 * ldcB;
    for (let p = 0; p < panels; p++) {
      const bpp = bp + (<usize>p * <usize>pairs << 6);
      const nvalid = min(16, N - (p << 4));
      let ws = wScales + (<usize>p << 6);
      if (nvalid < 16) {
        memory.fill(WS_EDGE, 0, 64);
        memory.copy(WS_EDGE, ws, <usize>nvalid << 2);
        ws = WS_EDGE;
      }
      const cp = cm + (<usize>p << 6);
      let i = 0;
      for (; i + 1 < rows; i += 2) {
        const ai = scratch + <usize>i * rowB;
        qkernel2x16(pairs, ai, ai + rowB, bpp);
        const ci = cp + <usize>i * ldcB;
        storeRowQ(ci, v128.load(ACC), v128.load(ACC, 16), v128.load(ACC, 32), v128.load(ACC, 48),
          load<f32>(aScales + (<usize>i << 2)), ws, nvalid, acc);
        storeRowQ(ci + ldcB, v128.load(ACC, 64), v128.load(ACC, 80), v128.load(ACC, 96), v128.load(ACC, 112),
          load<f32>(aScales + (<usize>(i + 1) << 2)), ws, nvalid, acc);
      }
      if (i < rows) {
        qkernel1x16(pairs, scratch + <usize>i * rowB, bpp);
        storeRowQ(cp + <usize>i * ldcB, v128.load(ACC), v128.load(ACC, 16), v128.load(ACC, 32), v128.load(ACC, 48),
          load<f32>(aScales + (<usize>i << 2)), ws, nvalid, acc);
      }
    }
  }
}

/**
 * The quantized operands of one recurrent direction, a block of u32 words:
 * [0] scratch (qscratchBytes of the widest K), [1..4] row scales of the packed
 * wih, whh, whhN, whr operands. A cell kernel given such a block (q ≠ 0) reads its
 * forward weight fields as qpackB panels.
 */
export const enum QW { wih = 1, whh = 2, whhN = 3, whr = 4 }

/** C (+)= A · op: f32 gemmPacked when q = 0, else the int8 operand `which` of block q. */
@inline export function matmul(q: usize, which: QW, M: i32, N: i32, K: i32, a: usize, lda: i32,
                               packed: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (q) qgemmPacked(M, N, K, a, lda, packed, <usize>load<u32>(q + (<usize>which << 2)), c, ldc, accumulate, <usize>load<u32>(q));
  else gemmPacked(M, N, K, a, lda, 1, packed, c, ldc, accumulate);
}

import { gemmPacked } from './gemm';
