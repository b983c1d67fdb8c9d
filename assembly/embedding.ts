// Embedding lookup: out[r] = table[ids[r]]; ids were range-checked by the caller.

export function embeddingForward(ids: usize, R: i32, D: i32, table: usize, out: usize): void {
  const rowBytes = <usize>D << 2;
  for (let r = 0; r < R; r++) {
    const id = <usize>load<i32>(ids + (<usize>r << 2));
    memory.copy(out + <usize>r * rowBytes, table + id * rowBytes, rowBytes);
  }
}

/** Scatter-add: dtable[ids[r]] += dout[r] (repeated ids accumulate). */
export function embeddingBackward(ids: usize, R: i32, D: i32, dout: usize, dtable: usize): void {
  const rowBytes = <usize>D << 2;
  for (let r = 0; r < R; r++) {
    const id = <usize>load<i32>(ids + (<usize>r << 2));
    const s = dout + <usize>r * rowBytes;
    const d = dtable + id * rowBytes;
    let j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
    }
  }
}

/**
 * A frozen model's folded embedding (src/model/freeze.ts): out[t][b] = table[ids[s][b]],
 * rows of N floats (the first recurrent layer's input projection of each token, with
 * its biases), s = t or, for the reverse direction, lengths[b] − 1 − t; padded steps
 * (t ≥ lengths[b]) get zeros, which the cells never read. ids were range-checked by
 * the caller. This copy replaces the lookup, the bias broadcast and the input GEMM.
 */
export function embeddingProjection(ids: usize, T: i32, B: i32, lengths: usize, reverse: i32, N: i32, table: usize, out: usize): void {
  const rowBytes = <usize>N << 2;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const len = load<i32>(lengths + (<usize>b << 2));
      const d = out + <usize>(t * B + b) * rowBytes;
      if (t >= len) {
        memory.fill(d, 0, rowBytes);
        continue;
      }
      const s = reverse ? len - 1 - t : t;
      const id = <usize>load<i32>(ids + (<usize>(s * B + b) << 2));
      memory.copy(d, table + id * rowBytes, rowBytes);
    }
  }
}
