// Float64 reference of the GRU (PyTorch gate order r, z, n), step by step. With
// resetBefore the reset gate multiplies h before the recurrent product (ONNX
// linear_before_reset = 0); otherwise after it, inside the bias (PyTorch).
import type { RnnDims, RnnWeights } from './rnn.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

export function gruForwardRef(d: RnnDims, x: ArrayLike<number>, w: RnnWeights, h0: ArrayLike<number> | null,
                              lengths: ArrayLike<number>, resetBefore: boolean): Float64Array {
  const { T, B, I, H } = d;
  const hs = new Float64Array(T * B * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const hp = (k: number) => (t > 0 ? hs[((t - 1) * B + b) * H + k] : h0 ? h0[b * H + k] : 0);
      const o = (t * B + b) * H;
      if (t >= lengths[b]) {
        for (let j = 0; j < H; j++) hs[o + j] = hp(j);
        continue;
      }
      const xin = (q: number) => {
        let s = w.bih[q];
        for (let i = 0; i < I; i++) s += w.wih[q * I + i] * x[(t * B + b) * I + i];
        return s;
      };
      const hid = (q: number, h: (k: number) => number) => {
        let s = w.bhh[q];
        for (let k = 0; k < H; k++) s += w.whh[q * H + k] * h(k);
        return s;
      };
      const r = Array.from({ length: H }, (_, j) => sig(xin(j) + hid(j, hp)));
      const z = Array.from({ length: H }, (_, j) => sig(xin(H + j) + hid(H + j, hp)));
      for (let j = 0; j < H; j++) {
        const n = resetBefore
          ? Math.tanh(xin(2 * H + j) + hid(2 * H + j, (k) => r[k] * hp(k)))
          : Math.tanh(xin(2 * H + j) + r[j] * hid(2 * H + j, hp));
        hs[o + j] = (1 - z[j]) * n + z[j] * hp(j);
      }
    }
  }
  return hs;
}
