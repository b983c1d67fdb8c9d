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
