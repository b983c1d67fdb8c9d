// Losses over R rows. A target of -1 (cross-entropy) or a mask of 0 (MSE) marks a
// padded step: it adds nothing to the loss and gets a zero gradient.
import { expV, expS } from './simd-math';

/**
 * Row-wise softmax of logits [R][C] into probs, and the summed negative
 * log-likelihood of targets (i32[R], -1 = ignore), computed as
 * log(sum exp(x - max)) + max - x_target so it stays finite for large logits.
 */
export function softmaxCrossEntropyForward(R: i32, C: i32, logits: usize, targets: usize, probs: usize): f64 {
  const rowBytes = <usize>C << 2;
  let loss: f64 = 0;
  for (let r = 0; r < R; r++) {
    const x = logits + <usize>r * rowBytes;
    const p = probs + <usize>r * rowBytes;
    // The row's max 4 lanes at a time (with H = 16 and 64 classes the softmax is a fifth of
    // a forward). pmax may skip a NaN, but a NaN logit still makes its exp, the sum and so
    // every probability of the row NaN.
    let mx = load<f32>(x);
    let j0 = 1;
    if (C >= 8) {
      let m4 = v128.load(x);
      j0 = C & ~3;
      for (let j = 4; j < j0; j += 4) m4 = f32x4.pmax(m4, v128.load(x + (<usize>j << 2)));
      mx = max(max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)), max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)));
    }
    for (let j = j0; j < C; j++) mx = max(mx, load<f32>(x + (<usize>j << 2)));
    const mv = f32x4.splat(mx);
    let sv = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j << 2;
      const e = expV(f32x4.sub(v128.load(x + o), mv));
      v128.store(p + o, e);
      sv = f32x4.add(sv, e);
    }
    let sum: f32 = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
    for (; j < C; j++) {
      const o = <usize>j << 2;
      const e = expS(load<f32>(x + o) - mx);
      store<f32>(p + o, e);
      sum += e;
    }
    const inv = f32x4.splat(1 / sum);
    j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j << 2;
      v128.store(p + o, f32x4.mul(v128.load(p + o), inv));
    }
    for (; j < C; j++) {
      const o = <usize>j << 2;
      store<f32>(p + o, load<f32>(p + o) / sum);
    }
    const t = load<i32>(targets + (<usize>r << 2));
    if (t >= 0) loss += Math.log(<f64>sum) + <f64>mx - <f64>load<f32>(x + (<usize>t << 2));
  }
  return loss;
}

/** dlogits = scale · (probs − onehot(target)) on rows with a target, 0 elsewhere. */
export function softmaxCrossEntropyBackward(R: i32, C: i32, probs: usize, targets: usize, scale: f32, dlogits: usize): void {
  const rowBytes = <usize>C << 2;
  const sv = f32x4.splat(scale);
  for (let r = 0; r < R; r++) {
    const p = probs + <usize>r * rowBytes;
    const d = dlogits + <usize>r * rowBytes;
    const t = load<i32>(targets + (<usize>r << 2));
    if (t < 0) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.mul(v128.load(p + o), sv));
    }
    for (; j < C; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, load<f32>(p + o) * scale);
    }
    const o = <usize>t << 2;
    store<f32>(d + o, load<f32>(d + o) - scale);
  }
}

/** Sum over rows with mask != 0 (mask = 0 pointer: all rows) of sum_j (y - target)². */
export function mseForward(R: i32, C: i32, y: usize, target: usize, mask: usize): f64 {
  const rowBytes = <usize>C << 2;
  let loss: f64 = 0;
  for (let r = 0; r < R; r++) {
    if (mask && load<f32>(mask + (<usize>r << 2)) == 0) continue;
    const yr = y + <usize>r * rowBytes;
    const tr = target + <usize>r * rowBytes;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.sub(v128.load(yr + o), v128.load(tr + o));
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let s: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1)
      + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    for (; j < C; j++) {
      const o = <usize>j << 2;
      const d = <f64>load<f32>(yr + o) - <f64>load<f32>(tr + o);
      s += d * d;
    }
    loss += s;
  }
  return loss;
}

/** dy = 2 · scale · (y − target) on unmasked rows, 0 on masked ones. */
export function mseBackward(R: i32, C: i32, y: usize, target: usize, mask: usize, scale: f32, dy: usize): void {
  const rowBytes = <usize>C << 2;
  const s2 = f32x4.splat(2 * scale);
  for (let r = 0; r < R; r++) {
    const d = dy + <usize>r * rowBytes;
    if (mask && load<f32>(mask + (<usize>r << 2)) == 0) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    const yr = y + <usize>r * rowBytes;
    const tr = target + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.mul(s2, f32x4.sub(v128.load(yr + o), v128.load(tr + o))));
    }
    for (; j < C; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, 2 * scale * (load<f32>(yr + o) - load<f32>(tr + o)));
    }
  }
}
