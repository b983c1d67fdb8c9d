// GRU over a whole time-major sequence, PyTorch's nn.GRU cell (gate order r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))          h' = (1 − z) ⊙ n + z ⊙ h
// With resetBefore (ONNX linear_before_reset = 0, Keras reset_after = False) the reset
// gate applies to h before the product: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).
//
// W_hh is used as two packed blocks, rows [0, 2H) (r, z) and [2H, 3H) (n), so both
// variants share one code path: the n block's GEMM takes h (reset after) or r ⊙ h
// (reset before). Saved for the backward: gates [T][B][3H] (activated r, z, n) and
// saved [T][B][H] = W_hn h + b_hn (reset after) or r ⊙ h (reset before).
import { gemm, gemmPacked } from './gemm';
import { matmul, QW } from './qgemm';
import { sigmoidV, tanhV } from './simd-math';
import { broadcastBias, addColumnSums, addInto } from './rows';
import { ld, st } from './partial';
import { Arg, bias, int, need, opt } from './recurrent-args';

@inline function valid(lengths: usize, b: i32, t: i32): bool {
  return t < load<i32>(lengths + (<usize>b << 2));
}

// Pointwise passes, 4 units at a time: the row's body with n = 4 (folded to plain v128
// loads and stores), its last partial chunk with n = H % 4 (as in lstm.ts).

/** r and z activated in place (and r ⊙ h_{t−1} saved, reset before). */
@inline function gruRZUnits(gr: usize, hgr: usize, hRow: usize, o: usize, hp: usize, svr: usize, resetBefore: i32, n: i32): void {
  const r = sigmoidV(f32x4.add(ld(gr + o, n), ld(hgr + o, n)));
  st(gr + o, r, n);
  st(gr + hRow + o, sigmoidV(f32x4.add(ld(gr + hRow + o, n), ld(hgr + hRow + o, n))), n);
  if (resetBefore) st(svr + o, hp ? f32x4.mul(r, ld(hp + o, n)) : f32x4.splat(0), n);
}

/** n = tanh(…) in place, W_hn h + b_hn saved (reset after), h_t written. */
@inline function gruNUnits(gr: usize, hgn: usize, hRow: usize, nOff: usize, o: usize, hp: usize, svr: usize, hr: usize, resetBefore: i32, n: i32): void {
  const hn = ld(hgn + o, n);
  const pre = resetBefore ? hn : f32x4.mul(ld(gr + o, n), hn);
  const nv = tanhV(f32x4.add(ld(gr + nOff + o, n), pre));
  if (!resetBefore) st(svr + o, hn, n);
  st(gr + nOff + o, nv, n);
  const z = ld(gr + hRow + o, n);
  const hpv = hp ? ld(hp + o, n) : f32x4.splat(0);
  st(hr + o, f32x4.add(nv, f32x4.mul(z, f32x4.sub(hpv, nv))), n);
}

/** Gradients of the input-side (dxr) and hidden-side (dhr) pre-activations. */
@inline function gruBackUnits(gr: usize, dxr: usize, dhr: usize, hRow: usize, nOff: usize, o: usize, hp: usize, dhb: usize, svb: usize, resetBefore: i32, n: i32): void {
  const one = f32x4.splat(1);
  const r = ld(gr + o, n), z = ld(gr + hRow + o, n), nv = ld(gr + nOff + o, n);
  const hpv = hp ? ld(hp + o, n) : f32x4.splat(0);
  const dh = ld(dhb + o, n);
  const dnp = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nv, nv)));
  const dzp = f32x4.mul(f32x4.mul(dh, f32x4.sub(hpv, nv)), f32x4.mul(z, f32x4.sub(one, z)));
  st(dxr + hRow + o, dzp, n);
  st(dhr + hRow + o, dzp, n);
  st(dxr + nOff + o, dnp, n);
  if (resetBefore) {
    st(dhr + nOff + o, dnp, n);
  } else {
    const drp = f32x4.mul(f32x4.mul(dnp, ld(svb + o, n)), f32x4.mul(r, f32x4.sub(one, r)));
    st(dxr + o, drp, n);
    st(dhr + o, drp, n);
    st(dhr + nOff + o, f32x4.mul(dnp, r), n);
  }
}

/** Reset before: the reset gate's gradient from d(r ⊙ h) = drh. */
@inline function gruResetBeforeUnits(gr: usize, dxr: usize, dhr: usize, drhr: usize, o: usize, hp: usize, n: i32): void {
  const r = ld(gr + o, n);
  const hpv = hp ? ld(hp + o, n) : f32x4.splat(0);
  const drp = f32x4.mul(f32x4.mul(ld(drhr + o, n), hpv), f32x4.mul(r, f32x4.sub(f32x4.splat(1), r)));
  st(dxr + o, drp, n);
  st(dhr + o, drp, n);
}

/** dh_{t−1} = (what the GEMMs put in carry) + dh ⊙ z (+ drh ⊙ r, reset before). */
@inline function gruCarryUnits(gr: usize, hRow: usize, o: usize, cr: usize, dhb: usize, drhr: usize, resetBefore: i32, n: i32): void {
  let c = f32x4.add(ld(cr + o, n), f32x4.mul(ld(dhb + o, n), ld(gr + hRow + o, n)));
  if (resetBefore) c = f32x4.add(c, f32x4.mul(ld(drhr + o, n), ld(gr + o, n)));
  st(cr + o, c, n);
}

export function gruForwardCore(T: i32, B: i32, I: i32, H: i32,
                           x: usize, wihPacked: usize, whhRZPacked: usize, whhNPacked: usize,
                           bih: usize, bhh: usize, h0: usize, lengths: usize, resetBefore: i32,
                           gates: usize, saved: usize, hs: usize, hg: usize, q: usize = 0, folded: i32 = 0): void {
  const G = 3 * H;
  const gRow = <usize>G << 2, hRow = <usize>H << 2;
  const gStep = <usize>B * gRow, hStep = <usize>B * hRow;
  const nOff = <usize>(2 * H) << 2;
  if (!folded) { // folded: gates already hold table rows = W_ih x + b_ih (b_hh stays in hg: r gates W_hn h + b_hn)
    broadcastBias(gates, T * B, G, bih, 0);
    matmul(q, QW.wih, T * B, G, I, x, I, wihPacked, gates, G, 1);
  }
  for (let t = 0; t < T; t++) {
    const gt = gates + <usize>t * gStep, sv = saved + <usize>t * hStep, ht = hs + <usize>t * hStep;
    const hPrev = t == 0 ? h0 : ht - hStep;
    broadcastBias(hg, B, G, bhh, 0);
    if (hPrev) {
      matmul(q, QW.whh, B, 2 * H, H, hPrev, H, whhRZPacked, hg, G, 1);
      if (!resetBefore) matmul(q, QW.whhN, B, H, H, hPrev, H, whhNPacked, hg + nOff, G, 1);
    }
    // r and z (and r ⊙ h for reset-before).
    for (let b = 0; b < B; b++) {
      const svr = sv + <usize>b * hRow;
      if (!valid(lengths, b, t)) {
        memory.fill(svr, 0, hRow);
        continue;
      }
      const gr = gt + <usize>b * gRow, hgr = hg + <usize>b * gRow;
      const hp = hPrev ? hPrev + <usize>b * hRow : 0;
      let j = 0;
      for (; j + 4 <= H; j += 4) gruRZUnits(gr, hgr, hRow, <usize>j << 2, hp, svr, resetBefore, 4);
      if (j < H) gruRZUnits(gr, hgr, hRow, <usize>j << 2, hp, svr, resetBefore, H - j);
    }
    if (resetBefore && hPrev) matmul(q, QW.whhN, B, H, H, sv, H, whhNPacked, hg + nOff, G, 1);
    // n and h.
    for (let b = 0; b < B; b++) {
      const hr = ht + <usize>b * hRow;
      const hp = hPrev ? hPrev + <usize>b * hRow : 0;
      if (!valid(lengths, b, t)) {
        if (hp) memory.copy(hr, hp, hRow); else memory.fill(hr, 0, hRow);
        continue;
      }
      const gr = gt + <usize>b * gRow, hgn = hg + <usize>b * gRow + nOff, svr = sv + <usize>b * hRow;
      let j = 0;
      for (; j + 4 <= H; j += 4) gruNUnits(gr, hgn, hRow, nOff, <usize>j << 2, hp, svr, hr, resetBefore, 4);
      if (j < H) gruNUnits(gr, hgn, hRow, nOff, <usize>j << 2, hp, svr, hr, resetBefore, H - j);
    }
  }
}

/**
 * Backward through time; arguments as lstmBackwardCore. Scratch: dxg and dhg
 * [T][B][3H] (gradients w.r.t. the input-side and hidden-side pre-activations),
 * dhCur, carry, drh [B][H], packScratch packedSize(T·B, max(I, H)).
 */
export function gruBackwardCore(T: i32, B: i32, I: i32, H: i32,
                            x: usize, wihPackedNN: usize, whhRZPackedNN: usize, whhNPackedNN: usize,
                            h0: usize, lengths: usize, resetBefore: i32,
                            gates: usize, saved: usize, hs: usize, dhs: usize, dhLast: usize,
                            dx: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dh0: usize,
                            dxg: usize, dhg: usize, dhCur: usize, carry: usize, drh: usize, packScratch: usize): void {
  const G = 3 * H;
  const gRow = <usize>G << 2, hRow = <usize>H << 2;
  const gStep = <usize>B * gRow, hStep = <usize>B * hRow;
  const nOff = <usize>(2 * H) << 2;
  if (dhLast) memory.copy(carry, dhLast, hStep); else memory.fill(carry, 0, hStep);
  for (let t = T - 1; t >= 0; t--) {
    const ho = <usize>t * hStep;
    addInto(dhCur, carry, dhs ? dhs + ho : 0, B * H);
    const gt = gates + <usize>t * gStep, dxt = dxg + <usize>t * gStep, dht = dhg + <usize>t * gStep;
    const hPrev = t == 0 ? h0 : hs + ho - hStep;
    for (let b = 0; b < B; b++) {
      const gro = <usize>b * gRow;
      if (!valid(lengths, b, t)) {
        memory.fill(dxt + gro, 0, gRow);
        memory.fill(dht + gro, 0, gRow);
        continue;
      }
      const gr = gt + gro, dxr = dxt + gro, dhr = dht + gro;
      const rb = <usize>b * hRow;
      const hp = hPrev ? hPrev + rb : 0;
      const dhb = dhCur + rb, svb = saved + ho + rb;
      let j = 0;
      for (; j + 4 <= H; j += 4) gruBackUnits(gr, dxr, dhr, hRow, nOff, <usize>j << 2, hp, dhb, svb, resetBefore, 4);
      if (j < H) gruBackUnits(gr, dxr, dhr, hRow, nOff, <usize>j << 2, hp, dhb, svb, resetBefore, H - j);
    }
    if (resetBefore) {
      // d(r ⊙ h) = dn_pre · W_hn, then the reset gate's gradient from it.
      gemmPacked(B, H, H, dht + nOff, G, 1, whhNPackedNN, drh, H, 0);
      for (let b = 0; b < B; b++) {
        if (!valid(lengths, b, t)) continue;
        const gro = <usize>b * gRow, rb = <usize>b * hRow;
        const hp = hPrev ? hPrev + rb : 0;
        let j = 0;
        for (; j + 4 <= H; j += 4) gruResetBeforeUnits(gt + gro, dxt + gro, dht + gro, drh + rb, <usize>j << 2, hp, 4);
        if (j < H) gruResetBeforeUnits(gt + gro, dxt + gro, dht + gro, drh + rb, <usize>j << 2, hp, H - j);
      }
    }
    if (t > 0 || dh0) {
      gemmPacked(B, H, 2 * H, dht, G, 1, whhRZPackedNN, carry, H, 0);
      if (!resetBefore) gemmPacked(B, H, H, dht + nOff, G, 1, whhNPackedNN, carry, H, 1);
      for (let b = 0; b < B; b++) {
        const rb = <usize>b * hRow;
        if (!valid(lengths, b, t)) {
          memory.copy(carry + rb, dhCur + rb, hRow);
          continue;
        }
        const gr = gt + <usize>b * gRow;
        let j = 0;
        for (; j + 4 <= H; j += 4) gruCarryUnits(gr, hRow, <usize>j << 2, carry + rb, dhCur + rb, drh + rb, resetBefore, 4);
        if (j < H) gruCarryUnits(gr, hRow, <usize>j << 2, carry + rb, dhCur + rb, drh + rb, resetBefore, H - j);
      }
    }
  }
  if (dh0) memory.copy(dh0, carry, hStep);
  gemm(1, 0, G, I, T * B, dxg, G, x, I, dwih, I, 1, packScratch);
  // Rows [0, 2H) of dW_hh (and all 3H rows when the reset comes after): dhgᵀ · h_{t-1}.
  const Mh = resetBefore ? 2 * H : G;
  if (T > 1) gemm(1, 0, Mh, H, (T - 1) * B, dhg + gStep, G, hs, H, dwhh, H, 1, packScratch);
  if (h0) gemm(1, 0, Mh, H, B, dhg, G, h0, H, dwhh, H, 1, packScratch);
  if (resetBefore) gemm(1, 0, H, H, T * B, dhg + nOff, G, saved, H, dwhh + (<usize>(2 * H * H) << 2), H, 1, packScratch);
  if (dbih) addColumnSums(dxg, T * B, G, dbih, 0);
  if (dbhh) addColumnSums(dhg, T * B, G, dbhh, 0);
  if (dx) gemmPacked(T * B, I, G, dxg, G, 1, wihPackedNN, dx, I, 1);
}

/** gruForwardCore over an argument block (assembly/recurrent-args.ts). */
export function gruForward(a: usize): void {
  const folded = int(a, Arg.folded);
  gruForwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), folded ? 0 : need(a, Arg.x), folded ? 0 : need(a, Arg.wih), need(a, Arg.whh),
    need(a, Arg.whhN), folded ? 0 : bias(a, Arg.bih), bias(a, Arg.bhh), opt(a, Arg.h0), need(a, Arg.lengths), int(a, Arg.variant),
    need(a, Arg.gates), need(a, Arg.saved), need(a, Arg.hs), need(a, Arg.hg), opt(a, Arg.quant), folded);
}

/** gruBackwardCore over an argument block. */
export function gruBackward(a: usize): void {
  gruBackwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), need(a, Arg.x), need(a, Arg.wihBack), need(a, Arg.whhBack),
    need(a, Arg.whhNBack), opt(a, Arg.h0), need(a, Arg.lengths), int(a, Arg.variant),
    need(a, Arg.gates), need(a, Arg.saved), need(a, Arg.hs), opt(a, Arg.dhs), opt(a, Arg.dhLast),
    opt(a, Arg.dx), need(a, Arg.dwih), need(a, Arg.dwhh), bias(a, Arg.dbih), bias(a, Arg.dbhh), opt(a, Arg.dh0),
    need(a, Arg.dz), need(a, Arg.dhg), need(a, Arg.dhCur), need(a, Arg.carry), need(a, Arg.drh), need(a, Arg.pack));
}
