// The Recurrent layer (stacked, bidirectional, merges, initial/final states, masks)
// against a float64 composition of the cell references: outputs, final states and
// every gradient (by central differences of the reference).
import { describe, expect, it } from 'vitest';
import { stackForwardRef, type StackSpec } from './reference/stack.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, runtime, zeros } from './helpers/wasm.js';
import { ParameterTable, Rng } from '../src/index.js';
import { Recurrent } from '../src/layers/recurrent.js';
import type { RnnWeights } from './reference/rnn.js';

const rt = runtime();
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

const specs: (StackSpec & { lengths: number[]; states: boolean })[] = [
  { cell: 'lstm', T: 4, B: 3, I: 5, H: 6, L: 2, D: 2, merge: 'concat', lengths: [4, 2, 3], states: true },
  { cell: 'gru', T: 5, B: 2, I: 3, H: 7, L: 3, D: 1, merge: 'concat', lengths: [5, 3], states: true },
  { cell: 'gru', T: 4, B: 3, I: 4, H: 5, L: 2, D: 2, merge: 'sum', lengths: [1, 4, 2], states: false, resetBefore: true },
  { cell: 'rnn', T: 5, B: 3, I: 3, H: 4, L: 2, D: 2, merge: 'mean', lengths: [5, 5, 2], states: true, nonlinearity: 'relu' },
  { cell: 'lstm', T: 3, B: 2, I: 2, H: 9, L: 1, D: 2, merge: 'concat', lengths: [3, 1], states: false },
  { cell: 'lstm', T: 4, B: 3, I: 5, H: 6, P: 3, L: 2, D: 2, merge: 'concat', lengths: [4, 2, 3], states: true },
  { cell: 'lstm', T: 3, B: 2, I: 3, H: 7, P: 2, L: 2, D: 2, merge: 'mean', lengths: [3, 1], states: false },
];

describe('Recurrent layer vs float64 reference composition', () => {
  for (const s of specs) {
    it(`${s.cell} L=${s.L} ${s.D === 2 ? `bidirectional (${s.merge})` : 'unidirectional'} T=${s.T} B=${s.B} I=${s.I} H=${s.H}${s.P ? ` projSize=${s.P}` : ''}${s.states ? ' with h0/c0' : ''}`, () => {
      const { T, B, I, H, L, D } = s;
      const W = s.P ?? H;
      const table = new ParameterTable();
      const layer = new Recurrent(rt, { cell: s.cell, inputSize: I, hiddenSize: H, numLayers: L, bidirectional: D === 2, merge: s.merge, nonlinearity: s.nonlinearity, resetBefore: s.resetBefore, projSize: s.P }, table, 'rnn.');
      const params = rt.planner.alloc(table.total), grads = rt.planner.alloc(table.total);
      layer.initialise(params.f32(), new Rng(5));
      layer.pack(params);
      const rng = testRng(T * 7 + H);
      const x = rng.array(T * B * I);
      const h0 = s.states ? rng.array(L * D * B * W) : null, c0 = s.states && s.cell === 'lstm' ? rng.array(L * D * B * H) : null;
      const outSize = layer.outputSize;
      const dOut = rng.array(T * B * outSize), dhn = rng.array(L * D * B * W), dcn = rng.array(L * D * B * H);
      // Reference weights: float64 copies of the layer's parameters, by state_dict name.
      const p = params.f32();
      const weights: (RnnWeights & { whr?: Float64Array })[] = [];
      for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        const get = (n: string) => { const e = table.get(`rnn.${n}${sfx}`); return Float64Array.from(p.subarray(e.offset, e.offset + e.size)); };
        weights.push({ wih: get('weight_ih'), whh: get('weight_hh'), bih: get('bias_ih'), bhh: get('bias_hh'), ...(s.P ? { whr: get('weight_hr') } : {}) });
      }
      const ref = () => stackForwardRef(s, x, weights, s.lengths, h0, c0);
      const loss = () => {
        const r = ref();
        return dot(dOut, r.output) + dot(dhn, r.hn) + (s.cell === 'lstm' ? dot(dcn, r.cn) : 0);
      };
      const X = putF32(rt, x), Lg = putI32(rt, s.lengths), H0 = h0 ? putF32(rt, h0) : null, C0 = c0 ? putF32(rt, c0) : null;
      const f = layer.forward(T, B, X.ptr, Lg.ptr, H0?.ptr ?? 0, C0?.ptr ?? 0, false, new Rng(1), params);
      const r = ref();
      const view = (ptr: number, n: number) => Float64Array.from(new Float32Array(rt.memory.buffer, ptr, n));
      expectClose(view(f.output, T * B * outSize), r.output, 1e-4, 2e-6, 'output');
      expectClose(view(f.hn, L * D * B * W), r.hn, 1e-4, 2e-6, 'h_n');
      if (s.cell === 'lstm') expectClose(view(f.cn, L * D * B * H), r.cn, 1e-4, 2e-6, 'c_n');

      const DH0 = zeros(rt, L * D * B * W), DC0 = zeros(rt, L * D * B * H);
      const dx = layer.backward(putF32(rt, dOut).ptr, putF32(rt, dhn).ptr, s.cell === 'lstm' ? putF32(rt, dcn).ptr : 0, grads,
        h0 ? DH0.ptr : 0, c0 ? DC0.ptr : 0);
      const tol = [2e-4, 2e-5] as const;
      expectClose(view(dx, T * B * I), numericalGradient(loss, x), ...tol, 'dx');
      const g = grads.f32();
      weights.forEach((w, i) => {
        const sfx = `_l${Math.floor(i / D)}${i % D ? '_reverse' : ''}`;
        const names = [['wih', 'weight_ih'], ['whh', 'weight_hh'], ['bih', 'bias_ih'], ['bhh', 'bias_hh'], ...(s.P ? [['whr', 'weight_hr']] : [])] as const;
        for (const [key, n] of names) {
          const e = table.get(`rnn.${n}${sfx}`);
          expectClose(g.subarray(e.offset, e.offset + e.size), numericalGradient(loss, w[key] as Float64Array), ...tol, `${n}${sfx}`);
        }
      });
      if (h0) expectClose(read(DH0), numericalGradient(loss, h0), ...tol, 'dh0');
      if (c0) expectClose(read(DC0), numericalGradient(loss, c0), ...tol, 'dc0');
      layer.dispose();
    });
  }

  it('dropout between layers: seeded masks, scaled by 1/(1−p), gradients flow through the same mask', () => {
    const T = 3, B = 2, I = 3, H = 4, L = 2, p = 0.5;
    const table = new ParameterTable();
    const layer = new Recurrent(rt, { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: L, dropout: p }, table, 'rnn.');
    const params = rt.planner.alloc(table.total);
    layer.initialise(params.f32(), new Rng(2));
    layer.pack(params);
    const x = putF32(rt, testRng(1).array(T * B * I)), lens = putI32(rt, [3, 3]);
    const run = (training: boolean, seed: number) =>
      Float64Array.from(new Float32Array(rt.memory.buffer, layer.forward(T, B, x.ptr, lens.ptr, 0, 0, training, new Rng(seed), params).output, T * B * H));
    const a = run(true, 7), b = run(true, 7), c = run(true, 8), evalOut = run(false, 7);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a)).not.toEqual(Array.from(evalOut));
    // Training output equals the reference with the mask the layer drew (1/(1−p) or 0 per element).
    const maskRng = new Rng(7);
    const mask = Array.from({ length: T * B * H }, () => (maskRng.next() < 1 - p ? 1 / (1 - p) : 0));
    const e = (n: string) => Float64Array.from(params.f32().subarray(table.get(n).offset, table.get(n).offset + table.get(n).size));
    const weights = [0, 1].map((l) => ({ wih: e(`rnn.weight_ih_l${l}`), whh: e(`rnn.weight_hh_l${l}`), bih: e(`rnn.bias_ih_l${l}`), bhh: e(`rnn.bias_hh_l${l}`) }));
    const ref = stackForwardRef({ cell: 'lstm', T, B, I, H, L, D: 1, merge: 'concat' }, read(x), weights, [3, 3], null, null, [mask]);
    expectClose(a, ref.output, 1e-4, 2e-6, 'dropout output');
    // Backward after a training forward with seed 7: gradients through the same mask.
    const grads = rt.planner.alloc(table.total);
    const dOut = testRng(4).array(T * B * H);
    run(true, 7);
    layer.backward(putF32(rt, dOut).ptr, 0, 0, grads, 0, 0);
    const loss = () => dot(dOut, stackForwardRef({ cell: 'lstm', T, B, I, H, L, D: 1, merge: 'concat' }, read(x), weights, [3, 3], null, null, [mask]).output);
    const e0 = table.get('rnn.weight_ih_l0');
    expectClose(grads.f32().subarray(e0.offset, e0.offset + e0.size), numericalGradient(loss, weights[0].wih), 2e-4, 2e-5, 'dW_ih_l0 through dropout');
  });
});
