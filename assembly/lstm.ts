// LSTM over a whole time-major sequence, PyTorch's nn.LSTM cell (gate order i, f, g, o):
//   [zi zf zg zo] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//   i = σ(zi)  f = σ(zf)  g = tanh(zg)  o = σ(zo)
//   c_t = f ⊙ c_{t-1} + i ⊙ g      h_t = o ⊙ tanh(c_t)
// Layout: x [T][B][I]; gates [T][B][4H] (activated i, f, g, o, saved for the backward);
// cs, hs [T][B][H]. Rows past their length carry (h, c). Weights packed as in rnn.ts.
// With proj_size P (PyTorch's LSTM with projections) h_t = W_hr (o ⊙ tanh(c_t)) has P
// floats: hs is [T][B][P], W_hh is [4H][P], W_hr [P][H].
import { gemm, gemmPacked } from './gemm';
import { matmul, QW } from './qgemm';
import { sigmoidV, tanhV } from './simd-math';
import { broadcastBias, addInto, addColumnSums } from './rows';
import { accumulateWeightGradients } from './weight-grads';
import { ld, st } from './partial';
import { Arg, bias, int, need, opt } from './recurrent-args';

@inline function valid(lengths: usize, b: i32, t: i32): bool {
  return t < load<i32>(lengths + (<usize>b << 2));
}

// Rows sorted by length, longest first (the character BiLSTM sorts its distinct words
// so), are valid at step t as a prefix: rows [0, activeRows(t)). Then every product
// runs step by step on that prefix alone and the padded steps cost nothing (≈ 40% of
// the character pass, whose words are 1–10 characters long). Taken only when at least
// a quarter of the T·B steps are padding: for full batches one T·B-row product per
// weight is faster than T products of B rows.
function prefixRows(T: i32, B: i32, lengths: usize): bool {
  let prev = T, sum: i64 = 0;
  for (let b = 0; b < B; b++) {
    const n = load<i32>(lengths + (<usize>b << 2));
    if (n > prev) return false;
    prev = n;
    sum += n;
  }
  return sum * 4 <= <i64>T * <i64>B * 3;
}

/** Rows valid at step t when lengths are non-increasing: those with length > t. */
@inline function activeRows(B: i32, lengths: usize, t: i32): i32 {
  let n = B;
  while (n > 0 && load<i32>(lengths + (<usize>(n - 1) << 2)) <= t) n--;
  return n;
}

// The pointwise passes work on 4 units at a time: the row's body with n = 4 (full v128
// loads and stores, which the compiler folds to plain ones), its last partial chunk
// with n = H % 4. One loop with n = min(4, H − j) kept the partial path in the hot
// loop and executed ≈ 1.8× the instructions (docs/ARCHITECTURE.md, Kernels).

/** Gates i, f, g, o (pre-activations in place → activated), c_t and m_t = o ⊙ tanh(c_t) for units [o/4, o/4 + n). */
@inline function lstmUnits(gr: usize, hRow: usize, o: usize, cp: usize, cr: usize, mr: usize, n: i32): void {
  const i = sigmoidV(ld(gr + o, n));
  const f = sigmoidV(ld(gr + hRow + o, n));
  const g = tanhV(ld(gr + 2 * hRow + o, n));
  const og = sigmoidV(ld(gr + 3 * hRow + o, n));
  let c = f32x4.mul(i, g);
  if (cp) c = f32x4.add(c, f32x4.mul(f, ld(cp + o, n)));
  st(gr + o, i, n);
  st(gr + hRow + o, f, n);
  st(gr + 2 * hRow + o, g, n);
  st(gr + 3 * hRow + o, og, n);
  st(cr + o, c, n);
  st(mr + o, f32x4.mul(og, tanhV(c)), n);
}

/** dz for gates i, f, g, o and the carried dc (in place in dcr) for units [o/4, o/4 + n). */
@inline function lstmBackUnits(gr: usize, hRow: usize, o: usize, cr: usize, dhr: usize, dcr: usize, cp: usize, dzr: usize, n: i32): void {
  const one = f32x4.splat(1);
  const i = ld(gr + o, n), f = ld(gr + hRow + o, n), g = ld(gr + 2 * hRow + o, n), og = ld(gr + 3 * hRow + o, n);
  const tc = tanhV(ld(cr + o, n));
  const dh = ld(dhr + o, n);
  const dc = f32x4.add(ld(dcr + o, n), f32x4.mul(f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc))));
  const cpv = cp ? ld(cp + o, n) : f32x4.splat(0);
  st(dzr + o, f32x4.mul(f32x4.mul(dc, g), f32x4.mul(i, f32x4.sub(one, i))), n);
  st(dzr + hRow + o, f32x4.mul(f32x4.mul(dc, cpv), f32x4.mul(f, f32x4.sub(one, f))), n);
  st(dzr + 2 * hRow + o, f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g))), n);
  st(dzr + 3 * hRow + o, f32x4.mul(f32x4.mul(dh, tc), f32x4.mul(og, f32x4.sub(one, og))), n);
  st(dcr + o, f32x4.mul(dc, f), n);
}

export function lstmForwardCore(T: i32, B: i32, I: i32, H: i32,
                            x: usize, wihPacked: usize, whhPacked: usize, bih: usize, bhh: usize,
                            h0: usize, c0: usize, lengths: usize,
                            gates: usize, cs: usize, hs: usize,
                            P: i32 = 0, whrPacked: usize = 0, ms: usize = 0, q: usize = 0, folded: i32 = 0): void {
  const G = 4 * H;
  // With a projection (P > 0) h_t = W_hr m_t has P floats and m_t = o ⊙ tanh(c_t) is
  // saved in ms; without, m_t is h_t itself (written straight to hs).
  const proj = P > 0, W = proj ? P : H;
  const gRow = <usize>G << 2, hRow = <usize>H << 2, wRow = <usize>W << 2;
  const gStep = <usize>B * gRow, hStep = <usize>B * hRow, wStep = <usize>B * wRow;
  // Each row's gates come from the same products either way: only the padded rows' are skipped.
  // folded: gates already hold table rows = W_ih x + b_ih + b_hh for every step.
  const prefix = !folded && !proj && prefixRows(T, B, lengths);
  if (!folded && !prefix) {
    broadcastBias(gates, T * B, G, bih, bhh);
    matmul(q, QW.wih, T * B, G, I, x, I, wihPacked, gates, G, 1);
  }
  for (let t = 0; t < T; t++) {
    const gt = gates + <usize>t * gStep;
    const hPrev = t == 0 ? h0 : hs + <usize>(t - 1) * wStep;
    const cPrev = t == 0 ? c0 : cs + <usize>(t - 1) * hStep;
    const M = prefix ? activeRows(B, lengths, t) : B;
    if (prefix && M > 0) {
      broadcastBias(gt, M, G, bih, bhh);
      matmul(q, QW.wih, M, G, I, x + <usize>t * B * (<usize>I << 2), I, wihPacked, gt, G, 1);
    }
    if (hPrev && M > 0) matmul(q, QW.whh, M, G, W, hPrev, W, whhPacked, gt, G, 1);
    const ht = hs + <usize>t * wStep, ct = cs + <usize>t * hStep;
    const mt = proj ? ms + <usize>t * hStep : ht;
    for (let b = 0; b < B; b++) {
      const mr = mt + <usize>b * hRow, cr = ct + <usize>b * hRow;
      const cp = cPrev ? cPrev + <usize>b * hRow : 0;
      if (!valid(lengths, b, t)) {
        if (proj) memory.fill(mr, 0, hRow); // h is carried after the projection
        else if (hPrev) memory.copy(mr, hPrev + <usize>b * hRow, hRow); else memory.fill(mr, 0, hRow);
        if (cp) memory.copy(cr, cp, hRow); else memory.fill(cr, 0, hRow);
        continue;
      }
      const gr = gt + <usize>b * gRow;
      let j = 0;
      for (; j + 4 <= H; j += 4) lstmUnits(gr, hRow, <usize>j << 2, cp, cr, mr, 4);
      if (j < H) lstmUnits(gr, hRow, <usize>j << 2, cp, cr, mr, H - j);
    }
    if (proj) {
      matmul(q, QW.whr, B, P, H, mt, H, whrPacked, ht, P, 0);
      for (let b = 0; b < B; b++) {
        if (valid(lengths, b, t)) continue;
        const hr = ht + <usize>b * wRow;
        if (hPrev) memory.copy(hr, hPrev + <usize>b * wRow, wRow); else memory.fill(hr, 0, wRow);
      }
    }
  }
}

/**
 * Backward through time. dhs [T][B][W] (0 = none), dhLast [B][W] / dcLast [B][H] (0 = none)
 * are the loss gradients w.r.t. every output, the final h and the final c, where W is
 * P with a projection, else H. Accumulates into dwih, dwhh, dbih, dbhh, dwhr and (when
 * given) dx; writes dh0 / dc0 when given. Scratch: dz [T][B][4H], dhCur, carryH [B][W],
 * carryC [B][H], packScratch packedSize(T·B, max(I, W, H)); with a projection also
 * dhAll [T][B][P] (each step's gradient w.r.t. W_hr m_t) and dm [B][H].
 */
export function lstmBackwardCore(T: i32, B: i32, I: i32, H: i32,
                             x: usize, wihPackedNN: usize, whhPackedNN: usize,
                             h0: usize, c0: usize, lengths: usize,
                             gates: usize, cs: usize, hs: usize,
                             dhs: usize, dhLast: usize, dcLast: usize,
                             dx: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dh0: usize, dc0: usize,
                             dz: usize, dhCur: usize, carryH: usize, carryC: usize, packScratch: usize,
                             P: i32 = 0, whrPackedNN: usize = 0, ms: usize = 0, dwhr: usize = 0, dhAll: usize = 0, dm: usize = 0): void {
  const G = 4 * H;
  const proj = P > 0, W = proj ? P : H;
  const gRow = <usize>G << 2, hRow = <usize>H << 2, wRow = <usize>W << 2;
  const gStep = <usize>B * gRow, hStep = <usize>B * hRow, wStep = <usize>B * wRow;
  if (dhLast) memory.copy(carryH, dhLast, wStep); else memory.fill(carryH, 0, wStep);
  if (dcLast) memory.copy(carryC, dcLast, hStep); else memory.fill(carryC, 0, hStep);
  const prefix = !proj && prefixRows(T, B, lengths);
  for (let t = T - 1; t >= 0; t--) {
    const ho = <usize>t * hStep;
    addInto(dhCur, carryH, dhs ? dhs + <usize>t * wStep : 0, B * W);
    // The gradient w.r.t. m_t: through the projection (valid rows only) or dh itself.
    let dmt = dhCur;
    if (proj) {
      const da = dhAll + <usize>t * wStep;
      for (let b = 0; b < B; b++) {
        const rb = <usize>b * wRow;
        if (valid(lengths, b, t)) memory.copy(da + rb, dhCur + rb, wRow); else memory.fill(da + rb, 0, wRow);
      }
      gemmPacked(B, H, P, da, P, 1, whrPackedNN, dm, H, 0);
      dmt = dm;
    }
    const gt = gates + <usize>t * gStep, dzt = dz + <usize>t * gStep;
    const cPrev = t == 0 ? c0 : cs + ho - hStep;
    for (let b = 0; b < B; b++) {
      const dzr = dzt + <usize>b * gRow;
      if (!valid(lengths, b, t)) {
        memory.fill(dzr, 0, gRow); // carryC passes through unchanged
        continue;
      }
      const gr = gt + <usize>b * gRow;
      const rb = <usize>b * hRow;
      const cr = cs + ho + rb, dhr = dmt + rb, dcr = carryC + rb;
      const cp = cPrev ? cPrev + rb : 0;
      let j = 0;
      for (; j + 4 <= H; j += 4) lstmBackUnits(gr, hRow, <usize>j << 2, cr, dhr, dcr, cp, dzr, 4);
      if (j < H) lstmBackUnits(gr, hRow, <usize>j << 2, cr, dhr, dcr, cp, dzr, H - j);
    }
    if (t > 0 || dh0) {
      const M = prefix ? activeRows(B, lengths, t) : B; // the rows past M are all padding: their dh passes through
      if (M > 0) gemmPacked(M, W, G, dzt, G, 1, whhPackedNN, carryH, W, 0);
      for (let b = 0; b < B; b++) {
        if (!valid(lengths, b, t)) {
          const rb = <usize>b * wRow;
          memory.copy(carryH + rb, dhCur + rb, wRow);
        }
      }
    }
  }
  if (dh0) memory.copy(dh0, carryH, wStep);
  if (dc0) memory.copy(dc0, carryC, hStep);
  // dW_hr += Σ_t dh_tᵀ · m_t over valid rows (dhAll is 0 elsewhere).
  if (proj) gemm(1, 0, P, H, T * B, dhAll, P, ms, H, dwhr, H, 1, packScratch);
  if (prefix) {
    // Step by step over the valid prefix: the padded rows' dz are 0 and add nothing.
    for (let t = 0; t < T; t++) {
      const M = activeRows(B, lengths, t);
      if (M == 0) break;
      const dzt = dz + <usize>t * gStep, xt = x + <usize>t * B * (<usize>I << 2);
      gemm(1, 0, G, I, M, dzt, G, xt, I, dwih, I, 1, packScratch);
      const hPrev = t == 0 ? h0 : hs + <usize>(t - 1) * wStep;
      if (hPrev) gemm(1, 0, G, H, M, dzt, G, hPrev, H, dwhh, H, 1, packScratch);
      if (dbih) addColumnSums(dzt, M, G, dbih, dbhh);
      if (dx) gemmPacked(M, I, G, dzt, G, 1, wihPackedNN, dx + <usize>t * B * (<usize>I << 2), I, 1);
    }
  } else {
    accumulateWeightGradients(T, B, I, W, G, dz, x, hs, h0, wihPackedNN, dx, dwih, dwhh, dbih, dbhh, packScratch);
  }
}

/** lstmForwardCore over an argument block (assembly/recurrent-args.ts); P = 0: no projection. */
export function lstmForward(a: usize): void {
  const P = int(a, Arg.P), folded = int(a, Arg.folded);
  lstmForwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), folded ? 0 : need(a, Arg.x), folded ? 0 : need(a, Arg.wih), need(a, Arg.whh),
    folded ? 0 : bias(a, Arg.bih), folded ? 0 : bias(a, Arg.bhh), opt(a, Arg.h0), opt(a, Arg.c0), need(a, Arg.lengths),
    need(a, Arg.gates), need(a, Arg.saved), need(a, Arg.hs),
    P, P ? need(a, Arg.whr) : 0, P ? need(a, Arg.ms) : 0, opt(a, Arg.quant), folded);
}

/** lstmBackwardCore over an argument block. */
export function lstmBackward(a: usize): void {
  const P = int(a, Arg.P);
  lstmBackwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), need(a, Arg.x), need(a, Arg.wihBack), need(a, Arg.whhBack),
    opt(a, Arg.h0), opt(a, Arg.c0), need(a, Arg.lengths), need(a, Arg.gates), need(a, Arg.saved), need(a, Arg.hs),
    opt(a, Arg.dhs), opt(a, Arg.dhLast), opt(a, Arg.dcLast),
    opt(a, Arg.dx), need(a, Arg.dwih), need(a, Arg.dwhh), bias(a, Arg.dbih), bias(a, Arg.dbhh), opt(a, Arg.dh0), opt(a, Arg.dc0),
    need(a, Arg.dz), need(a, Arg.dhCur), need(a, Arg.carry), need(a, Arg.carryC), need(a, Arg.pack),
    P, P ? need(a, Arg.whrBack) : 0, P ? need(a, Arg.ms) : 0, P ? need(a, Arg.dwhr) : 0, P ? need(a, Arg.dhAll) : 0, P ? need(a, Arg.dm) : 0);
}
