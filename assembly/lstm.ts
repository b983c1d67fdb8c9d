// LSTM over a whole time-major sequence, PyTorch's nn.LSTM cell (gate order i, f, g, o):
//   [zi zf zg zo] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//   i = σ(zi)  f = σ(zf)  g = tanh(zg)  o = σ(zo)
//   c_t = f ⊙ c_{t-1} + i ⊙ g      h_t = o ⊙ tanh(c_t)
// Layout: x [T][B][I]; gates [T][B][4H] (activated i, f, g, o, saved for the backward);
// cs, hs [T][B][H]. Rows past their length carry (h, c). Weights packed as in rnn.ts.
import { gemmPacked } from './gemm';
import { sigmoidV, tanhV } from './simd-math';
import { broadcastBias, addInto } from './rows';
import { accumulateWeightGradients } from './weight-grads';
import { ld, st } from './partial';
import { Arg, bias, int, need, opt } from './recurrent-args';

@inline function valid(lengths: usize, b: i32, t: i32): bool {
  return t < load<i32>(lengths + (<usize>b << 2));
}

export function lstmForwardCore(T: i32, B: i32, I: i32, H: i32,
                            x: usize, wihPacked: usize, whhPacked: usize, bih: usize, bhh: usize,
                            h0: usize, c0: usize, lengths: usize,
                            gates: usize, cs: usize, hs: usize): void {
  const G = 4 * H;
  const gRow = <usize>G << 2, hRow = <usize>H << 2;
  const gStep = <usize>B * gRow, hStep = <usize>B * hRow;
  broadcastBias(gates, T * B, G, bih, bhh);
  gemmPacked(T * B, G, I, x, I, 1, wihPacked, gates, G, 1);
  for (let t = 0; t < T; t++) {
    const gt = gates + <usize>t * gStep;
    const hPrev = t == 0 ? h0 : hs + <usize>(t - 1) * hStep;
    const cPrev = t == 0 ? c0 : cs + <usize>(t - 1) * hStep;
    if (hPrev) gemmPacked(B, G, H, hPrev, H, 1, whhPacked, gt, G, 1);
    const ht = hs + <usize>t * hStep, ct = cs + <usize>t * hStep;
    for (let b = 0; b < B; b++) {
      const hr = ht + <usize>b * hRow, cr = ct + <usize>b * hRow;
      const hp = hPrev ? hPrev + <usize>b * hRow : 0, cp = cPrev ? cPrev + <usize>b * hRow : 0;
      if (!valid(lengths, b, t)) {
        if (hp) memory.copy(hr, hp, hRow); else memory.fill(hr, 0, hRow);
        if (cp) memory.copy(cr, cp, hRow); else memory.fill(cr, 0, hRow);
        continue;
      }
      const gr = gt + <usize>b * gRow;
      for (let j = 0; j < H; j += 4) {
        const n = min(4, H - j);
        const o = <usize>j << 2;
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
        st(hr + o, f32x4.mul(og, tanhV(c)), n);
      }
    }
  }
}

/**
 * Backward through time. dhs [T][B][H] (0 = none), dhLast / dcLast [B][H] (0 = none)
 * are the loss gradients w.r.t. every output, the final h and the final c.
 * Accumulates into dwih, dwhh, dbih, dbhh and (when given) dx; writes dh0 / dc0 when given.
 * Scratch: dz [T][B][4H], dhCur, carryH, carryC [B][H], packScratch packedSize(T·B, max(I, H)).
 */
export function lstmBackwardCore(T: i32, B: i32, I: i32, H: i32,
                             x: usize, wihPackedNN: usize, whhPackedNN: usize,
                             h0: usize, c0: usize, lengths: usize,
                             gates: usize, cs: usize, hs: usize,
                             dhs: usize, dhLast: usize, dcLast: usize,
                             dx: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dh0: usize, dc0: usize,
                             dz: usize, dhCur: usize, carryH: usize, carryC: usize, packScratch: usize): void {
  const G = 4 * H;
  const gRow = <usize>G << 2, hRow = <usize>H << 2;
  const gStep = <usize>B * gRow, hStep = <usize>B * hRow;
  const one = f32x4.splat(1);
  if (dhLast) memory.copy(carryH, dhLast, hStep); else memory.fill(carryH, 0, hStep);
  if (dcLast) memory.copy(carryC, dcLast, hStep); else memory.fill(carryC, 0, hStep);
  for (let t = T - 1; t >= 0; t--) {
    const ho = <usize>t * hStep;
    addInto(dhCur, carryH, dhs ? dhs + ho : 0, B * H);
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
      const cr = cs + ho + rb, dhr = dhCur + rb, dcr = carryC + rb;
      const cp = cPrev ? cPrev + rb : 0;
      for (let j = 0; j < H; j += 4) {
        const n = min(4, H - j);
        const o = <usize>j << 2;
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
    }
    if (t > 0 || dh0) {
      gemmPacked(B, H, G, dzt, G, 1, whhPackedNN, carryH, H, 0);
      for (let b = 0; b < B; b++) {
        if (!valid(lengths, b, t)) {
          const rb = <usize>b * hRow;
          memory.copy(carryH + rb, dhCur + rb, hRow);
        }
      }
    }
  }
  if (dh0) memory.copy(dh0, carryH, hStep);
  if (dc0) memory.copy(dc0, carryC, hStep);
  accumulateWeightGradients(T, B, I, H, G, dz, x, hs, h0, wihPackedNN, dx, dwih, dwhh, dbih, dbhh, packScratch);
}

/** lstmForwardCore over an argument block (assembly/recurrent-args.ts). */
export function lstmForward(a: usize): void {
  lstmForwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), need(a, Arg.x), need(a, Arg.wih), need(a, Arg.whh),
    bias(a, Arg.bih), bias(a, Arg.bhh), opt(a, Arg.h0), opt(a, Arg.c0), need(a, Arg.lengths),
    need(a, Arg.gates), need(a, Arg.saved), need(a, Arg.hs));
}

/** lstmBackwardCore over an argument block. */
export function lstmBackward(a: usize): void {
  lstmBackwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), need(a, Arg.x), need(a, Arg.wihBack), need(a, Arg.whhBack),
    opt(a, Arg.h0), opt(a, Arg.c0), need(a, Arg.lengths), need(a, Arg.gates), need(a, Arg.saved), need(a, Arg.hs),
    opt(a, Arg.dhs), opt(a, Arg.dhLast), opt(a, Arg.dcLast),
    opt(a, Arg.dx), need(a, Arg.dwih), need(a, Arg.dwhh), bias(a, Arg.dbih), bias(a, Arg.dbhh), opt(a, Arg.dh0), opt(a, Arg.dc0),
    need(a, Arg.dz), need(a, Arg.dhCur), need(a, Arg.carry), need(a, Arg.carryC), need(a, Arg.pack));
}
