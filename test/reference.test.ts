// The float64 references' backward passes against central finite differences:
// this is what makes them trustworthy enough to judge the WASM kernels by.
import { describe, expect, it } from 'vitest';
import { numericalGradient } from './reference/gradcheck.js';
import { rnnBackwardRef, rnnForwardRef, type Act } from './reference/rnn.js';
import {
  denseBackwardRef, denseRef, embeddingBackwardRef, embeddingRef, mseBackwardRef, mseRef,
  softmaxCrossEntropyBackwardRef, softmaxCrossEntropyRef,
} from './reference/layers.js';
import { expectClose, testRng } from './helpers/arrays.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('reference Elman RNN backward vs finite differences', () => {
  const cases: { name: string; act: Act; lengths: number[]; h0: boolean; perStep: boolean; last: boolean }[] = [
    { name: 'tanh, all steps valid, per-step loss', act: 'tanh', lengths: [4, 4, 4], h0: false, perStep: true, last: false },
    { name: 'tanh, masked lengths, h0, per-step + final-state loss', act: 'tanh', lengths: [4, 2, 1], h0: true, perStep: true, last: true },
    { name: 'tanh, masked, final-state loss only', act: 'tanh', lengths: [3, 4, 1], h0: true, perStep: false, last: true },
    { name: 'relu, masked, h0', act: 'relu', lengths: [4, 3, 2], h0: true, perStep: true, last: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rng = testRng(7);
      const d = { T: 4, B: 3, I: 3, H: 5 };
      const x = rng.array(d.T * d.B * d.I);
      const w = { wih: rng.array(d.H * d.I, 0.6), whh: rng.array(d.H * d.H, 0.6), bih: rng.array(d.H, 0.3), bhh: rng.array(d.H, 0.3) };
      const h0 = c.h0 ? rng.array(d.B * d.H) : null;
      const dhs = c.perStep ? rng.array(d.T * d.B * d.H) : null;
      const dhLast = c.last ? rng.array(d.B * d.H) : null;
      const loss = () => {
        const hs = rnnForwardRef(d, x, w, h0, c.lengths, c.act);
        const lastStep = hs.subarray((d.T - 1) * d.B * d.H);
        return (dhs ? dot(dhs, hs) : 0) + (dhLast ? dot(dhLast, lastStep) : 0);
      };
      const hs = rnnForwardRef(d, x, w, h0, c.lengths, c.act);
      const g = rnnBackwardRef(d, x, w, h0, c.lengths, c.act, hs, dhs, dhLast);
      const tol = [1e-6, 1e-8] as const;
      expectClose(g.dx, numericalGradient(loss, x), ...tol, 'dx');
      expectClose(g.dwih, numericalGradient(loss, w.wih as Float64Array), ...tol, 'dW_ih');
      expectClose(g.dwhh, numericalGradient(loss, w.whh as Float64Array), ...tol, 'dW_hh');
      expectClose(g.dbih, numericalGradient(loss, w.bih as Float64Array), ...tol, 'db_ih');
      expectClose(g.dbhh, numericalGradient(loss, w.bhh as Float64Array), ...tol, 'db_hh');
      if (h0) expectClose(g.dh0, numericalGradient(loss, h0), ...tol, 'dh0');
    });
  }

  it('carries the state through padded steps', () => {
    const rng = testRng(3);
    const d = { T: 5, B: 2, I: 2, H: 3 };
    const x = rng.array(d.T * d.B * d.I);
    const w = { wih: rng.array(6), whh: rng.array(9), bih: rng.array(3), bhh: rng.array(3) };
    const hs = rnnForwardRef(d, x, w, null, [5, 2], 'tanh');
    for (let t = 2; t < 5; t++) for (let j = 0; j < 3; j++) expect(hs[(t * 2 + 1) * 3 + j]).toBe(hs[(1 * 2 + 1) * 3 + j]);
  });
});

describe('reference layers and losses vs finite differences', () => {
  const rng = testRng(11);
  it('dense', () => {
    const R = 3, In = 4, Out = 5;
    const x = rng.array(R * In), W = rng.array(Out * In), b = rng.array(Out), dy = rng.array(R * Out);
    const loss = () => dot(dy, denseRef(R, In, Out, x, W, b));
    const g = denseBackwardRef(R, In, Out, x, W, dy);
    expectClose(g.dx, numericalGradient(loss, x), 1e-6, 1e-8, 'dx');
    expectClose(g.dW, numericalGradient(loss, W), 1e-6, 1e-8, 'dW');
    expectClose(g.db, numericalGradient(loss, b), 1e-6, 1e-8, 'db');
  });

  it('embedding (repeated ids accumulate)', () => {
    const V = 4, D = 3, ids = [1, 3, 1, 0, 1];
    const table = rng.array(V * D), dout = rng.array(ids.length * D);
    const loss = () => dot(dout, embeddingRef(ids, D, table));
    expectClose(embeddingBackwardRef(ids, D, V, dout), numericalGradient(loss, table), 1e-6, 1e-8, 'dtable');
  });

  it('softmax cross-entropy with ignored rows and a scale', () => {
    const R = 4, C = 5, targets = [2, -1, 0, 4];
    const logits = rng.array(R * C, 3);
    const loss = () => 0.25 * softmaxCrossEntropyRef(R, C, logits, targets);
    expectClose(softmaxCrossEntropyBackwardRef(R, C, logits, targets, 0.25), numericalGradient(loss, logits), 1e-6, 1e-8, 'dlogits');
  });

  it('softmax cross-entropy equals −log p computed directly', () => {
    const logits = [1, 2, 3];
    const p = Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(softmaxCrossEntropyRef(1, 3, logits, [0])).toBeCloseTo(-Math.log(p), 12);
  });

  it('MSE with a mask', () => {
    const R = 3, C = 2, mask = [1, 0, 1];
    const y = rng.array(R * C), t = rng.array(R * C);
    const loss = () => 0.5 * mseRef(R, C, y, t, mask);
    expectClose(mseBackwardRef(R, C, y, t, mask, 0.5), numericalGradient(loss, y), 1e-6, 1e-8, 'dy');
  });
});
