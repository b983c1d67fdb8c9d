// The nn modules (nn.lstm / nn.gru / nn.rnn) against the float64 reference stack
// (test/reference/stack.ts, composed from the cell references): outputs and final
// states, every gradient by central differences of the reference, batch-first against
// time-major (transposed here), packed-sequence lengths, gradient accumulation,
// initialisation and dropout. The PyTorch fixtures are in pytorch-parity.test.ts.
import { describe, expect, it } from 'vitest';
import { nn, ArgumentError, type StateDict } from '../src/index.js';
import { stackForwardRef, type StackSpec } from './reference/stack.js';
import { numericalGradient } from './reference/gradcheck.js';
import type { RnnWeights } from './reference/rnn.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
/** [A][B][C] → [B][A][C], done here independently of the library. */
const swap01 = (src: ArrayLike<number>, A: number, B: number, C: number) => {
  const out = new Float64Array(A * B * C);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out[(b * A + a) * C + c] = src[(a * B + b) * C + c];
  return out;
};
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

// Forward: f32 kernels against float64 (as test/recurrent-layer.test.ts). Gradients:
// against central differences of the float64 reference, relative 2e-4 with a 2e-5 floor.
const FWD = [1e-4, 2e-6] as const, GRAD = [2e-4, 2e-5] as const;

/** Float64 copies of a module's weights in the reference's order (layer-major, forward then reverse). */
function referenceWeights(sd: StateDict, L: number, D: number): RnnWeights[] {
  const w: RnnWeights[] = [];
  for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) {
    const s = `_l${l}${d ? '_reverse' : ''}`;
    // A bias-free module's biases are zeros of weight_ih's row count.
    const g = (n: string) => Float64Array.from(sd[`${n}${s}`]?.data ?? new Float32Array(sd[`weight_ih${s}`].shape[0]));
    w.push({ wih: g('weight_ih'), whh: g('weight_hh'), bih: g('bias_ih'), bhh: g('bias_hh') });
  }
  return w;
}

interface Case {
  cell: 'rnn' | 'lstm' | 'gru';
  T: number; B: number; I: number; H: number; L: number; D: 1 | 2;
  lengths: number[]; states: boolean; batchFirst: boolean;
  nonlinearity?: 'tanh' | 'relu'; resetBefore?: boolean;
}

const cases: Case[] = [
  { cell: 'lstm', T: 4, B: 3, I: 5, H: 6, L: 2, D: 2, lengths: [4, 2, 3], states: true, batchFirst: false },
  { cell: 'lstm', T: 3, B: 2, I: 3, H: 4, L: 1, D: 1, lengths: [3, 1], states: false, batchFirst: true },
  { cell: 'gru', T: 5, B: 2, I: 3, H: 5, L: 2, D: 1, lengths: [5, 3], states: true, batchFirst: true },
  { cell: 'gru', T: 4, B: 3, I: 4, H: 3, L: 1, D: 2, lengths: [1, 4, 2], states: false, batchFirst: false, resetBefore: true },
  { cell: 'rnn', T: 5, B: 3, I: 3, H: 4, L: 2, D: 2, lengths: [5, 5, 2], states: true, batchFirst: true, nonlinearity: 'relu' },
  { cell: 'rnn', T: 3, B: 2, I: 2, H: 5, L: 3, D: 1, lengths: [2, 3], states: false, batchFirst: false },
];

function make(c: Case, seed = 7) {
  const o = { inputSize: c.I, hiddenSize: c.H, numLayers: c.L, bidirectional: c.D === 2, batchFirst: c.batchFirst, seed };
  return c.cell === 'lstm' ? nn.lstm(rt, o) : c.cell === 'gru' ? nn.gru(rt, { ...o, resetBefore: c.resetBefore }) : nn.rnn(rt, { ...o, nonlinearity: c.nonlinearity });
}

describe('nn modules against the float64 reference', () => {
  for (const c of cases) {
    const name = `${c.cell}${c.resetBefore ? ' (reset before)' : ''}${c.nonlinearity ? ` (${c.nonlinearity})` : ''} L=${c.L} D=${c.D} ${c.batchFirst ? 'batch-first' : 'time-major'}`
      + ` T=${c.T} B=${c.B} I=${c.I} H=${c.H} lengths [${c.lengths}]${c.states ? ' with h0/c0' : ''}`;
    it(`${name}: outputs, final states and every gradient`, () => {
      const { T, B, I, H, L, D } = c, S = L * D * B * H, O = D * H, lstm = c.cell === 'lstm';
      using m = make(c);
      const rng = testRng(T * 31 + H);
      const x = rng.array(T * B * I); // time-major; the module sees it batch-first when so configured
      const h0 = c.states ? rng.array(S) : new Float64Array(S), c0 = c.states && lstm ? rng.array(S) : new Float64Array(S);
      const dOut = rng.array(T * B * O), dhn = rng.array(S), dcn = rng.array(S);
      const spec: StackSpec = { cell: c.cell, T, B, I, H, L, D, merge: 'concat', nonlinearity: c.nonlinearity, resetBefore: c.resetBefore };
      const weights = referenceWeights(m.stateDict(), L, D);
      const ref = () => stackForwardRef(spec, x, weights, c.lengths, h0, lstm ? c0 : null);
      const loss = () => {
        const r = ref();
        return dot(dOut, r.output) + dot(dhn, r.hn) + (lstm ? dot(dcn, r.cn) : 0);
      };
      const toModule = (a: ArrayLike<number>, C: number) => f32(c.batchFirst ? swap01(a, T, B, C) : a);
      const fromModule = (a: ArrayLike<number>, C: number) => (c.batchFirst ? swap01(a, B, T, C) : Float64Array.from(a));

      const f = m.forward({ data: toModule(x, I), shape: c.batchFirst ? [B, T, I] : [T, B, I] }, {
        lengths: c.lengths, training: true,
        ...(c.states ? { h0: { data: f32(h0), shape: [L * D, B, H] } } : {}),
        ...(c.states && lstm ? { c0: { data: f32(c0), shape: [L * D, B, H] } } : {}),
      });
      const r = ref();
      expect(f.output.shape).toEqual(c.batchFirst ? [B, T, O] : [T, B, O]);
      expect(f.hn.shape).toEqual([L * D, B, H]);
      expectClose(fromModule(f.output.data, O), r.output, ...FWD, 'output');
      expectClose(f.hn.data, r.hn, ...FWD, 'h_n');
      if (lstm) expectClose(f.cn!.data, r.cn, ...FWD, 'c_n');
      else expect(f.cn).toBeUndefined();

      const b = m.backward({ dOutput: { data: toModule(dOut, O), shape: f.output.shape }, dhn: { data: f32(dhn), shape: [L * D, B, H] },
        ...(lstm ? { dcn: { data: f32(dcn), shape: [L * D, B, H] } } : {}) });
      expect(b.dx.shape).toEqual(c.batchFirst ? [B, T, I] : [T, B, I]);
      expectClose(fromModule(b.dx.data, I), numericalGradient(loss, x), ...GRAD, 'dx');
      // dh0 / dc0 are the gradients at the initial states used: the given ones, or zeros.
      expectClose(b.dh0.data, numericalGradient(loss, h0), ...GRAD, 'dh0');
      if (lstm) expectClose(b.dc0!.data, numericalGradient(loss, c0), ...GRAD, 'dc0');
      else expect(b.dc0).toBeUndefined();
      const g = m.gradients();
      weights.forEach((w, i) => {
        const s = `_l${Math.floor(i / D)}${i % D ? '_reverse' : ''}`;
        for (const [key, n] of [['wih', 'weight_ih'], ['whh', 'weight_hh'], ['bih', 'bias_ih'], ['bhh', 'bias_hh']] as const) {
          expectClose(g[`${n}${s}`].data, numericalGradient(loss, w[key] as Float64Array), ...GRAD, `${n}${s}`);
        }
      });
    });
  }

  it('batch-first gives the time-major result transposed: outputs, states, dx and the same parameter gradients', () => {
    const T = 5, B = 3, I = 4, H = 6, L = 2;
    const lengths = [5, 2, 4];
    const o = { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, seed: 11 };
    using tm = nn.gru(rt, o);
    using bf = nn.gru(rt, { ...o, batchFirst: true });
    const rng = testRng(3);
    const x = rng.array(T * B * I), dOut = rng.array(T * B * 2 * H), dhn = rng.array(2 * L * B * H);
    const a = tm.forward({ data: f32(x), shape: [T, B, I] }, { lengths, training: true });
    const z = bf.forward({ data: f32(swap01(x, T, B, I)), shape: [B, T, I] }, { lengths, training: true });
    expect(z.output.shape).toEqual([B, T, 2 * H]);
    expect(Array.from(swap01(z.output.data, B, T, 2 * H))).toEqual(Array.from(a.output.data));
    expect(Array.from(z.hn.data)).toEqual(Array.from(a.hn.data));
    // Both against the reference, so agreeing with each other is not all they do.
    const ref = stackForwardRef({ cell: 'gru', T, B, I, H, L, D: 2, merge: 'concat' }, x, referenceWeights(tm.stateDict(), L, 2), lengths, null, null);
    expectClose(a.output.data, ref.output, ...FWD, 'time-major output');
    const ga = tm.backward({ dOutput: { data: f32(dOut), shape: [T, B, 2 * H] }, dhn: { data: f32(dhn), shape: [2 * L, B, H] } });
    const gz = bf.backward({ dOutput: { data: f32(swap01(dOut, T, B, 2 * H)), shape: [B, T, 2 * H] }, dhn: { data: f32(dhn), shape: [2 * L, B, H] } });
    expect(gz.dx.shape).toEqual([B, T, I]);
    expect(Array.from(swap01(gz.dx.data, B, T, I))).toEqual(Array.from(ga.dx.data));
    expect(Array.from(gz.dh0.data)).toEqual(Array.from(ga.dh0.data));
    const [g1, g2] = [tm.gradients(), bf.gradients()];
    for (const n of Object.keys(g1)) expect(Array.from(g2[n].data), n).toEqual(Array.from(g1[n].data));
  });

  it('lengths: outputs are exactly zero at padded steps; final states are each sequence\'s last valid step (reverse: its first)', () => {
    const T = 6, B = 3, I = 2, H = 3, lengths = [6, 1, 4];
    using m = nn.lstm(rt, { inputSize: I, hiddenSize: H, bidirectional: true, seed: 5 });
    const x = testRng(9).array(T * B * I);
    const f = m.forward({ data: f32(x), shape: [T, B, I] }, { lengths: Int32Array.from(lengths) });
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let j = 0; j < 2 * H; j++) {
      const v = f.output.data[(t * B + b) * 2 * H + j];
      if (t >= lengths[b]) expect(v, `output[${t}][${b}][${j}]`).toBe(0);
      else expect(v, `output[${t}][${b}][${j}]`).not.toBe(0);
    }
    // Forward direction: h_n is the output at step length − 1; reverse: the output at step 0.
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
      expect(f.hn.data[(0 * B + b) * H + j]).toBe(f.output.data[((lengths[b] - 1) * B + b) * 2 * H + j]);
      expect(f.hn.data[(1 * B + b) * H + j]).toBe(f.output.data[(0 * B + b) * 2 * H + H + j]);
    }
    const ref = stackForwardRef({ cell: 'lstm', T, B, I, H, L: 1, D: 2, merge: 'concat' }, x, referenceWeights(m.stateDict(), 1, 2), lengths, null, null);
    expectClose(f.output.data, ref.output, ...FWD, 'output');
    expectClose(f.hn.data, ref.hn, ...FWD, 'h_n');
    // Without lengths every sequence runs all T steps, so the padded steps are no longer zero.
    const full = m.forward({ data: f32(x), shape: [T, B, I] });
    expect(full.output.data[(5 * B + 1) * 2 * H]).not.toBe(0);
  });

  it('gradients accumulate over backward passes until zeroGrad(), as PyTorch\'s .grad', () => {
    const T = 3, B = 2, I = 3, H = 4;
    using m = nn.rnn(rt, { inputSize: I, hiddenSize: H, seed: 2 });
    const rng = testRng(5);
    const x = rng.array(T * B * I), dOut = rng.array(T * B * H);
    const weights = referenceWeights(m.stateDict(), 1, 1);
    const loss = () => dot(dOut, stackForwardRef({ cell: 'rnn', T, B, I, H, L: 1, D: 1, merge: 'concat' }, x, weights, [T, T], null, null).output);
    const expected = numericalGradient(loss, weights[0].whh as Float64Array);
    for (const g of Object.values(m.gradients())) expect(g.data.every((v) => v === 0)).toBe(true);
    const step = () => {
      m.forward({ data: f32(x), shape: [T, B, I] }, { training: true });
      m.backward({ dOutput: { data: f32(dOut), shape: [T, B, H] } });
    };
    step();
    expectClose(m.gradients().weight_hh_l0.data, expected, ...GRAD, 'one backward');
    step();
    expectClose(m.gradients().weight_hh_l0.data, expected.map((v) => 2 * v), ...GRAD, 'two backwards');
    m.zeroGrad();
    for (const g of Object.values(m.gradients())) expect(g.data.every((v) => v === 0)).toBe(true);
    step();
    expectClose(m.gradients().weight_hh_l0.data, expected, ...GRAD, 'after zeroGrad');
  });

  it('backward needs a training forward, once: none, an inference forward, or a second backward throw ArgumentError', () => {
    using m = nn.gru(rt, { inputSize: 2, hiddenSize: 3 });
    const x = { data: new Float32Array(2 * 1 * 2).fill(0.5), shape: [2, 1, 2] };
    const dOutput = { data: new Float32Array(2 * 3), shape: [2, 1, 3] };
    expect(() => m.backward({ dOutput })).toThrow(ArgumentError);
    m.forward(x);
    expect(() => m.backward({ dOutput })).toThrow(/needs a preceding forward\(x, \{ training: true \}\)/);
    m.forward(x, { training: true });
    expect(() => m.backward({ dOutput })).not.toThrow();
    expect(() => m.backward({ dOutput })).toThrow(ArgumentError);
    m.forward(x, { training: true });
    m.loadStateDict(m.stateDict()); // new weights: the forward's activations no longer match them
    expect(() => m.backward({ dOutput })).toThrow(ArgumentError);
  });

  it('initialises as PyTorch: every weight and bias uniform in ±1/√H, reproducible by seed', () => {
    const H = 64;
    using a = nn.lstm(rt, { inputSize: 32, hiddenSize: H, numLayers: 2, seed: 1 });
    using b = nn.lstm(rt, { inputSize: 32, hiddenSize: H, numLayers: 2, seed: 1 });
    using c = nn.lstm(rt, { inputSize: 32, hiddenSize: H, numLayers: 2, seed: 2 });
    const r = 1 / Math.sqrt(H);
    const [sa, sb, sc] = [a.stateDict(), b.stateDict(), c.stateDict()];
    expect(Object.keys(sa)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1']);
    expect(sa.weight_ih_l0.shape).toEqual([4 * H, 32]);
    expect(sa.weight_ih_l1.shape).toEqual([4 * H, H]);
    expect(sa.bias_hh_l1.shape).toEqual([4 * H]);
    expect(a.parameterCount).toBe(4 * H * (32 + H + 2) + 4 * H * (H + H + 2)); // torch: sum(p.numel() for p in lstm.parameters())
    for (const n of Object.keys(sa)) {
      const v = sa[n].data;
      expect(Array.from(sb[n].data), n).toEqual(Array.from(v));
      expect(Array.from(sc[n].data), n).not.toEqual(Array.from(v));
      expect(v.every((w) => Math.abs(w) <= r), n).toBe(true);
      if (v.length < 1000) continue;
      // U(−r, r): mean 0 and variance r²/3, within a few standard errors.
      const mean = v.reduce((s, w) => s + w, 0) / v.length, variance = v.reduce((s, w) => s + (w - mean) ** 2, 0) / v.length;
      expect(Math.abs(mean), n).toBeLessThan(5 * r / Math.sqrt(3 * v.length));
      expect(Math.abs(variance / (r * r / 3) - 1), n).toBeLessThan(0.1);
    }
  });

  it('dropout: between layers in training forwards only, reproducible by seed', () => {
    const T = 4, B = 2, I = 3, H = 5, L = 2;
    const x = { data: f32(testRng(8).array(T * B * I)), shape: [T, B, I] };
    const o = { inputSize: I, hiddenSize: H, numLayers: L, dropout: 0.5, seed: 4 };
    using a = nn.lstm(rt, o);
    using b = nn.lstm(rt, o);
    const ref = stackForwardRef({ cell: 'lstm', T, B, I, H, L, D: 1, merge: 'concat' }, x.data, referenceWeights(a.stateDict(), L, 1), [T, T], null, null);
    expectClose(a.forward(x).output.data, ref.output, ...FWD, 'inference: no dropout');
    const ta = a.forward(x, { training: true }).output.data, tb = b.forward(x, { training: true }).output.data;
    expect(Array.from(ta)).toEqual(Array.from(tb));
    expect(Array.from(ta)).not.toEqual(Array.from(a.forward(x).output.data));
  });

  it('bias: false gives a module without bias_ih / bias_hh (checked against the reference with zero biases)', () => {
    const T = 4, B = 2, I = 3, H = 4, L = 2, lengths = [4, 2];
    using m = nn.gru(rt, { inputSize: I, hiddenSize: H, numLayers: L, bias: false, seed: 3 });
    expect(m.parameterNames).toEqual(['weight_ih_l0', 'weight_hh_l0', 'weight_ih_l1', 'weight_hh_l1']);
    const rng = testRng(12);
    const x = rng.array(T * B * I), dOut = rng.array(T * B * H);
    const weights = referenceWeights(m.stateDict(), L, 1);
    const ref = () => stackForwardRef({ cell: 'gru', T, B, I, H, L, D: 1, merge: 'concat' }, x, weights, lengths, null, null);
    const f = m.forward({ data: f32(x), shape: [T, B, I] }, { lengths, training: true });
    expectClose(f.output.data, ref().output, ...FWD, 'output');
    const b = m.backward({ dOutput: { data: f32(dOut), shape: [T, B, H] } });
    const loss = () => dot(dOut, ref().output);
    expectClose(b.dx.data, numericalGradient(loss, x), ...GRAD, 'dx');
    expectClose(m.gradients().weight_hh_l1.data, numericalGradient(loss, weights[1].whh as Float64Array), ...GRAD, 'weight_hh_l1');
  });
});
