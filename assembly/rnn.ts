// Elman RNN over a whole time-major sequence: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).
//
// Layout: x [T][B][I], hs [T][B][H]. lengths (i32[B]) mark the valid steps of each
// row: at t >= lengths[b] the state is carried (h_t = h_{t-1}) and the step gets no
// gradient. Weights arrive packed by packB: for the forward, W_ih and W_hh as
// transposed B operands (x · W_ihᵀ, h · W_hhᵀ); for the backward, untransposed
// (dz · W_ih, dz · W_hh). act: 0 = tanh, 1 = relu.
import { gemmPacked } from './gemm';
import { matmul, QW } from './qgemm';
import { tanhV, tanhS } from './simd-math';
import { broadcastBias, addInto } from './rows';
import { accumulateWeightGradients } from './weight-grads';
import { Arg, bias, int, need, opt } from './recurrent-args';

@inline function activateRow(z: usize, n: i32, relu: bool): void {
  let j = 0;
  if (relu) {
    const zero = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(z + o, f32x4.pmax(v128.load(z + o), zero));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(z + o);
      store<f32>(z + o, v > 0 ? v : 0);
    }
  } else {
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(z + o, tanhV(v128.load(z + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(z + o, tanhS(load<f32>(z + o)));
    }
  }
}

/** dz = dh ⊙ act'(h), with act' written in terms of the output h. */
@inline function activationGradRow(dz: usize, dh: usize, h: usize, n: i32, relu: bool): void {
  let j = 0;
  if (relu) {
    const zero = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const pos = f32x4.gt(v128.load(h + o), zero);
      v128.store(dz + o, v128.and(v128.load(dh + o), pos));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(dz + o, load<f32>(h + o) > 0 ? load<f32>(dh + o) : 0);
    }
  } else {
    const one = f32x4.splat(1);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const hv = v128.load(h + o);
      v128.store(dz + o, f32x4.mul(v128.load(dh + o), f32x4.sub(one, f32x4.mul(hv, hv))));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const hv = load<f32>(h + o);
      store<f32>(dz + o, load<f32>(dh + o) * (1 - hv * hv));
    }
  }
}

/**
 * Forward over all T steps. h0 = 0 means a zero initial state. hs receives every
 * step's state (what the backward needs, and the layer's output).
 */
export function rnnForwardCore(T: i32, B: i32, I: i32, H: i32,
                           x: usize, wihPacked: usize, whhPacked: usize, bih: usize, bhh: usize,
                           h0: usize, lengths: usize, act: i32, hs: usize, q: usize = 0, folded: i32 = 0): void {
  const relu = act == 1;
  const stepBytes = <usize>B * <usize>H << 2;
  const rowBytes = <usize>H << 2;
  // Input projection for all T·B rows at once, onto the summed biases (folded: hs
  // already holds table rows = W_ih x + b_ih + b_hh).
  if (!folded) {
    broadcastBias(hs, T * B, H, bih, bhh);
    matmul(q, QW.wih, T * B, H, I, x, I, wihPacked, hs, H, 1);
  }
  for (let t = 0; t < T; t++) {
    const z = hs + <usize>t * stepBytes;
    const prev = t == 0 ? h0 : z - stepBytes;
    if (prev) matmul(q, QW.whh, B, H, H, prev, H, whhPacked, z, H, 1);
    for (let b = 0; b < B; b++) {
      const zr = z + <usize>b * rowBytes;
      if (t < load<i32>(lengths + (<usize>b << 2))) activateRow(zr, H, relu);
      else if (prev) memory.copy(zr, prev + <usize>b * rowBytes, rowBytes);
      else memory.fill(zr, 0, rowBytes);
    }
  }
}

/**
 * Backward through time. dhs [T][B][H] is the loss gradient w.r.t. each step's
 * output (0 = none), dhLast [B][H] w.r.t. the final state (0 = none).
 * Accumulates (+=) into dwih, dwhh, dbih, dbhh and, when given, dx; writes dh0 when given.
 * Scratch: dz [T][B][H], dhCur and carry [B][H] each, packScratch of
 * packedSize(T·B, max(I, H)) floats for the weight-gradient GEMMs.
 */
export function rnnBackwardCore(T: i32, B: i32, I: i32, H: i32,
                            x: usize, wihPackedNN: usize, whhPackedNN: usize,
                            h0: usize, lengths: usize, act: i32, hs: usize,
                            dhs: usize, dhLast: usize,
                            dx: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dh0: usize,
                            dz: usize, dhCur: usize, carry: usize, packScratch: usize): void {
  const relu = act == 1;
  const BH = B * H;
  const stepBytes = <usize>BH << 2;
  const rowBytes = <usize>H << 2;
  if (dhLast) memory.copy(carry, dhLast, stepBytes);
  else memory.fill(carry, 0, stepBytes);
  for (let t = T - 1; t >= 0; t--) {
    const off = <usize>t * stepBytes;
    addInto(dhCur, carry, dhs ? dhs + off : 0, BH);
    const dzt = dz + off;
    for (let b = 0; b < B; b++) {
      const ro = <usize>b * rowBytes;
      if (t < load<i32>(lengths + (<usize>b << 2))) activationGradRow(dzt + ro, dhCur + ro, hs + off + ro, H, relu);
      else memory.fill(dzt + ro, 0, rowBytes);
    }
    // carry = dz_t · W_hh; padded rows pass their gradient through unchanged.
    if (t > 0 || dh0) {
      gemmPacked(B, H, H, dzt, H, 1, whhPackedNN, carry, H, 0);
      for (let b = 0; b < B; b++) {
        if (t >= load<i32>(lengths + (<usize>b << 2))) {
          const ro = <usize>b * rowBytes;
          memory.copy(carry + ro, dhCur + ro, rowBytes);
        }
      }
    }
  }
  if (dh0) memory.copy(dh0, carry, stepBytes);
  accumulateWeightGradients(T, B, I, H, H, dz, x, hs, h0, wihPackedNN, dx, dwih, dwhh, dbih, dbhh, packScratch);
}

/** rnnForwardCore over an argument block (assembly/recurrent-args.ts). */
export function rnnForward(a: usize): void {
  const folded = int(a, Arg.folded);
  rnnForwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), folded ? 0 : need(a, Arg.x), folded ? 0 : need(a, Arg.wih), need(a, Arg.whh),
    folded ? 0 : bias(a, Arg.bih), folded ? 0 : bias(a, Arg.bhh), opt(a, Arg.h0), need(a, Arg.lengths), int(a, Arg.variant), need(a, Arg.hs), opt(a, Arg.quant), folded);
}

/** rnnBackwardCore over an argument block. */
export function rnnBackward(a: usize): void {
  rnnBackwardCore(int(a, Arg.T), int(a, Arg.B), int(a, Arg.I), int(a, Arg.H), need(a, Arg.x), need(a, Arg.wihBack), need(a, Arg.whhBack),
    opt(a, Arg.h0), need(a, Arg.lengths), int(a, Arg.variant), need(a, Arg.hs), opt(a, Arg.dhs), opt(a, Arg.dhLast),
    opt(a, Arg.dx), need(a, Arg.dwih), need(a, Arg.dwhh), bias(a, Arg.dbih), bias(a, Arg.dbhh), opt(a, Arg.dh0),
    need(a, Arg.dz), need(a, Arg.dhCur), need(a, Arg.carry), need(a, Arg.pack));
}
