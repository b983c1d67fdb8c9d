// bias = 0 in the argument block (PyTorch's bias=False) for every cell kernel: the
// forward must equal the float64 reference with zero biases even when bias pointers
// holding non-zero values are passed (the flag decides, not the pointer), every other
// gradient must match central differences of that reference, and the bias gradients
// must be left untouched.
import { describe, expect, it } from 'vitest';
import { rnnForwardRef } from './reference/rnn.js';
import { lstmForwardRef } from './reference/lstm.js';
import { gruForwardRef } from './reference/gru.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, recurrentArgs, runtime, zeros } from './helpers/wasm.js';
import type { Region } from '../src/index.js';

const rt = runtime();
const k = rt.kernels;
const FWD = [1e-4, 2e-6] as const;
const BWD = [2e-4, 2e-5] as const;
const T = 5, B = 3, I = 4, H = 6, lengths = [5, 2, 4];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function packed(src: Region, rowOffset: number, ld: number, K: number, N: number, trans: number): number {
  const r = zeros(rt, k.packedSize(K, N));
  k.packB(src.at(rowOffset * ld), ld, K, N, trans, r.ptr);
  return r.ptr;
}

type Kind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru' | 'gru_reset_before';
const GATES: Record<Kind, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3, gru_reset_before: 3 };

describe('cell kernels without biases (bias = 0) vs float64 reference with zero biases', () => {
  for (const kind of Object.keys(GATES) as Kind[]) {
    it(kind, () => {
      const Gn = GATES[kind], G = Gn * H;
      const rng = testRng(Gn * 101 + kind.length);
      const s = 1 / Math.sqrt(H);
      const x = rng.array(T * B * I), h0 = rng.array(B * H), c0 = rng.array(B * H);
      const w = { wih: rng.array(G * I, s), whh: rng.array(G * H, s), bih: new Float64Array(G), bhh: new Float64Array(G) };
      const dhs = rng.array(T * B * H), dhLast = rng.array(B * H), dcLast = rng.array(B * H);
      const last = (T - 1) * B * H;
      const ref = () => {
        if (kind === 'lstm') return lstmForwardRef({ T, B, I, H }, x, w, h0, c0, lengths);
        if (kind === 'gru' || kind === 'gru_reset_before') return { hs: gruForwardRef({ T, B, I, H }, x, w, h0, lengths, kind === 'gru_reset_before'), cs: null };
        return { hs: rnnForwardRef({ T, B, I, H }, x, w, h0, lengths, kind === 'rnn_relu' ? 'relu' : 'tanh'), cs: null };
      };
      const loss = () => {
        const f = ref();
        return dot(dhs, f.hs) + dot(dhLast, f.hs.subarray(last)) + (f.cs ? dot(dcLast, f.cs.subarray(last)) : 0);
      };

      const X = putF32(rt, x), L = putI32(rt, lengths), H0 = putF32(rt, h0), C0 = putF32(rt, c0);
      const Wih = putF32(rt, w.wih), Whh = putF32(rt, w.whh);
      const junk = putF32(rt, new Float64Array(G).fill(0.5)); // must be ignored
      const gates = zeros(rt, T * B * G), saved = zeros(rt, T * B * H), HS = zeros(rt, T * B * H);
      const variant = kind === 'rnn_relu' || kind === 'gru_reset_before' ? 1 : 0;
      const gru = Gn === 3;
      const common = { T, B, I, H, variant, bias: 0, x: X.ptr, lengths: L.ptr, h0: H0.ptr, c0: kind === 'lstm' ? C0.ptr : 0, gates: gates.ptr, saved: saved.ptr, hs: HS.ptr };
      const fwd = recurrentArgs(rt, {
        ...common, bih: junk.ptr, bhh: junk.ptr, hg: zeros(rt, B * G).ptr,
        wih: packed(Wih, 0, I, I, G, 1), whh: packed(Whh, 0, H, H, gru ? 2 * H : G, 1), whhN: gru ? packed(Whh, 2 * H, H, H, H, 1) : 0,
      });
      ({ rnn_tanh: k.rnnForward, rnn_relu: k.rnnForward, lstm: k.lstmForward, gru: k.gruForward, gru_reset_before: k.gruForward })[kind](fwd);
      const f = ref();
      expectClose(read(HS), f.hs, ...FWD, 'h');

      const DX = zeros(rt, T * B * I), DWih = zeros(rt, G * I), DWhh = zeros(rt, G * H), DH0 = zeros(rt, B * H), DC0 = zeros(rt, B * H);
      const DB = putF32(rt, new Float64Array(G).fill(7));
      const bwd = recurrentArgs(rt, {
        ...common, wihBack: packed(Wih, 0, I, G, I, 0), whhBack: packed(Whh, 0, H, gru ? 2 * H : G, H, 0),
        whhNBack: gru ? packed(Whh, 2 * H, H, H, H, 0) : 0,
        dhs: putF32(rt, dhs).ptr, dhLast: putF32(rt, dhLast).ptr, dcLast: kind === 'lstm' ? putF32(rt, dcLast).ptr : 0,
        dx: DX.ptr, dwih: DWih.ptr, dwhh: DWhh.ptr, dbih: DB.ptr, dbhh: DB.ptr, dh0: DH0.ptr, dc0: kind === 'lstm' ? DC0.ptr : 0,
        dz: zeros(rt, T * B * G).ptr, dhg: zeros(rt, T * B * G).ptr, dhCur: zeros(rt, B * H).ptr, carry: zeros(rt, B * H).ptr,
        carryC: zeros(rt, B * H).ptr, drh: zeros(rt, B * H).ptr, pack: zeros(rt, k.packedSize(T * B, Math.max(I, H))).ptr,
      });
      ({ rnn_tanh: k.rnnBackward, rnn_relu: k.rnnBackward, lstm: k.lstmBackward, gru: k.gruBackward, gru_reset_before: k.gruBackward })[kind](bwd);
      expectClose(read(DX), numericalGradient(loss, x), ...BWD, 'dx');
      expectClose(read(DWih), numericalGradient(loss, w.wih), ...BWD, 'dW_ih');
      expectClose(read(DWhh), numericalGradient(loss, w.whh), ...BWD, 'dW_hh');
      expectClose(read(DH0), numericalGradient(loss, h0), ...BWD, 'dh0');
      if (kind === 'lstm') expectClose(read(DC0), numericalGradient(loss, c0), ...BWD, 'dc0');
      expect(Array.from(DB.f32())).toEqual(Array(G).fill(7));
    });
  }
});
