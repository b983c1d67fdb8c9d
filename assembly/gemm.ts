// SGEMM on row-major f32: C (+)= op(A) · op(B).
//
// B is first packed into panels of 16 columns ([panel][K][16], zero-padded past N),
// so the micro-kernel streams it contiguously whatever B's original layout was.
// The micro-kernel computes a 2x16 block of C with 8 f32x4 accumulators: with the
// 4 B vectors and 2 A splats that is 14 live v128 values, inside the 15 xmm
// registers V8 gives wasm (10+ accumulators spill; docs/ARCHITECTURE.md, Kernels). No k unrolling.
// K is blocked by KC so a panel's slice (KC*64 bytes) stays in L1 across row pairs.

const KC: i32 = 256;
// Staging area for partial panels (the last panel when N % 16 != 0).
const EDGE: usize = memory.data(128, 16);
// A transposed operand (Aᵀ, e.g. dzᵀ·X for weight gradients) is read down its columns
// with a stride of lda floats; at power-of-two lda (4H = 512 …) every k lands in the
// same two L1 sets and each load misses. Blocks of 16 rows are first copied here as
// [pair][k][2] (each source cache line read once, whole), then streamed contiguously.
const AT_ROWS: i32 = 16;
const AT_PACK: usize = memory.data(AT_ROWS * KC * 4, 64);

/** Floats needed to pack a K x N operand. */
export function packedSize(K: i32, N: i32): i32 {
  return ((N + 15) >> 4) * K * 16;
}

/**
 * Pack B (K x N; or, with transB, stored N x K) with leading dimension ldb into dst.
 */
export function packB(b: usize, ldb: i32, K: i32, N: i32, transB: i32, dst: usize): void {
  const panels = (N + 15) >> 4;
  for (let p = 0; p < panels; p++) {
    const n0 = p << 4;
    const w = min(16, N - n0);
    const d = dst + (<usize>p * <usize>K << 6);
    if (!transB) {
      for (let k = 0; k < K; k++) {
        const s = b + ((<usize>k * <usize>ldb + <usize>n0) << 2);
        const dk = d + (<usize>k << 6);
        if (w == 16) {
          v128.store(dk, v128.load(s));
          v128.store(dk, v128.load(s, 16), 16);
          v128.store(dk, v128.load(s, 32), 32);
          v128.store(dk, v128.load(s, 48), 48);
        } else {
          let j = 0;
          for (; j < w; j++) store<f32>(dk + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
          for (; j < 16; j++) store<f32>(dk + (<usize>j << 2), 0);
        }
      }
    } else {
      for (let j = 0; j < 16; j++) {
        const dj = d + (<usize>j << 2);
        if (j < w) {
          const s = b + (<usize>(n0 + j) * <usize>ldb << 2);
          for (let k = 0; k < K; k++) store<f32>(dj + (<usize>k << 6), load<f32>(s + (<usize>k << 2)));
        } else {
          for (let k = 0; k < K; k++) store<f32>(dj + (<usize>k << 6), 0);
        }
      }
    }
  }
}

/** Stores (or adds) one 16-column row of C; the last row of a panel may hold fewer valid columns. */
@inline export function storeRow(c: usize, v0: v128, v1: v128, v2: v128, v3: v128, nvalid: i32, accumulate: bool): void {
  if (nvalid == 16) {
    if (accumulate) {
      v0 = f32x4.add(v0, v128.load(c));
      v1 = f32x4.add(v1, v128.load(c, 16));
      v2 = f32x4.add(v2, v128.load(c, 32));
      v3 = f32x4.add(v3, v128.load(c, 48));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    v128.store(c, v2, 32);
    v128.store(c, v3, 48);
  } else {
    v128.store(EDGE, v0);
    v128.store(EDGE, v1, 16);
    v128.store(EDGE, v2, 32);
    v128.store(EDGE, v3, 48);
    for (let j = 0; j < nvalid; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(EDGE + o);
      store<f32>(c + o, accumulate ? load<f32>(c + o) + v : v);
    }
  }
}

// Two rows of A (pointers a0, a1, k-stride sak bytes) times one packed panel.
@inline function kernel2x16(kc: i32, a0: usize, a1: usize, sak: usize, bp: usize,
                            c0: usize, c1: usize, nvalid: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    const b3 = v128.load(bp, 48);
    const x0 = v128.load32_splat(a0);
    const x1 = v128.load32_splat(a1);
    c00 = f32x4.add(c00, f32x4.mul(x0, b0));
    c01 = f32x4.add(c01, f32x4.mul(x0, b1));
    c02 = f32x4.add(c02, f32x4.mul(x0, b2));
    c03 = f32x4.add(c03, f32x4.mul(x0, b3));
    c10 = f32x4.add(c10, f32x4.mul(x1, b0));
    c11 = f32x4.add(c11, f32x4.mul(x1, b1));
    c12 = f32x4.add(c12, f32x4.mul(x1, b2));
    c13 = f32x4.add(c13, f32x4.mul(x1, b3));
    a0 += sak;
    a1 += sak;
    bp += 64;
  }
  storeRow(c0, c00, c01, c02, c03, nvalid, accumulate);
  storeRow(c1, c10, c11, c12, c13, nvalid, accumulate);
}

@inline function kernel1x16(kc: i32, a0: usize, sak: usize, bp: usize, c0: usize, nvalid: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const x0 = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x0, v128.load(bp)));
    c01 = f32x4.add(c01, f32x4.mul(x0, v128.load(bp, 16)));
    c02 = f32x4.add(c02, f32x4.mul(x0, v128.load(bp, 32)));
    c03 = f32x4.add(c03, f32x4.mul(x0, v128.load(bp, 48)));
    a0 += sak;
    bp += 64;
  }
  storeRow(c0, c00, c01, c02, c03, nvalid, accumulate);
}

/**
 * C[M x N] (+)= A · B with B pre-packed by packB. A's element (i, k) is at
 * a + 4 * (i * sai + k * sak): sai = lda, sak = 1 for A; sai = 1, sak = lda for Aᵀ.
 */
export function gemmPacked(M: i32, N: i32, K: i32, a: usize, sai: i32, sak: i32,
                           bp: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (K == 0) {
    if (!accumulate) {
      for (let i = 0; i < M; i++) memory.fill(c + (<usize>i * <usize>ldc << 2), 0, <usize>N << 2);
    }
    return;
  }
  // Aᵀ with a long stride (the backward's weight gradients) gets its own micro-kernel.
  // The forward-only module (asconfig target forward, --use RNN_FORWARD_ONLY) leaves it
  // out: every forward caller passes sak = 1, and the loop below is right for any strides.
  // @ts-ignore: RNN_FORWARD_ONLY is defined on the command line, or not at all
  if (!isDefined(RNN_FORWARD_ONLY) && sai == 1 && sak >= 128 && M > 1) { // strides under 512 bytes spread over enough L1 sets
    gemmPackedTransA(M, N, K, a, sak, bp, c, ldc, accumulate);
    return;
  }
  const panels = (N + 15) >> 4;
  const saiB = <usize>sai << 2;
  const sakB = <usize>sak << 2;
  const ldcB = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate != 0 || k0 > 0;
    const aK = a + <usize>k0 * sakB;
    for (let p = 0; p < panels; p++) {
      const bpp = bp + ((<usize>p * <usize>K + <usize>k0) << 6);
      const nvalid = min(16, N - (p << 4));
      const cp = c + (<usize>p << 6);
      let i = 0;
      for (; i + 1 < M; i += 2) {
        const ai = aK + <usize>i * saiB;
        const ci = cp + <usize>i * ldcB;
        kernel2x16(kc, ai, ai + saiB, sakB, bpp, ci, ci + ldcB, nvalid, acc);
      }
      if (i < M) kernel1x16(kc, aK + <usize>i * saiB, sakB, bpp, cp + <usize>i * ldcB, nvalid, acc);
    }
  }
}

/** Copies rows [0, rows) × k [0, kc) of Aᵀ (element (i, k) at a + 4·(k·lda + i)) into AT_PACK as [pair][k][2]. */
function packTransA(a: usize, lda: i32, rows: i32, kc: i32): void {
  const ldaB = <usize>lda << 2, pairBytes = <usize>kc << 3;
  if (rows == AT_ROWS) {
    for (let k = 0; k < kc; k++) {
      const s = a + <usize>k * ldaB, d = AT_PACK + (<usize>k << 3);
      const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32), v3 = v128.load(s, 48);
      v128.store64_lane(d, v0, 0); v128.store64_lane(d + pairBytes, v0, 1);
      v128.store64_lane(d + 2 * pairBytes, v1, 0); v128.store64_lane(d + 3 * pairBytes, v1, 1);
      v128.store64_lane(d + 4 * pairBytes, v2, 0); v128.store64_lane(d + 5 * pairBytes, v2, 1);
      v128.store64_lane(d + 6 * pairBytes, v3, 0); v128.store64_lane(d + 7 * pairBytes, v3, 1);
    }
    return;
  }
  for (let k = 0; k < kc; k++) {
    const s = a + <usize>k * ldaB, d = AT_PACK + (<usize>k << 3);
    for (let r = 0; r < rows; r++) store<f32>(d + <usize>(r >> 1) * pairBytes + (<usize>(r & 1) << 2), load<f32>(s + (<usize>r << 2)));
  }
}

function gemmPackedTransA(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize, c: usize, ldc: i32, accumulate: i32): void {
  const panels = (N + 15) >> 4;
  const ldcB = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate != 0 || k0 > 0;
    const pairBytes = <usize>kc << 3;
    for (let i0 = 0; i0 < M; i0 += AT_ROWS) {
      const rows = min(AT_ROWS, M - i0);
      packTransA(a + ((<usize>k0 * <usize>lda + <usize>i0) << 2), lda, rows, kc);
      for (let p = 0; p < panels; p++) {
        const bpp = bp + ((<usize>p * <usize>K + <usize>k0) << 6);
        const nvalid = min(16, N - (p << 4));
        const cp = c + (<usize>p << 6) + <usize>i0 * ldcB;
        let r = 0;
        for (; r + 1 < rows; r += 2) {
          const ap = AT_PACK + <usize>(r >> 1) * pairBytes;
          kernel2x16(kc, ap, ap + 4, 8, bpp, cp + <usize>r * ldcB, cp + <usize>(r + 1) * ldcB, nvalid, acc);
        }
        if (r < rows) kernel1x16(kc, AT_PACK + <usize>(r >> 1) * pairBytes, 8, bpp, cp + <usize>r * ldcB, nvalid, acc);
      }
    }
  }
}

/**
 * General SGEMM: C (+)= op(A) · op(B), op = transpose when the flag is set.
 * A is M x K (or K x M stored), B is K x N (or N x K stored). scratch must hold
 * packedSize(K, N) floats.
 */
export function gemm(transA: i32, transB: i32, M: i32, N: i32, K: i32,
                     a: usize, lda: i32, b: usize, ldb: i32,
                     c: usize, ldc: i32, accumulate: i32, scratch: usize): void {
  packB(b, ldb, K, N, transB, scratch);
  if (transA) gemmPacked(M, N, K, a, 1, lda, scratch, c, ldc, accumulate);
  else gemmPacked(M, N, K, a, lda, 1, scratch, c, ldc, accumulate);
}
