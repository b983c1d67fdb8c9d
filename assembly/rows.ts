// Row-wise helpers over row-major [rows x cols] f32 blocks, shared by the layer kernels.

/**
 * dst[r, :] = b1 (+ b2 when b2 != 0) for every row: the bias a GEMM then accumulates
 * onto. b1 = 0 (a cell without biases, flagged in its argument block) writes zeros.
 */
export function broadcastBias(dst: usize, rows: i32, cols: i32, b1: usize, b2: usize): void {
  const rowBytes = <usize>cols << 2;
  if (!b1) {
    memory.fill(dst, 0, <usize>rows * rowBytes);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const d = dst + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(b1 + o);
      if (b2) v = f32x4.add(v, v128.load(b2 + o));
      v128.store(d + o, v);
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, b2 ? load<f32>(b1 + o) + load<f32>(b2 + o) : load<f32>(b1 + o));
    }
  }
}

/**
 * dst[j] += sum over rows of src[r, j] (and dst2[j] too when dst2 != 0: the LSTM's two
 * biases share one gradient): the gradient of a broadcast bias. Blocks of 32 columns
 * keep 8 accumulators in registers while the rows stream past, so every cache line of
 * src is read once, in order.
 */
export function addColumnSums(src: usize, rows: i32, cols: i32, dst: usize, dst2: usize): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 32 <= cols; j += 32) {
    let p = src + (<usize>j << 2);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let r = 0; r < rows; r++, p += rowBytes) {
      a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32)); a3 = f32x4.add(a3, v128.load(p, 48));
      a4 = f32x4.add(a4, v128.load(p, 64)); a5 = f32x4.add(a5, v128.load(p, 80));
      a6 = f32x4.add(a6, v128.load(p, 96)); a7 = f32x4.add(a7, v128.load(p, 112));
    }
    const o = <usize>j << 2;
    addSums8(dst + o, a0, a1, a2, a3, a4, a5, a6, a7);
    if (dst2) addSums8(dst2 + o, a0, a1, a2, a3, a4, a5, a6, a7);
  }
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    let acc = f32x4.splat(0);
    for (let r = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(src + <usize>r * rowBytes + o));
    v128.store(dst + o, f32x4.add(v128.load(dst + o), acc));
    if (dst2) v128.store(dst2 + o, f32x4.add(v128.load(dst2 + o), acc));
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    let acc: f32 = 0;
    for (let r = 0; r < rows; r++) acc += load<f32>(src + <usize>r * rowBytes + o);
    store<f32>(dst + o, load<f32>(dst + o) + acc);
    if (dst2) store<f32>(dst2 + o, load<f32>(dst2 + o) + acc);
  }
}

@inline function addSums8(d: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  v128.store(d, f32x4.add(v128.load(d), a0)); v128.store(d, f32x4.add(v128.load(d, 16), a1), 16);
  v128.store(d, f32x4.add(v128.load(d, 32), a2), 32); v128.store(d, f32x4.add(v128.load(d, 48), a3), 48);
  v128.store(d, f32x4.add(v128.load(d, 64), a4), 64); v128.store(d, f32x4.add(v128.load(d, 80), a5), 80);
  v128.store(d, f32x4.add(v128.load(d, 96), a6), 96); v128.store(d, f32x4.add(v128.load(d, 112), a7), 112);
}

/** dst[0..n) = a[0..n) + b[0..n) (b may be 0: plain copy). */
@inline export function addInto(dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  if (b) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, load<f32>(a + o) + load<f32>(b + o));
    }
  } else {
    memory.copy(dst, a, <usize>n << 2);
  }
}
