// The LSTM kernel with a projection (PyTorch's proj_size P: h_t = W_hr (o ⊙ tanh(c_t)))
// against the float64 reference: h and c directly, every gradient (W_hr included)
// against central differences of the reference loss. Masked rows, initial states,
// odd sizes, per-step and final-state losses, with and without biases.
import { describe, it } from 'vitest';
import { lstmForwardRef } from './reference/lstm.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, recurrentArgs, runtime, zeros } from './helpers/wasm.js';
import type { Region } from '../src/index.js';

const rt = runtime();
const k = rt.kernels;
const FWD = [1e-4, 2e-6] as const;
const BWD = [2e-4, 2e-5] as const;

interface Case { T: number; B: number; I: number; H: number; P: number; lengths?: number[]; h0: boolean; bias: boolean }
const cases: Case[] = [
  { T: 1, B: 1, I: 1, H: 2, P: 1, h0: false, bias: true },
  { T: 5, B: 3, I: 4, H: 6, P: 3, lengths: [5, 2, 4], h0: true, bias: true },
  { T: 6, B: 4, I: 5, H: 9, P: 5, lengths: [1, 6, 3, 2], h0: false, bias: true },
  { T: 4, B: 2, I: 3, H: 17, P: 7, lengths: [4, 3], h0: true, bias: false },
];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function packed(src: Region, K: number, N: number, ld: number, trans: number): number {
  const r = zeros(rt, k.packedSize(K, N));
  k.packB(src.ptr, ld, K, N, trans, r.ptr);
  return r.ptr;
}

describe('LSTM kernel with projection vs float64 reference', () => {
  for (const c of cases) {
    it(`T=${c.T} B=${c.B} I=${c.I} H=${c.H} P=${c.P}${c.lengths ? ' masked' : ''}${c.h0 ? ' +initial state' : ''}${c.bias ? '' : ' no bias'}`, () => {
      const { T, B, I, H, P } = c, G = 4 * H;
      const rng = testRng(T * 7 + H * 3 + P);
      const s = 1 / Math.sqrt(H);
      const lengths = c.lengths ?? Array(B).fill(T);
      const x = rng.array(T * B * I);
      const w = {
        wih: rng.array(G * I, s), whh: rng.array(G * P, s),
        bih: c.bias ? rng.array(G, s) : new Float64Array(G), bhh: c.bias ? rng.array(G, s) : new Float64Array(G),
      };
      const whr = rng.array(P * H, s);
      const h0 = c.h0 ? rng.array(B * P) : null, c0 = c.h0 ? rng.array(B * H) : null;
      const dhs = rng.array(T * B * P), dhLast = rng.array(B * P), dcLast = rng.array(B * H);
      const ref = () => lstmForwardRef({ T, B, I, H }, x, w, h0, c0, lengths, { P, whr });
      const loss = () => {
        const f = ref();
        return dot(dhs, f.hs) + dot(dhLast, f.hs.subarray((T - 1) * B * P)) + dot(dcLast, f.cs.subarray((T - 1) * B * H));
      };

      const X = putF32(rt, x), L = putI32(rt, lengths);
      const Wih = putF32(rt, w.wih), Whh = putF32(rt, w.whh), Whr = putF32(rt, whr);
      const H0 = h0 ? putF32(rt, h0) : null, C0 = c0 ? putF32(rt, c0) : null;
      const gates = zeros(rt, T * B * G), CS = zeros(rt, T * B * H), HS = zeros(rt, T * B * P), MS = zeros(rt, T * B * H);
      const common = {
        T, B, I, H, P, bias: c.bias ? 1 : 0, x: X.ptr, lengths: L.ptr, h0: H0?.ptr ?? 0, c0: C0?.ptr ?? 0,
        bih: c.bias ? putF32(rt, w.bih).ptr : 0, bhh: c.bias ? putF32(rt, w.bhh).ptr : 0,
        gates: gates.ptr, saved: CS.ptr, hs: HS.ptr, ms: MS.ptr,
      };
      k.lstmForward(recurrentArgs(rt, { ...common, wih: packed(Wih, I, G, I, 1), whh: packed(Whh, P, G, P, 1), whr: packed(Whr, H, P, H, 1) }));
      const f = ref();
      expectClose(read(HS), f.hs, ...FWD, 'h');
      expectClose(read(CS), f.cs, ...FWD, 'c');

      const DX = zeros(rt, T * B * I), DWih = zeros(rt, G * I), DWhh = zeros(rt, G * P), DWhr = zeros(rt, P * H);
      const DBih = zeros(rt, G), DBhh = zeros(rt, G), DH0 = zeros(rt, B * P), DC0 = zeros(rt, B * H);
      k.lstmBackward(recurrentArgs(rt, {
        ...common, wihBack: packed(Wih, G, I, I, 0), whhBack: packed(Whh, G, P, P, 0), whrBack: packed(Whr, P, H, H, 0),
        dhs: putF32(rt, dhs).ptr, dhLast: putF32(rt, dhLast).ptr, dcLast: putF32(rt, dcLast).ptr,
        dx: DX.ptr, dwih: DWih.ptr, dwhh: DWhh.ptr, dwhr: DWhr.ptr, dbih: c.bias ? DBih.ptr : 0, dbhh: c.bias ? DBhh.ptr : 0,
        dh0: DH0.ptr, dc0: DC0.ptr,
        dz: zeros(rt, T * B * G).ptr, dhCur: zeros(rt, B * P).ptr, carry: zeros(rt, B * P).ptr, carryC: zeros(rt, B * H).ptr,
        dhAll: zeros(rt, T * B * P).ptr, dm: zeros(rt, B * H).ptr, pack: zeros(rt, k.packedSize(T * B, Math.max(I, H, P))).ptr,
      }));
      expectClose(read(DX), numericalGradient(loss, x), ...BWD, 'dx');
      expectClose(read(DWih), numericalGradient(loss, w.wih), ...BWD, 'dW_ih');
      expectClose(read(DWhh), numericalGradient(loss, w.whh), ...BWD, 'dW_hh');
      expectClose(read(DWhr), numericalGradient(loss, whr), ...BWD, 'dW_hr');
      if (c.bias) {
        expectClose(read(DBih), numericalGradient(loss, w.bih), ...BWD, 'db_ih');
        expectClose(read(DBhh), numericalGradient(loss, w.bhh), ...BWD, 'db_hh');
      }
      if (h0) expectClose(read(DH0), numericalGradient(loss, h0), ...BWD, 'dh0');
      if (c0) expectClose(read(DC0), numericalGradient(loss, c0), ...BWD, 'dc0');
    });
  }
});
