// Float64 references of Keras and ONNX recurrent layers, written from each
// framework's documented equations in its own weight layout (not derived from the
// PyTorch layout), so importers can be checked by behaviour. One direction, one
// sequence x [T][I]; returns h [T][H].

const sig = (v: number) => 1 / (1 + Math.exp(-v));
type A = ArrayLike<number>;

/** Keras: z = x·kernel + h·recurrent_kernel + bias, kernel [I][G·u], blocks in Keras gate order. */
function kerasPre(x: A, h: number[], kernel: A, rec: A, I: number, H: number, G: number, t: number, bias: A | null, col: number): number {
  let s = bias ? bias[col] : 0;
  for (let i = 0; i < I; i++) s += x[t * I + i] * kernel[i * G * H + col];
  for (let k = 0; k < H; k++) s += h[k] * rec[k * G * H + col];
  return s;
}

export function kerasLstmRef(x: A, T: number, I: number, H: number, kernel: A, rec: A, bias: A): Float64Array {
  const out = new Float64Array(T * H);
  let h = new Array(H).fill(0), c = new Array(H).fill(0);
  for (let t = 0; t < T; t++) {
    const z = (gate: number, j: number) => kerasPre(x, h, kernel, rec, I, H, 4, t, bias, gate * H + j);
    const nh = [], nc = [];
    for (let j = 0; j < H; j++) {
      const i = sig(z(0, j)), f = sig(z(1, j)), cc = Math.tanh(z(2, j)), o = sig(z(3, j));
      nc[j] = f * c[j] + i * cc;
      nh[j] = o * Math.tanh(nc[j]);
    }
    h = nh; c = nc;
    out.set(h, t * H);
  }
  return out;
}

/** Keras GRU, gates z, r, h; resetAfter: bias [2][3u] and hh = tanh(x_h + r ⊙ (h·U_h + b_rh)). */
export function kerasGruRef(x: A, T: number, I: number, H: number, kernel: A, rec: A, bias: A, resetAfter: boolean): Float64Array {
  const out = new Float64Array(T * H);
  let h = new Array(H).fill(0);
  const G = 3;
  for (let t = 0; t < T; t++) {
    const xb = resetAfter ? Array.from(bias).slice(0, 3 * H) : Array.from(bias);
    const rb = resetAfter ? Array.from(bias).slice(3 * H) : new Array(3 * H).fill(0);
    const xPart = (col: number) => kerasPre(x, new Array(H).fill(0), kernel, rec, I, H, G, t, xb, col);
    const hPart = (col: number, hv: number[]) => {
      let s = rb[col];
      for (let k = 0; k < H; k++) s += hv[k] * rec[k * G * H + col];
      return s;
    };
    const z = Array.from({ length: H }, (_, j) => sig(xPart(j) + hPart(j, h)));
    const r = Array.from({ length: H }, (_, j) => sig(xPart(H + j) + hPart(H + j, h)));
    const rh = h.map((v, k) => r[k] * v);
    const nh = [];
    for (let j = 0; j < H; j++) {
      const hh = resetAfter ? Math.tanh(xPart(2 * H + j) + r[j] * hPart(2 * H + j, h)) : Math.tanh(xPart(2 * H + j) + hPart(2 * H + j, rh));
      nh[j] = z[j] * h[j] + (1 - z[j]) * hh;
    }
    h = nh;
    out.set(h, t * H);
  }
  return out;
}

/** ONNX: one direction's W [G·H][I], R [G·H][H], Wb, Rb [G·H]; f(X Wᵀ + H Rᵀ + Wb + Rb) per gate block. */
function onnxPre(x: A, h: number[], W: A, R: A, Wb: A, Rb: A, I: number, H: number, t: number, row: number): number {
  let s = Wb[row] + Rb[row];
  for (let i = 0; i < I; i++) s += x[t * I + i] * W[row * I + i];
  for (let k = 0; k < H; k++) s += h[k] * R[row * H + k];
  return s;
}

/** ONNX LSTM, gates i, o, f, c. */
export function onnxLstmRef(x: A, T: number, I: number, H: number, W: A, R: A, Wb: A, Rb: A): Float64Array {
  const out = new Float64Array(T * H);
  let h = new Array(H).fill(0), c = new Array(H).fill(0);
  for (let t = 0; t < T; t++) {
    const g = (block: number, j: number) => onnxPre(x, h, W, R, Wb, Rb, I, H, t, block * H + j);
    const nh = [], nc = [];
    for (let j = 0; j < H; j++) {
      const i = sig(g(0, j)), o = sig(g(1, j)), f = sig(g(2, j)), cc = Math.tanh(g(3, j));
      nc[j] = f * c[j] + i * cc;
      nh[j] = o * Math.tanh(nc[j]);
    }
    h = nh; c = nc;
    out.set(h, t * H);
  }
  return out;
}

/** ONNX GRU, gates z, r, h, with either value of linear_before_reset. */
export function onnxGruRef(x: A, T: number, I: number, H: number, W: A, R: A, Wb: A, Rb: A, linearBeforeReset: 0 | 1): Float64Array {
  const out = new Float64Array(T * H);
  let h = new Array(H).fill(0);
  for (let t = 0; t < T; t++) {
    const z = Array.from({ length: H }, (_, j) => sig(onnxPre(x, h, W, R, Wb, Rb, I, H, t, j)));
    const r = Array.from({ length: H }, (_, j) => sig(onnxPre(x, h, W, R, Wb, Rb, I, H, t, H + j)));
    const nh = [];
    for (let j = 0; j < H; j++) {
      const row = 2 * H + j;
      let xs = Wb[row];
      for (let i = 0; i < I; i++) xs += x[t * I + i] * W[row * I + i];
      let hs = 0;
      for (let k = 0; k < H; k++) hs += (linearBeforeReset ? h[k] : r[k] * h[k]) * R[row * H + k];
      const hh = linearBeforeReset ? Math.tanh(xs + r[j] * (hs + Rb[row])) : Math.tanh(xs + hs + Rb[row]);
      nh[j] = (1 - z[j]) * hh + z[j] * h[j];
    }
    h = nh;
    out.set(h, t * H);
  }
  return out;
}
