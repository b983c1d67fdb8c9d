// LSTM and GRU kernels (WASM, f32) against the float64 references: the forward
// outputs directly, every gradient against central differences of the reference
// forward. Masked rows, initial states, odd sizes, per-step and final-state losses.
import { describe, it } from 'vitest';
import { lstmForwardRef } from './reference/lstm.js';
import { gruForwardRef } from './reference/gru.js';
import type { RnnDims } from './reference/rnn.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, recurrentArgs, runtime, zeros } from './helpers/wasm.js';
import type { Region } from '../src/index.js';

const rt = runtime();
const k = rt.kernels;
const FWD = [1e-4, 2e-6] as const;
const BWD = [2e-4, 2e-5] as const;

interface Case extends RnnDims { lengths?: number[]; h0: boolean; perStep: boolean; last: boolean }
const cases: Case[] = [
  { T: 1, B: 1, I: 1, H: 1, h0: false, perStep: true, last: false },
  { T: 4, B: 2, I: 4, H: 8, h0: false, perStep: true, last: false },
  { T: 5, B: 3, I: 7, H: 6, lengths: [5, 2, 4], h0: true, perStep: true, last: true },
  { T: 6, B: 4, I: 5, H: 9, lengths: [1, 6, 3, 2], h0: true, perStep: false, last: true },
  { T: 7, B: 5, I: 9, H: 17, lengths: [7, 7, 4, 1, 5], h0: true, perStep: true, last: true },
  // The character BiLSTM's shape: H = 16 (no partial chunk, narrow N = 4H), many short rows.
  { T: 4, B: 9, I: 16, H: 16, lengths: [4, 1, 3, 4, 2, 4, 1, 3, 4], h0: true, perStep: true, last: true },
  // Rows sorted longest first with ≥ 1/4 padding (as the character BiLSTM sorts its words): the
  // LSTM runs each step on the valid prefix of rows only.
  { T: 6, B: 7, I: 12, H: 16, lengths: [6, 6, 4, 3, 3, 1, 1], h0: true, perStep: true, last: true },
  { T: 5, B: 4, I: 5, H: 6, lengths: [5, 3, 2, 1], h0: false, perStep: false, last: true },
];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const name = (c: Case) => `T=${c.T} B=${c.B} I=${c.I} H=${c.H}${c.lengths ? ' masked' : ''}${c.h0 ? ' +initial state' : ''}` +
  `${c.perStep ? ' per-step loss' : ''}${c.last ? ' final-state loss' : ''}`;

function packed(src: Region, rowOffset: number, ld: number, K: number, N: number, trans: number): Region {
  const r = zeros(rt, k.packedSize(K, N));
  k.packB(src.at(rowOffset * ld), ld, K, N, trans, r.ptr);
  return r;
}

function setup(c: Case, G: number, seed: number) {
  const { T, B, I, H } = c;
  const rng = testRng(seed);
  const s = 1 / Math.sqrt(H);
  return {
    lengths: c.lengths ?? Array(B).fill(T),
    x: rng.array(T * B * I),
    w: { wih: rng.array(G * H * I, s), whh: rng.array(G * H * H, s), bih: rng.array(G * H, s), bhh: rng.array(G * H, s) },
    h0: c.h0 ? rng.array(B * H) : null,
    c0: c.h0 ? rng.array(B * H) : null,
    dhs: c.perStep ? rng.array(T * B * H) : null,
    dhLast: c.last ? rng.array(B * H) : null,
    dcLast: c.last ? rng.array(B * H) : null,
  };
}

/** Every gradient the kernel wrote against central differences of the reference loss. */
function expectGradients(loss: () => number, d: ReturnType<typeof setup>, g: Record<string, Region>): void {
  const pairs: [string, Float64Array | null][] = [
    ['DX', d.x], ['DWih', d.w.wih], ['DWhh', d.w.whh], ['DBih', d.w.bih], ['DBhh', d.w.bhh], ['DH0', d.h0], ['DC0', d.c0],
  ];
  for (const [name, input] of pairs) if (input && g[name]) expectClose(read(g[name]), numericalGradient(loss, input), ...BWD, name);
}

describe('LSTM kernel vs float64 reference', () => {
  for (const c of cases) {
    it(name(c), () => {
      const { T, B, I, H } = c;
      const G = 4 * H;
      const d = setup(c, 4, T * 13 + I * 5 + H);
      const ref = () => lstmForwardRef(c, d.x, d.w, d.h0, d.c0, d.lengths);
      const loss = () => {
        const f = ref();
        const last = (T - 1) * B * H;
        return (d.dhs ? dot(d.dhs, f.hs) : 0) + (d.dhLast ? dot(d.dhLast, f.hs.subarray(last)) : 0) +
          (d.dcLast ? dot(d.dcLast, f.cs.subarray(last)) : 0);
      };
      const X = putF32(rt, d.x), L = putI32(rt, d.lengths);
      const Wih = putF32(rt, d.w.wih), Whh = putF32(rt, d.w.whh), Bih = putF32(rt, d.w.bih), Bhh = putF32(rt, d.w.bhh);
      const H0 = d.h0 ? putF32(rt, d.h0) : null, C0 = d.c0 ? putF32(rt, d.c0) : null;
      const gates = zeros(rt, T * B * G), CS = zeros(rt, T * B * H), HS = zeros(rt, T * B * H);
      k.lstmForward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wih: packed(Wih, 0, I, I, G, 1).ptr, whh: packed(Whh, 0, H, H, G, 1).ptr,
        bih: Bih.ptr, bhh: Bhh.ptr, h0: H0?.ptr ?? 0, c0: C0?.ptr ?? 0, lengths: L.ptr, gates: gates.ptr, saved: CS.ptr, hs: HS.ptr }));
      const f = ref();
      expectClose(read(HS), f.hs, ...FWD, 'h');
      expectClose(read(CS), f.cs, ...FWD, 'c');

      const DX = zeros(rt, T * B * I), DWih = zeros(rt, G * I), DWhh = zeros(rt, G * H), DBih = zeros(rt, G), DBhh = zeros(rt, G);
      const DH0 = zeros(rt, B * H), DC0 = zeros(rt, B * H);
      k.lstmBackward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wihBack: packed(Wih, 0, I, G, I, 0).ptr, whhBack: packed(Whh, 0, H, G, H, 0).ptr,
        h0: H0?.ptr ?? 0, c0: C0?.ptr ?? 0, lengths: L.ptr, gates: gates.ptr, saved: CS.ptr, hs: HS.ptr,
        dhs: d.dhs ? putF32(rt, d.dhs).ptr : 0, dhLast: d.dhLast ? putF32(rt, d.dhLast).ptr : 0, dcLast: d.dcLast ? putF32(rt, d.dcLast).ptr : 0,
        dx: DX.ptr, dwih: DWih.ptr, dwhh: DWhh.ptr, dbih: DBih.ptr, dbhh: DBhh.ptr, dh0: DH0.ptr, dc0: DC0.ptr,
        dz: zeros(rt, T * B * G).ptr, dhCur: zeros(rt, B * H).ptr, carry: zeros(rt, B * H).ptr, carryC: zeros(rt, B * H).ptr,
        pack: zeros(rt, k.packedSize(T * B, Math.max(I, H))).ptr }));
      expectGradients(loss, d, { DX, DWih, DWhh, DBih, DBhh, DH0, DC0 });
    });
  }
});

for (const resetBefore of [false, true]) {
  describe(`GRU kernel (reset ${resetBefore ? 'before' : 'after'} the recurrent product) vs float64 reference`, () => {
    for (const c of cases) {
      it(name(c), () => {
        const { T, B, I, H } = c;
        const G = 3 * H;
        const d = setup(c, 3, T * 17 + I * 3 + H + (resetBefore ? 1 : 0));
        const ref = () => gruForwardRef(c, d.x, d.w, d.h0, d.lengths, resetBefore);
        const loss = () => {
          const hs = ref();
          return (d.dhs ? dot(d.dhs, hs) : 0) + (d.dhLast ? dot(d.dhLast, hs.subarray((T - 1) * B * H)) : 0);
        };
        const X = putF32(rt, d.x), L = putI32(rt, d.lengths);
        const Wih = putF32(rt, d.w.wih), Whh = putF32(rt, d.w.whh), Bih = putF32(rt, d.w.bih), Bhh = putF32(rt, d.w.bhh);
        const H0 = d.h0 ? putF32(rt, d.h0) : null;
        const gates = zeros(rt, T * B * G), saved = zeros(rt, T * B * H), HS = zeros(rt, T * B * H);
        const rb = resetBefore ? 1 : 0;
        k.gruForward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wih: packed(Wih, 0, I, I, G, 1).ptr, whh: packed(Whh, 0, H, H, 2 * H, 1).ptr,
          whhN: packed(Whh, 2 * H, H, H, H, 1).ptr, bih: Bih.ptr, bhh: Bhh.ptr, h0: H0?.ptr ?? 0, lengths: L.ptr, variant: rb,
          gates: gates.ptr, saved: saved.ptr, hs: HS.ptr, hg: zeros(rt, B * G).ptr }));
        expectClose(read(HS), ref(), ...FWD, 'h');

        const DX = zeros(rt, T * B * I), DWih = zeros(rt, G * I), DWhh = zeros(rt, G * H), DBih = zeros(rt, G), DBhh = zeros(rt, G);
        const DH0 = zeros(rt, B * H);
        k.gruBackward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wihBack: packed(Wih, 0, I, G, I, 0).ptr, whhBack: packed(Whh, 0, H, 2 * H, H, 0).ptr,
          whhNBack: packed(Whh, 2 * H, H, H, H, 0).ptr, h0: H0?.ptr ?? 0, lengths: L.ptr, variant: rb, gates: gates.ptr, saved: saved.ptr, hs: HS.ptr,
          dhs: d.dhs ? putF32(rt, d.dhs).ptr : 0, dhLast: d.dhLast ? putF32(rt, d.dhLast).ptr : 0,
          dx: DX.ptr, dwih: DWih.ptr, dwhh: DWhh.ptr, dbih: DBih.ptr, dbhh: DBhh.ptr, dh0: DH0.ptr,
          dz: zeros(rt, T * B * G).ptr, dhg: zeros(rt, T * B * G).ptr, dhCur: zeros(rt, B * H).ptr, carry: zeros(rt, B * H).ptr,
          drh: zeros(rt, B * H).ptr, pack: zeros(rt, k.packedSize(T * B, Math.max(I, H))).ptr }));
        expectGradients(loss, d, { DX, DWih, DWhh, DBih, DBhh, DH0 });
      });
    }
  });
}

// The valid-prefix path (rows sorted longest first, ≥ 1/4 padding) against the whole-batch
// path on the same rows in another order: the forward bitwise (each row's products
// are the same), the gradients within float32 rounding (sums over rows in another order).
describe('LSTM kernel: rows sorted by length (valid prefix per step) equal the whole-batch path', () => {
  it('character BiLSTM shape: T=10 B=23 I=12 H=16, lengths 10 … 1', () => {
    const T = 10, B = 23, I = 12, H = 16, G = 4 * H;
    const rng = testRng(77);
    const sorted = Array.from({ length: B }, (_, b) => Math.max(1, 10 - Math.floor((b * 10) / B)));
    const perm = Array.from({ length: B }, (_, b) => (b * 7) % B); // row b of the unsorted batch is sorted row perm[b]
    const s = 1 / Math.sqrt(H);
    const x = rng.array(T * B * I), wih = rng.array(G * I, s), whh = rng.array(G * H, s), bih = rng.array(G, s), bhh = rng.array(G, s);
    const h0 = rng.array(B * H), c0 = rng.array(B * H), dhs = rng.array(T * B * H), dhLast = rng.array(B * H), dcLast = rng.array(B * H);
    const permuteRows = (a: ArrayLike<number>, steps: number, width: number) => {
      const out = new Float64Array(steps * B * width);
      for (let t = 0; t < steps; t++) for (let b = 0; b < B; b++) for (let j = 0; j < width; j++) out[(t * B + b) * width + j] = a[(t * B + perm[b]) * width + j];
      return out;
    };
    const run = (lengths: number[], xs: ArrayLike<number>, h0s: ArrayLike<number>, c0s: ArrayLike<number>, dh: ArrayLike<number>, dhl: ArrayLike<number>, dcl: ArrayLike<number>) => {
      const X = putF32(rt, xs), L = putI32(rt, lengths), Wih = putF32(rt, wih), Whh = putF32(rt, whh), Bih = putF32(rt, bih), Bhh = putF32(rt, bhh);
      const H0 = putF32(rt, h0s), C0 = putF32(rt, c0s);
      const gates = zeros(rt, T * B * G), CS = zeros(rt, T * B * H), HS = zeros(rt, T * B * H);
      k.lstmForward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wih: packed(Wih, 0, I, I, G, 1).ptr, whh: packed(Whh, 0, H, H, G, 1).ptr,
        bih: Bih.ptr, bhh: Bhh.ptr, h0: H0.ptr, c0: C0.ptr, lengths: L.ptr, gates: gates.ptr, saved: CS.ptr, hs: HS.ptr }));
      const DX = zeros(rt, T * B * I), DWih = zeros(rt, G * I), DWhh = zeros(rt, G * H), DBih = zeros(rt, G), DBhh = zeros(rt, G);
      const DH0 = zeros(rt, B * H), DC0 = zeros(rt, B * H);
      k.lstmBackward(recurrentArgs(rt, { T, B, I, H, x: X.ptr, wihBack: packed(Wih, 0, I, G, I, 0).ptr, whhBack: packed(Whh, 0, H, G, H, 0).ptr,
        h0: H0.ptr, c0: C0.ptr, lengths: L.ptr, gates: gates.ptr, saved: CS.ptr, hs: HS.ptr,
        dhs: putF32(rt, dh).ptr, dhLast: putF32(rt, dhl).ptr, dcLast: putF32(rt, dcl).ptr,
        dx: DX.ptr, dwih: DWih.ptr, dwhh: DWhh.ptr, dbih: DBih.ptr, dbhh: DBhh.ptr, dh0: DH0.ptr, dc0: DC0.ptr,
        dz: zeros(rt, T * B * G).ptr, dhCur: zeros(rt, B * H).ptr, carry: zeros(rt, B * H).ptr, carryC: zeros(rt, B * H).ptr,
        pack: zeros(rt, k.packedSize(T * B, Math.max(I, H))).ptr }));
      return { hs: read(HS), cs: read(CS), dx: read(DX), dwih: read(DWih), dwhh: read(DWhh), dbih: read(DBih), dbhh: read(DBhh), dh0: read(DH0), dc0: read(DC0) };
    };
    const a = run(sorted, x, h0, c0, dhs, dhLast, dcLast);
    const b = run(perm.map((p) => sorted[p]), permuteRows(x, T, I), permuteRows(h0, 1, H), permuteRows(c0, 1, H), permuteRows(dhs, T, H), permuteRows(dhLast, 1, H), permuteRows(dcLast, 1, H));
    // Forward: bitwise equal per row (padded steps carry the same states too).
    expectClose(permuteRows(a.hs, T, H), b.hs, 0, 0, 'h');
    expectClose(permuteRows(a.cs, T, H), b.cs, 0, 0, 'c');
    expectClose(permuteRows(a.dx, T, I), b.dx, 1e-6, 1e-5, 'dx');
    expectClose(permuteRows(a.dh0, 1, H), b.dh0, 1e-6, 1e-5, 'dh0');
    expectClose(permuteRows(a.dc0, 1, H), b.dc0, 1e-6, 1e-5, 'dc0');
    for (const w of ['dwih', 'dwhh', 'dbih', 'dbhh'] as const) expectClose(a[w], b[w], 1e-5, 1e-5, w);
  });
});
