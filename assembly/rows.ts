// Row-wise helpers over row-major [rows x cols] f32 blocks, shared by the layer kernels.

/** dst[r, :] = b1 (+ b2 when b2 != 0) for every row: the bias a GEMM then accumulates onto. */
export function broadcastBias(dst: usize, rows: i32, cols: i32, b1: usize, b2: usize): void {
  const rowBytes = <usize>cols << 2;
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

/** dst[j] += sum over rows of src[r, j]: the gradient of a broadcast bias. */
export function addColumnSums(src: usize, rows: i32, cols: i32, dst: usize): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    let acc = f32x4.splat(0);
    for (let r = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(src + <usize>r * rowBytes + o));
    v128.store(dst + o, f32x4.add(v128.load(dst + o), acc));
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    let acc: f32 = 0;
    for (let r = 0; r < rows; r++) acc += load<f32>(src + <usize>r * rowBytes + o);
    store<f32>(dst + o, load<f32>(dst + o) + acc);
  }
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
