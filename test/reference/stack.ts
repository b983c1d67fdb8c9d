// Float64 reference of a stacked, optionally bidirectional recurrent layer, composed
// from the cell references exactly as the PyTorch documentation describes: the
// reverse direction runs over each sequence's valid steps reversed, outputs are
// concatenated (or summed / averaged), zero at padded steps, with dropout masks
// applied to every layer's output but the last.
import { rnnForwardRef, type RnnWeights } from './rnn.js';
import { lstmForwardRef } from './lstm.js';
import { gruForwardRef } from './gru.js';

export interface StackSpec {
  cell: 'rnn' | 'lstm' | 'gru';
  T: number; B: number; I: number; H: number; L: number; D: 1 | 2;
  merge: 'concat' | 'sum' | 'mean';
  nonlinearity?: 'tanh' | 'relu';
  resetBefore?: boolean;
  /** LSTM proj_size: h has P floats (weights[i].whr [P][H]). */
  P?: number;
}

/** weights[l * D + d] in PyTorch order. masks[l]: [T][B][outSize] multipliers or undefined. */
export function stackForwardRef(s: StackSpec, x: ArrayLike<number>, weights: (RnnWeights & { whr?: ArrayLike<number> })[], lengths: number[],
                                h0: ArrayLike<number> | null, c0: ArrayLike<number> | null, masks: (ArrayLike<number> | undefined)[] = []) {
  const { T, B, H, L, D } = s;
  const W = s.P ?? H; // floats of h
  const out = s.D === 2 && s.merge === 'concat' ? 2 * W : W;
  const hn = new Float64Array(L * D * B * W), cn = new Float64Array(L * D * B * H);
  let input = Float64Array.from(x);
  let I = s.I;
  for (let l = 0; l < L; l++) {
    const y = new Float64Array(T * B * out);
    for (let d = 0; d < D; d++) {
      const idx = l * D + d;
      // Reverse each row within its length.
      const src = (t: number, b: number) => (d === 1 ? lengths[b] - 1 - t : t);
      const xin = new Float64Array(T * B * I);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
        if (t >= lengths[b]) continue;
        for (let i = 0; i < I; i++) xin[(t * B + b) * I + i] = input[(src(t, b) * B + b) * I + i];
      }
      const dims = { T, B, I, H };
      const h0d = h0 ? Array.from(h0).slice(idx * B * W, (idx + 1) * B * W) : null;
      const c0d = c0 ? Array.from(c0).slice(idx * B * H, (idx + 1) * B * H) : null;
      let hs: Float64Array, cs: Float64Array | null = null;
      if (s.cell === 'rnn') hs = rnnForwardRef(dims, xin, weights[idx], h0d, lengths, s.nonlinearity ?? 'tanh');
      else if (s.cell === 'gru') hs = gruForwardRef(dims, xin, weights[idx], h0d, lengths, !!s.resetBefore);
      else ({ hs, cs } = lstmForwardRef(dims, xin, weights[idx], h0d, c0d, lengths, s.P ? { P: s.P, whr: weights[idx].whr! } : undefined));
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < W; j++) hn[(idx * B + b) * W + j] = hs[((T - 1) * B + b) * W + j];
        if (cs) for (let j = 0; j < H; j++) cn[(idx * B + b) * H + j] = cs[((T - 1) * B + b) * H + j];
      }
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
        if (t >= lengths[b]) continue;
        for (let j = 0; j < W; j++) {
          const v = hs[(src(t, b) * B + b) * W + j];
          if (s.merge === 'concat' || D === 1) y[(t * B + b) * out + d * W + j] = v;
          else y[(t * B + b) * out + j] += s.merge === 'mean' ? v / 2 : v;
        }
      }
    }
    const m = masks[l];
    if (m && l < L - 1) for (let i = 0; i < y.length; i++) y[i] *= m[i];
    input = y;
    I = out;
  }
  return { output: input, hn, cn };
}
