// Float64 reference of the LSTM (PyTorch gate order i, f, g, o), step by step and
// element by element. Layout as the kernels: x [T][B][I], outputs [T][B][H];
// weight_ih [4H][I], weight_hh [4H][H]; rows past their length carry (h, c).
// With a projection (PyTorch's proj_size P): h_t = W_hr (o ⊙ tanh(c_t)), weight_hr [P][H],
// weight_hh [4H][P], outputs and h0 [T][B][P] / [B][P]; c stays [..][H].
// Gradients come from central differences of this forward (test/recurrent-cells.test.ts).
import type { RnnDims, RnnWeights } from './rnn.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

export interface LstmForward { hs: Float64Array; cs: Float64Array; gates: Float64Array }

export interface Projection { P: number; whr: ArrayLike<number> }

export function lstmForwardRef(d: RnnDims, x: ArrayLike<number>, w: RnnWeights, h0: ArrayLike<number> | null,
                               c0: ArrayLike<number> | null, lengths: ArrayLike<number>, proj?: Projection): LstmForward {
  const { T, B, I, H } = d;
  const P = proj ? proj.P : H; // floats of h
  const hs = new Float64Array(T * B * P), cs = new Float64Array(T * B * H), gates = new Float64Array(T * B * 4 * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const hp = (k: number) => (t > 0 ? hs[((t - 1) * B + b) * P + k] : h0 ? h0[b * P + k] : 0);
      const cp = (k: number) => (t > 0 ? cs[((t - 1) * B + b) * H + k] : c0 ? c0[b * H + k] : 0);
      const o = (t * B + b) * H, oh = (t * B + b) * P;
      if (t >= lengths[b]) {
        for (let j = 0; j < P; j++) hs[oh + j] = hp(j);
        for (let j = 0; j < H; j++) cs[o + j] = cp(j);
        continue;
      }
      const z = new Float64Array(4 * H);
      for (let q = 0; q < 4 * H; q++) {
        let s = w.bih[q] + w.bhh[q];
        for (let i = 0; i < I; i++) s += w.wih[q * I + i] * x[(t * B + b) * I + i];
        for (let k = 0; k < P; k++) s += w.whh[q * P + k] * hp(k);
        z[q] = s;
      }
      const m = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const ig = sig(z[j]), fg = sig(z[H + j]), gg = Math.tanh(z[2 * H + j]), og = sig(z[3 * H + j]);
        const c = fg * cp(j) + ig * gg;
        cs[o + j] = c;
        m[j] = og * Math.tanh(c);
        const go = (t * B + b) * 4 * H;
        gates[go + j] = ig; gates[go + H + j] = fg; gates[go + 2 * H + j] = gg; gates[go + 3 * H + j] = og;
      }
      for (let r = 0; r < P; r++) {
        if (!proj) { hs[oh + r] = m[r]; continue; }
        let s = 0;
        for (let j = 0; j < H; j++) s += proj.whr[r * H + j] * m[j];
        hs[oh + r] = s;
      }
    }
  }
  return { hs, cs, gates };
}
