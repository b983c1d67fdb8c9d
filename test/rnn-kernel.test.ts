// rnnForward / rnnBackward (WASM, f32) against the float64 reference, whose backward
// is itself checked by finite differences in reference.test.ts.
import { describe, it } from 'vitest';
import { rnnBackwardRef, rnnForwardRef, type Act } from './reference/rnn.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, recurrentArgs, runtime, zeros } from './helpers/wasm.js';

const rt = runtime();
const k = rt.kernels;

// f32 against f64 through T recurrent steps with the tanh approximation (≤ 5e-7 abs).
const FWD = [1e-4, 2e-6] as const;
const BWD = [1e-4, 1e-5] as const;

interface Case { T: number; B: number; I: number; H: number; act: Act; lengths?: number[]; h0: boolean; perStep: boolean; last: boolean }

const cases: Case[] = [
  { T: 1, B: 1, I: 1, H: 1, act: 'tanh', h0: false, perStep: true, last: false },
  { T: 5, B: 4, I: 8, H: 16, act: 'tanh', h0: false, perStep: true, last: false },
  { T: 6, B: 3, I: 5, H: 7, act: 'tanh', lengths: [6, 2, 4], h0: true, perStep: true, last: true },
  { T: 7, B: 5, I: 13, H: 19, act: 'tanh', lengths: [1, 7, 3, 5, 2], h0: true, perStep: false, last: true },
  { T: 4, B: 6, I: 3, H: 33, act: 'relu', lengths: [4, 4, 1, 2, 3, 4], h0: true, perStep: true, last: true },
  { T: 9, B: 2, I: 31, H: 20, act: 'relu', lengths: [9, 5], h0: false, perStep: true, last: false },
  { T: 12, B: 8, I: 40, H: 64, act: 'tanh', lengths: [12, 11, 10, 9, 3, 12, 1, 7], h0: true, perStep: true, last: true },
];

describe('Elman RNN kernel vs float64 reference', () => {
  for (const c of cases) {
    const name = `T=${c.T} B=${c.B} I=${c.I} H=${c.H} ${c.act}${c.lengths ? ' masked' : ''}${c.h0 ? ' h0' : ''}` +
      `${c.perStep ? ' per-step loss' : ''}${c.last ? ' final-state loss' : ''}`;
    it(name, () => {
      const { T, B, I, H } = c;
      const rng = testRng(T * 31 + B * 7 + I * 3 + H);
      const lengths = c.lengths ?? Array(B).fill(T);
      const s = 1 / Math.sqrt(H);
      const x = rng.array(T * B * I);
      const w = { wih: rng.array(H * I, s), whh: rng.array(H * H, s), bih: rng.array(H, s), bhh: rng.array(H, s) };
      const h0 = c.h0 ? rng.array(B * H) : null;
      const dhs = c.perStep ? rng.array(T * B * H) : null;
      const dhLast = c.last ? rng.array(B * H) : null;

      const hsRef = rnnForwardRef(c, x, w, h0, lengths, c.act);
      const gRef = rnnBackwardRef(c, x, w, h0, lengths, c.act, hsRef, dhs, dhLast);

      const X = putF32(rt, x), L = putI32(rt, lengths), H0 = h0 ? putF32(rt, h0) : null;
      const Wih = putF32(rt, w.wih), Whh = putF32(rt, w.whh), Bih = putF32(rt, w.bih), Bhh = putF32(rt, w.bhh);
      const pack = (src: number, ld: number, K: number, N: number, trans: number) => {
        const r = zeros(rt, k.packedSize(K, N));
        k.packB(src, ld, K, N, trans, r.ptr);
        return r;
      };
      const wihT = pack(Wih.ptr, I, I, H, 1), whhT = pack(Whh.ptr, H, H, H, 1);
      const wihN = pack(Wih.ptr, I, H, I, 0), whhN = pack(Whh.ptr, H, H, H, 0);
      const HS = zeros(rt, T * B * H);
      const act = c.act === 'relu' ? 1 : 0;
      k.rnnForward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wih: wihT.ptr, whh: whhT.ptr, bih: Bih.ptr, bhh: Bhh.ptr,
        h0: H0?.ptr ?? 0, lengths: L.ptr, variant: act, hs: HS.ptr }));
      expectClose(read(HS), hsRef, ...FWD, 'hs');

      const DHS = dhs ? putF32(rt, dhs) : null, DHL = dhLast ? putF32(rt, dhLast) : null;
      // Gradients accumulate: start from a known offset to check the +=.
      const offset = 0.25;
      const DX = putF32(rt, new Float64Array(T * B * I).fill(offset));
      const DWih = putF32(rt, new Float64Array(H * I).fill(offset)), DWhh = putF32(rt, new Float64Array(H * H).fill(offset));
      const DBih = putF32(rt, new Float64Array(H).fill(offset)), DBhh = putF32(rt, new Float64Array(H).fill(offset));
      const DH0 = zeros(rt, B * H);
      const dz = zeros(rt, T * B * H), dhCur = zeros(rt, B * H), carry = zeros(rt, B * H);
      const packScratch = zeros(rt, k.packedSize(T * B, Math.max(I, H)));
      k.rnnBackward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wihBack: wihN.ptr, whhBack: whhN.ptr, h0: H0?.ptr ?? 0, lengths: L.ptr,
        variant: act, hs: HS.ptr, dhs: DHS?.ptr ?? 0, dhLast: DHL?.ptr ?? 0, dx: DX.ptr, dwih: DWih.ptr, dwhh: DWhh.ptr,
        dbih: DBih.ptr, dbhh: DBhh.ptr, dh0: DH0.ptr, dz: dz.ptr, dhCur: dhCur.ptr, carry: carry.ptr, pack: packScratch.ptr }));
      const plus = (a: Float64Array) => a.map((v) => v + offset);
      expectClose(read(DX), plus(gRef.dx), ...BWD, 'dx');
      expectClose(read(DWih), plus(gRef.dwih), ...BWD, 'dW_ih');
      expectClose(read(DWhh), plus(gRef.dwhh), ...BWD, 'dW_hh');
      expectClose(read(DBih), plus(gRef.dbih), ...BWD, 'db_ih');
      expectClose(read(DBhh), plus(gRef.dbhh), ...BWD, 'db_hh');
      expectClose(read(DH0), gRef.dh0, ...BWD, 'dh0');
    });
  }
});
