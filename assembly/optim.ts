// Optimizer updates and gradient reductions, each one pass over a flat f32 buffer
// of n parameters, following PyTorch's torch.optim formulas.
import { addInto } from './rows';

/**
 * SGD: d = g + wd·p; with momentum, buf = first ? d : μ·buf + (1 − dampening)·d and
 * d = nesterov ? d + μ·buf : buf; then p −= lr·d.
 */
export function sgdStep(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32,
                        dampening: f32, weightDecay: f32, nesterov: i32, first: i32): void {
  const lrV = f32x4.splat(lr), muV = f32x4.splat(momentum), dampV = f32x4.splat(1 - dampening);
  const wdV = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    let d = f32x4.add(v128.load(g + o), f32x4.mul(wdV, pv));
    if (momentum != 0) {
      const bv = first ? d : f32x4.add(f32x4.mul(muV, v128.load(buf + o)), f32x4.mul(dampV, d));
      v128.store(buf + o, bv);
      d = nesterov ? f32x4.add(d, f32x4.mul(muV, bv)) : bv;
    }
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(lrV, d)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o) + weightDecay * pv;
    if (momentum != 0) {
      const bv: f32 = first ? d : momentum * load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(buf + o, bv);
      d = nesterov ? d + momentum * bv : bv;
    }
    store<f32>(p + o, pv - lr * d);
  }
}

/**
 * Adam (decoupled = 0: L2 weight decay added to g) / AdamW (decoupled = 1:
 * p *= 1 − lr·wd). m and v are the moments; bc1 = 1 − β1^t, bc2Sqrt = √(1 − β2^t):
 * p −= (lr / bc1) · m / (√v / bc2Sqrt + eps), as torch.optim.Adam computes it.
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
                         eps: f32, weightDecay: f32, decoupled: i32, bc1: f32, bc2Sqrt: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const epsV = f32x4.splat(eps), wdV = f32x4.splat(weightDecay);
  const decay = f32x4.splat(1 - lr * weightDecay);
  const stepV = f32x4.splat(lr / bc1), bc2V = f32x4.splat(bc2Sqrt);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let pv = v128.load(p + o);
    let gv = v128.load(g + o);
    if (decoupled) pv = f32x4.mul(pv, decay);
    else gv = f32x4.add(gv, f32x4.mul(wdV, pv));
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), bc2V), epsV);
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(stepV, f32x4.div(mv, denom))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let pv = load<f32>(p + o);
    let gv = load<f32>(g + o);
    if (decoupled) pv *= 1 - lr * weightDecay;
    else gv += weightDecay * pv;
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, pv - (lr / bc1) * mv / (Mathf.sqrt(vv) / bc2Sqrt + eps));
  }
}

/**
 * RMSprop as torch.optim.RMSprop: g += wd·p; v = α·v + (1 − α)·g²; centered: m = α·m + (1 − α)·g
 * and avg = √(v − m²) + eps, else avg = √v + eps; with momentum buf = μ·buf + g/avg and
 * p −= lr·buf, else p −= lr·g/avg. m and buf may be 0 when unused.
 */
export function rmspropStep(p: usize, g: usize, v: usize, m: usize, buf: usize, n: i32, lr: f32, alpha: f32,
                            eps: f32, weightDecay: f32, momentum: f32): void {
  const aV = f32x4.splat(alpha), cV = f32x4.splat(1 - alpha), eV = f32x4.splat(eps), wdV = f32x4.splat(weightDecay);
  const lrV = f32x4.splat(lr), muV = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(wdV, pv));
    const vv = f32x4.add(f32x4.mul(aV, v128.load(v + o)), f32x4.mul(cV, f32x4.mul(gv, gv)));
    v128.store(v + o, vv);
    let avg: v128;
    if (m) {
      const mv = f32x4.add(f32x4.mul(aV, v128.load(m + o)), f32x4.mul(cV, gv));
      v128.store(m + o, mv);
      avg = f32x4.add(f32x4.sqrt(f32x4.sub(vv, f32x4.mul(mv, mv))), eV);
    } else {
      avg = f32x4.add(f32x4.sqrt(vv), eV);
    }
    let step = f32x4.div(gv, avg);
    if (buf) {
      step = f32x4.add(f32x4.mul(muV, v128.load(buf + o)), step);
      v128.store(buf + o, step);
    }
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(lrV, step)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    const vv = alpha * load<f32>(v + o) + (1 - alpha) * gv * gv;
    store<f32>(v + o, vv);
    let avg: f32;
    if (m) {
      const mv = alpha * load<f32>(m + o) + (1 - alpha) * gv;
      store<f32>(m + o, mv);
      avg = Mathf.sqrt(vv - mv * mv) + eps;
    } else {
      avg = Mathf.sqrt(vv) + eps;
    }
    let step = gv / avg;
    if (buf) {
      step = momentum * load<f32>(buf + o) + step;
      store<f32>(buf + o, step);
    }
    store<f32>(p + o, pv - lr * step);
  }
}

/** Adagrad as torch.optim.Adagrad: g += wd·p; sum += g²; p −= clr·g / (√sum + eps), clr the decayed rate. */
export function adagradStep(p: usize, g: usize, sum: usize, n: i32, clr: f32, eps: f32, weightDecay: f32): void {
  const lrV = f32x4.splat(clr), eV = f32x4.splat(eps), wdV = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(wdV, pv));
    const sv = f32x4.add(v128.load(sum + o), f32x4.mul(gv, gv));
    v128.store(sum + o, sv);
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(lrV, f32x4.div(gv, f32x4.add(f32x4.sqrt(sv), eV)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    const sv = load<f32>(sum + o) + gv * gv;
    store<f32>(sum + o, sv);
    store<f32>(p + o, pv - clr * gv / (Mathf.sqrt(sv) + eps));
  }
}

/** Sum of squares accumulated in f64 (the global gradient norm is its square root). */
export function sumSquares(x: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const sq = f32x4.mul(v, v);
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(sq));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(sq, sq, 2, 3, 0, 1)));
  }
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1) + f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** x += y over n floats (summing gradients computed by several threads). */
export function addInPlace(x: usize, y: usize, n: i32): void {
  addInto(x, x, y, n);
}

/** x *= s (gradient clipping by global norm). */
export function scaleInPlace(x: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) * s);
  }
}

/** x = min(max(x, lo), hi) (gradient clipping by value). */
export function clampInPlace(x: usize, n: i32, lo: f32, hi: f32): void {
  const lv = f32x4.splat(lo), hv = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.pmin(f32x4.pmax(v128.load(x + o), lv), hv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, min(max(load<f32>(x + o), lo), hi));
  }
}

/** 1 when any of x[0..n) is NaN or ±Inf, else 0. */
export function hasNonFinite(x: usize, n: i32): i32 {
  // x − x is 0 for finite x and NaN for NaN/Inf; NaN != NaN.
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const d = f32x4.sub(v, v);
    bad = v128.or(bad, f32x4.ne(d, d));
  }
  if (v128.any_true(bad)) return 1;
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return 1;
  }
  return 0;
}
