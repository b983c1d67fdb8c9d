// Float64 reference of the int8 inference arithmetic (assembly/qgemm.ts), written from
// its definition and sharing no code with src/:
//   weights: per row s_w = f32(max|w| / 127), q_w = w / s_w rounded half away from zero;
//   activations: per row Q = min(32767, ⌊(2³¹−1) / (127·Kq)⌋), Kq = K rounded up to 4,
//     inv = f32(Q / max|a|), q_a = a·inv rounded to f32 then half to even, s_a = f32(max|a| / Q)
//     (a row whose max is below 1e-30 is all zeros with s_a = 0);
//   y = Σ_k q_a·q_w (exact integers) · s_a · s_w in float64.
// Then the cells (one layer, one direction) and a dense head with those products.

const f32 = Math.fround;

export interface QuantizedMatrix { rows: number; cols: number; q: Int8Array; scales: Float32Array }

export function quantizeWeightsRef(w: ArrayLike<number>, rows: number, cols: number): QuantizedMatrix {
  const q = new Int8Array(rows * cols), scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(w[r * cols + c]));
    const s = f32(m / 127);
    scales[r] = s;
    for (let c = 0; c < cols; c++) {
      if (s === 0) continue;
      const v = w[r * cols + c] / s;
      const a = Math.floor(Math.abs(v) + 0.5);
      q[r * cols + c] = Math.min(127, a) * (v < 0 ? -1 : 1);
    }
  }
  return { rows, cols, q, scales };
}

export function activationRangeRef(K: number): number {
  const Kq = Math.ceil(K / 4) * 4;
  return Math.min(32767, Math.floor((2 ** 31 - 1) / (127 * Kq)));
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** One row of activations (f32 values) quantized: integers and their scale. */
export function quantizeActivationsRef(a: ArrayLike<number>): { q: Int32Array; scale: number } {
  const K = a.length, Q = activationRangeRef(K);
  let m = 0;
  for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(f32(a[k])));
  const q = new Int32Array(K);
  if (!(m >= 1e-30)) return { q, scale: 0 };
  const inv = f32(Q / m);
  for (let k = 0; k < K; k++) q[k] = roundHalfEven(f32(f32(a[k]) * inv));
  return { q, scale: f32(m / Q) };
}

/** y[n] = Σ_k q_a[k]·q_w[n][k] · s_a · s_w[n] for rows [from, from + count) of W. */
export function qdotRef(a: ArrayLike<number>, w: QuantizedMatrix, from = 0, count = w.rows): Float64Array {
  const { q, scale } = quantizeActivationsRef(a);
  const y = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    let s = 0;
    for (let k = 0; k < w.cols; k++) s += q[k] * w.q[(from + n) * w.cols + k];
    y[n] = s * scale * w.scales[from + n];
  }
  return y;
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));

export interface QuantizedCell {
  cell: 'lstm' | 'gru' | 'rnn';
  H: number;
  wih: QuantizedMatrix;
  whh: QuantizedMatrix;
  bih: ArrayLike<number>;
  bhh: ArrayLike<number>;
}

/**
 * One layer over x [T][B][I] (all rows valid, zero initial state) with the quantized
 * products; PyTorch's cells (GRU reset after, Elman tanh). Returns h [T][B][H].
 */
export function quantizedCellForwardRef(c: QuantizedCell, x: ArrayLike<number>, T: number, B: number, I: number): Float64Array {
  const { H } = c, G = c.wih.rows;
  const hs = new Float64Array(T * B * H), cs = new Float64Array(B * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const xr = Array.from({ length: I }, (_, i) => x[(t * B + b) * I + i]);
      const hp = t > 0 ? hs.subarray(((t - 1) * B + b) * H, ((t - 1) * B + b + 1) * H) : null;
      const zx = qdotRef(xr, c.wih);
      // At t = 0 (h0 = 0) the kernels skip the recurrent product: only b_hh is added.
      const zh = hp ? qdotRef(hp, c.whh) : new Float64Array(G);
      const o = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const gx = (g: number) => c.bih[g * H + j] + zx[g * H + j], gh = (g: number) => c.bhh[g * H + j] + zh[g * H + j];
        const prev = hp ? hp[j] : 0;
        if (c.cell === 'lstm') {
          const i = sig(gx(0) + gh(0)), f = sig(gx(1) + gh(1)), g = Math.tanh(gx(2) + gh(2)), og = sig(gx(3) + gh(3));
          const cc = f * cs[b * H + j] + i * g;
          cs[b * H + j] = cc;
          hs[o + j] = og * Math.tanh(cc);
        } else if (c.cell === 'gru') {
          const r = sig(gx(0) + gh(0)), z = sig(gx(1) + gh(1)), n = Math.tanh(gx(2) + r * gh(2));
          hs[o + j] = (1 - z) * n + z * prev;
        } else {
          hs[o + j] = Math.tanh(gx(0) + gh(0));
        }
      }
    }
  }
  return hs;
}
