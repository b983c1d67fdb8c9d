// Attention of one decoder step over a time-major sequence of encoder outputs, every
// batch row in one call:
//   kind 0 (Luong dot; 'general' passes keys = W_a h̄):  score[b][s] = q_b · k_{s,b}
//   kind 1 (additive, Bahdanau; q = W_2 h, k = W_1 h̄):  score[b][s] = v · tanh(q_b + k_{s,b})
//   a_b = softmax of score[b][·] over s < lengths[b] (padded positions get weight 0)
//   ctx_b = Σ_s a_b[s] · values_{s,b}
// Layout: q [B][K], keys [S][B][K], values [S][B][V], weights [B][S], ctx rows of
// stride ldc floats (so the context can land in its columns of [c; h]).
import { tanhV, expS } from './simd-math';
import { ld, st } from './partial';

@inline function rowAt(base: usize, s: i32, B: i32, b: i32, width: i32): usize {
  return base + (<usize>(s * B + b) * <usize>width << 2);
}

@inline function lengthOf(lengths: usize, b: i32, S: i32): i32 {
  return min(max(load<i32>(lengths + (<usize>b << 2)), 0), S);
}

/** The unnormalised score of one (s, b) pair. */
@inline function score(kind: i32, K: i32, qb: usize, kr: usize, v: usize): f32 {
  let acc = f32x4.splat(0);
  for (let j = 0; j < K; j += 4) {
    const n = min(4, K - j), o = <usize>j << 2;
    if (kind == 0) acc = f32x4.add(acc, f32x4.mul(ld(qb + o, n), ld(kr + o, n)));
    else acc = f32x4.add(acc, f32x4.mul(ld(v + o, n), tanhV(f32x4.add(ld(qb + o, n), ld(kr + o, n)))));
  }
  return f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
}

export function attentionForward(kind: i32, B: i32, S: i32, K: i32, V: i32, q: usize, keys: usize, v: usize,
                                 values: usize, lengths: usize, weights: usize, ctx: usize, ldc: i32): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, S);
    const w = weights + (<usize>(b * S) << 2), qb = q + (<usize>(b * K) << 2), cb = ctx + (<usize>(b * ldc) << 2);
    let mx: f32 = -Infinity;
    for (let s = 0; s < len; s++) {
      const e = score(kind, K, qb, rowAt(keys, s, B, b, K), v);
      store<f32>(w + (<usize>s << 2), e);
      mx = max(mx, e);
    }
    let sum: f32 = 0;
    for (let s = 0; s < len; s++) {
      const e = expS(load<f32>(w + (<usize>s << 2)) - mx);
      store<f32>(w + (<usize>s << 2), e);
      sum += e;
    }
    const inv: f32 = len > 0 ? 1 / sum : 0;
    for (let s = 0; s < S; s++) store<f32>(w + (<usize>s << 2), s < len ? load<f32>(w + (<usize>s << 2)) * inv : 0);
    for (let j = 0; j < V; j += 4) {
      const n = min(4, V - j), o = <usize>j << 2;
      let acc = f32x4.splat(0);
      for (let s = 0; s < len; s++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(w + (<usize>s << 2))), ld(rowAt(values, s, B, b, V) + o, n)));
      st(cb + o, acc, n);
    }
  }
}

/**
 * Backward of attentionForward from dctx (rows of stride lddc), with the weights it
 * saved. Accumulates into dq [B][K], dkeys [S][B][K], dvalues [S][B][V] and (kind 1)
 * dv [K]; dkeys and dvalues may be the same buffer (dot attention over h̄ itself).
 * scratch holds S floats.
 */
export function attentionBackward(kind: i32, B: i32, S: i32, K: i32, V: i32, q: usize, keys: usize, v: usize,
                                  values: usize, lengths: usize, weights: usize, dctx: usize, lddc: i32,
                                  dq: usize, dkeys: usize, dv: usize, dvalues: usize, scratch: usize): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, S);
    const w = weights + (<usize>(b * S) << 2), qb = q + (<usize>(b * K) << 2), db = dctx + (<usize>(b * lddc) << 2);
    const dqb = dq + (<usize>(b * K) << 2);
    // dA[s] = dctx · values_s; dvalues_s += a[s] dctx; then the softmax's backward.
    let dot: f32 = 0;
    for (let s = 0; s < len; s++) {
      const vr = rowAt(values, s, B, b, V), dvr = rowAt(dvalues, s, B, b, V);
      const as = f32x4.splat(load<f32>(w + (<usize>s << 2)));
      let acc = f32x4.splat(0);
      for (let j = 0; j < V; j += 4) {
        const n = min(4, V - j), o = <usize>j << 2;
        const g = ld(db + o, n);
        acc = f32x4.add(acc, f32x4.mul(g, ld(vr + o, n)));
        st(dvr + o, f32x4.add(ld(dvr + o, n), f32x4.mul(as, g)), n);
      }
      const da = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      store<f32>(scratch + (<usize>s << 2), da);
      dot += da * load<f32>(w + (<usize>s << 2));
    }
    for (let s = 0; s < len; s++) {
      const ds = load<f32>(w + (<usize>s << 2)) * (load<f32>(scratch + (<usize>s << 2)) - dot);
      const kr = rowAt(keys, s, B, b, K), dkr = rowAt(dkeys, s, B, b, K), dsv = f32x4.splat(ds);
      for (let j = 0; j < K; j += 4) {
        const n = min(4, K - j), o = <usize>j << 2;
        if (kind == 0) {
          st(dqb + o, f32x4.add(ld(dqb + o, n), f32x4.mul(dsv, ld(kr + o, n))), n);
          st(dkr + o, f32x4.add(ld(dkr + o, n), f32x4.mul(dsv, ld(qb + o, n))), n);
        } else {
          const u = tanhV(f32x4.add(ld(qb + o, n), ld(kr + o, n)));
          const g = f32x4.mul(f32x4.mul(dsv, ld(v + o, n)), f32x4.sub(one, f32x4.mul(u, u)));
          st(dqb + o, f32x4.add(ld(dqb + o, n), g), n);
          st(dkr + o, f32x4.add(ld(dkr + o, n), g), n);
          st(dv + o, f32x4.add(ld(dv + o, n), f32x4.mul(dsv, u)), n);
        }
      }
    }
  }
}
