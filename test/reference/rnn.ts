// Float64 reference of the Elman RNN, written for clarity: one step at a time,
// one element at a time. Layout matches the kernels: x [T][B][I], hs [T][B][H],
// weight_ih [H][I], weight_hh [H][H]. A row b is valid at step t when t < lengths[b];
// at padded steps the state is carried unchanged.

export type Act = 'tanh' | 'relu';

export interface RnnDims { T: number; B: number; I: number; H: number }

export interface RnnWeights {
  wih: ArrayLike<number>; whh: ArrayLike<number>; bih: ArrayLike<number>; bhh: ArrayLike<number>;
}

const act = (a: Act, z: number) => (a === 'tanh' ? Math.tanh(z) : Math.max(0, z));
// Derivative expressed through the output h = act(z).
const actGrad = (a: Act, h: number) => (a === 'tanh' ? 1 - h * h : h > 0 ? 1 : 0);

export function rnnForwardRef(d: RnnDims, x: ArrayLike<number>, w: RnnWeights, h0: ArrayLike<number> | null,
                              lengths: ArrayLike<number>, a: Act): Float64Array {
  const { T, B, I, H } = d;
  const hs = new Float64Array(T * B * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const prev = (j: number) => (t > 0 ? hs[((t - 1) * B + b) * H + j] : h0 ? h0[b * H + j] : 0);
      for (let j = 0; j < H; j++) {
        const o = (t * B + b) * H + j;
        if (t >= lengths[b]) { hs[o] = prev(j); continue; }
        let z = w.bih[j] + w.bhh[j];
        for (let i = 0; i < I; i++) z += w.wih[j * I + i] * x[(t * B + b) * I + i];
        for (let k = 0; k < H; k++) z += w.whh[j * H + k] * prev(k);
        hs[o] = act(a, z);
      }
    }
  }
  return hs;
}

export interface RnnGrads {
  dx: Float64Array; dwih: Float64Array; dwhh: Float64Array; dbih: Float64Array; dbhh: Float64Array; dh0: Float64Array;
}

/** Gradients of L = Σ dhs ⊙ hs + Σ dhLast ⊙ hs[T-1] (either may be null). */
export function rnnBackwardRef(d: RnnDims, x: ArrayLike<number>, w: RnnWeights, h0: ArrayLike<number> | null,
                               lengths: ArrayLike<number>, a: Act, hs: ArrayLike<number>,
                               dhs: ArrayLike<number> | null, dhLast: ArrayLike<number> | null): RnnGrads {
  const { T, B, I, H } = d;
  const g: RnnGrads = {
    dx: new Float64Array(T * B * I), dwih: new Float64Array(H * I), dwhh: new Float64Array(H * H),
    dbih: new Float64Array(H), dbhh: new Float64Array(H), dh0: new Float64Array(B * H),
  };
  // dh[b][j]: gradient flowing into h_t from later steps.
  let dh = new Float64Array(B * H);
  if (dhLast) for (let i = 0; i < B * H; i++) dh[i] = dhLast[i];
  for (let t = T - 1; t >= 0; t--) {
    const next = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const o = (t * B + b) * H + j;
        const total = dh[b * H + j] + (dhs ? dhs[o] : 0);
        if (t >= lengths[b]) { next[b * H + j] += total; continue; }
        const dz = total * actGrad(a, hs[o]);
        g.dbih[j] += dz;
        g.dbhh[j] += dz;
        for (let i = 0; i < I; i++) {
          g.dwih[j * I + i] += dz * x[(t * B + b) * I + i];
          g.dx[(t * B + b) * I + i] += dz * w.wih[j * I + i];
        }
        for (let k = 0; k < H; k++) {
          const hp = t > 0 ? hs[((t - 1) * B + b) * H + k] : h0 ? h0[b * H + k] : 0;
          g.dwhh[j * H + k] += dz * hp;
          next[b * H + k] += dz * w.whh[j * H + k];
        }
      }
    }
    dh = next;
  }
  g.dh0 = dh;
  return g;
}
