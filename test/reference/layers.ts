// Float64 references of the non-recurrent layers and the losses.

export function embeddingRef(ids: ArrayLike<number>, D: number, table: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids.length * D);
  for (let r = 0; r < ids.length; r++) for (let j = 0; j < D; j++) out[r * D + j] = table[ids[r] * D + j];
  return out;
}

export function embeddingBackwardRef(ids: ArrayLike<number>, D: number, V: number, dout: ArrayLike<number>): Float64Array {
  const dt = new Float64Array(V * D);
  for (let r = 0; r < ids.length; r++) for (let j = 0; j < D; j++) dt[ids[r] * D + j] += dout[r * D + j];
  return dt;
}

/** y[r][o] = b[o] + Σ_i W[o][i] x[r][i]. */
export function denseRef(R: number, In: number, Out: number, x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const y = new Float64Array(R * Out);
  for (let r = 0; r < R; r++) {
    for (let o = 0; o < Out; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < In; i++) s += W[o * In + i] * x[r * In + i];
      y[r * Out + o] = s;
    }
  }
  return y;
}

export function denseBackwardRef(R: number, In: number, Out: number, x: ArrayLike<number>, W: ArrayLike<number>, dy: ArrayLike<number>) {
  const dx = new Float64Array(R * In), dW = new Float64Array(Out * In), db = new Float64Array(Out);
  for (let r = 0; r < R; r++) {
    for (let o = 0; o < Out; o++) {
      const g = dy[r * Out + o];
      db[o] += g;
      for (let i = 0; i < In; i++) {
        dW[o * In + i] += g * x[r * In + i];
        dx[r * In + i] += g * W[o * In + i];
      }
    }
  }
  return { dx, dW, db };
}

/** Σ over rows with target ≥ 0 of −log softmax(logits[r])[target[r]]. */
export function softmaxCrossEntropyRef(R: number, C: number, logits: ArrayLike<number>, targets: ArrayLike<number>): number {
  let loss = 0;
  for (let r = 0; r < R; r++) {
    if (targets[r] < 0) continue;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[r * C + c] - m);
    loss += Math.log(s) + m - logits[r * C + targets[r]];
  }
  return loss;
}

export function softmaxRef(R: number, C: number, logits: ArrayLike<number>): Float64Array {
  const p = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += (p[r * C + c] = Math.exp(logits[r * C + c] - m));
    for (let c = 0; c < C; c++) p[r * C + c] /= s;
  }
  return p;
}

/** Gradient of scale · softmaxCrossEntropyRef w.r.t. the logits. */
export function softmaxCrossEntropyBackwardRef(R: number, C: number, logits: ArrayLike<number>, targets: ArrayLike<number>, scale: number): Float64Array {
  const p = softmaxRef(R, C, logits);
  const d = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    if (targets[r] < 0) continue;
    for (let c = 0; c < C; c++) d[r * C + c] = scale * (p[r * C + c] - (c === targets[r] ? 1 : 0));
  }
  return d;
}

export function mseRef(R: number, C: number, y: ArrayLike<number>, t: ArrayLike<number>, mask: ArrayLike<number> | null): number {
  let s = 0;
  for (let r = 0; r < R; r++) {
    if (mask && mask[r] === 0) continue;
    for (let c = 0; c < C; c++) s += (y[r * C + c] - t[r * C + c]) ** 2;
  }
  return s;
}

export function mseBackwardRef(R: number, C: number, y: ArrayLike<number>, t: ArrayLike<number>, mask: ArrayLike<number> | null, scale: number): Float64Array {
  const d = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    if (mask && mask[r] === 0) continue;
    for (let c = 0; c < C; c++) d[r * C + c] = 2 * scale * (y[r * C + c] - t[r * C + c]);
  }
  return d;
}
