// Moving per-step rows between the layouts of a recurrent stack, honouring lengths:
// reversing each sequence within its own length (the backward direction of a
// bidirectional layer), writing a direction's output into its columns of the layer
// output, and the same moves for the gradients.

/**
 * For every step t and row b: dst[t][b] (+)= scale · src[s][b] with s = t, or
 * s = lengths[b] − 1 − t when reverse, over `width` floats; rows with t ≥ lengths[b]
 * get 0 (or are left alone when accumulating). Strides are in floats, so src and dst
 * may be column slices of wider rows. src and dst must not overlap.
 */
export function gatherSteps(src: usize, srcStride: i32, dst: usize, dstStride: i32, width: i32,
                            T: i32, B: i32, lengths: usize, reverse: i32, scale: f32, accumulate: i32): void {
  const sv = f32x4.splat(scale);
  const wBytes = <usize>width << 2;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const len = load<i32>(lengths + (<usize>b << 2));
      const d = dst + (<usize>(t * B + b) * <usize>dstStride << 2);
      if (t >= len) {
        if (!accumulate) memory.fill(d, 0, wBytes);
        continue;
      }
      const s = src + (<usize>((reverse ? len - 1 - t : t) * B + b) * <usize>srcStride << 2);
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const o = <usize>j << 2;
        let v = f32x4.mul(v128.load(s + o), sv);
        if (accumulate) v = f32x4.add(v, v128.load(d + o));
        v128.store(d + o, v);
      }
      for (; j < width; j++) {
        const o = <usize>j << 2;
        let v = load<f32>(s + o) * scale;
        if (accumulate) v += load<f32>(d + o);
        store<f32>(d + o, v);
      }
    }
  }
}

/** dst = a ⊙ b over n floats (dst may alias a): dropout's forward with a pre-scaled keep mask, and its backward. */
export function multiply(a: usize, b: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

@inline function stepRow(base: usize, t: i32, B: i32, b: i32, rowBytes: usize): usize {
  return base + <usize>(t * B + b) * rowBytes;
}

/**
 * Pooling over each row's valid steps, x [T][B][F] → out [B][F]:
 * mode 0 = last valid step, 1 = mean, 2 = max (argmax i32 [B][F] saves the step).
 */
export function poolForward(mode: i32, T: i32, B: i32, F: i32, x: usize, lengths: usize, out: usize, argmax: usize): void {
  const rowBytes = <usize>F << 2;
  for (let b = 0; b < B; b++) {
    const len = load<i32>(lengths + (<usize>b << 2));
    const o = out + <usize>b * rowBytes;
    if (mode == 0) {
      memory.copy(o, stepRow(x, len - 1, B, b, rowBytes), rowBytes);
    } else if (mode == 1) {
      const inv: f32 = 1 / <f32>len;
      for (let j = 0; j < F; j++) {
        let s: f32 = 0;
        for (let t = 0; t < len; t++) s += load<f32>(stepRow(x, t, B, b, rowBytes) + (<usize>j << 2));
        store<f32>(o + (<usize>j << 2), s * inv);
      }
    } else {
      const am = argmax + <usize>b * rowBytes;
      for (let j = 0; j < F; j++) {
        let best = load<f32>(stepRow(x, 0, B, b, rowBytes) + (<usize>j << 2)), bt = 0;
        for (let t = 1; t < len; t++) {
          const v = load<f32>(stepRow(x, t, B, b, rowBytes) + (<usize>j << 2));
          if (v > best) { best = v; bt = t; }
        }
        store<f32>(o + (<usize>j << 2), best);
        store<i32>(am + (<usize>j << 2), bt);
      }
    }
  }
}

/** Gradient of poolForward: dx [T][B][F] is overwritten (zero outside the pooled steps). */
export function poolBackward(mode: i32, T: i32, B: i32, F: i32, dout: usize, lengths: usize, argmax: usize, dx: usize): void {
  const rowBytes = <usize>F << 2;
  memory.fill(dx, 0, <usize>T * <usize>B * rowBytes);
  for (let b = 0; b < B; b++) {
    const len = load<i32>(lengths + (<usize>b << 2));
    const d = dout + <usize>b * rowBytes;
    if (mode == 0) {
      memory.copy(stepRow(dx, len - 1, B, b, rowBytes), d, rowBytes);
    } else if (mode == 1) {
      const inv: f32 = 1 / <f32>len;
      for (let t = 0; t < len; t++) {
        for (let j = 0; j < F; j++) store<f32>(stepRow(dx, t, B, b, rowBytes) + (<usize>j << 2), load<f32>(d + (<usize>j << 2)) * inv);
      }
    } else {
      const am = argmax + <usize>b * rowBytes;
      for (let j = 0; j < F; j++) {
        const t = load<i32>(am + (<usize>j << 2));
        store<f32>(stepRow(dx, t, B, b, rowBytes) + (<usize>j << 2), load<f32>(d + (<usize>j << 2)));
      }
    }
  }
}
