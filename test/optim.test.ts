// Optimizer updates (one WASM pass over the flat buffer) against float64 references
// of torch.optim's formulas, over several steps with changing gradients.
import { describe, expect, it } from 'vitest';
import { AdagradRef, AdamRef, RmspropRef, SgdRef, type SgdRefOptions } from './reference/optim.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, read, runtime } from './helpers/wasm.js';
import { optim, ConfigError, type Optimizer } from '../src/index.js';

const rt = runtime();
const N = 37; // not a multiple of 4: exercises the scalar tail
const STEPS = 6;

function runBoth(opt: Optimizer, ref: { step(p: Float64Array, g: ArrayLike<number>): void }, seed: number) {
  const rng = testRng(seed);
  const p0 = rng.array(N);
  const P = putF32(rt, p0), G = rt.planner.alloc(N);
  const pRef = Float64Array.from(p0);
  for (let s = 0; s < STEPS; s++) {
    const g = rng.array(N, 2);
    G.f32().set(g);
    opt.step(rt, P, G);
    ref.step(pRef, g);
    expectClose(read(P), pRef, 1e-5, 1e-6, `step ${s + 1}`);
  }
  opt.dispose();
}

describe('SGD vs reference', () => {
  const variants: SgdRefOptions[] = [
    { lr: 0.1 },
    { lr: 0.05, momentum: 0.9 },
    { lr: 0.05, momentum: 0.9, dampening: 0.3 },
    { lr: 0.05, momentum: 0.9, nesterov: true },
    { lr: 0.05, momentum: 0.8, weightDecay: 0.01 },
    { lr: 0.1, weightDecay: 0.1, momentum: 0.5, nesterov: true },
  ];
  variants.forEach((o, i) => it(JSON.stringify(o), () => runBoth(optim.sgd(o), new SgdRef(o), 100 + i)));

  it('rejects nesterov without momentum and negative rates', () => {
    expect(() => optim.sgd({ lr: 0.1, nesterov: true })).toThrow(ConfigError);
    expect(() => optim.sgd({ lr: -1 })).toThrow(/lr = -1/);
    expect(() => optim.sgd({ lr: NaN })).toThrow(ConfigError);
  });
});

describe('Adam / AdamW vs reference', () => {
  it('Adam with PyTorch defaults', () => {
    runBoth(optim.adam(), new AdamRef({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }), 200);
  });
  it('Adam with L2 weight decay and custom betas', () => {
    const o = { lr: 0.01, betas: [0.8, 0.99] as [number, number], eps: 1e-6, weightDecay: 0.05 };
    runBoth(optim.adam(o), new AdamRef({ lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, decoupled: false }), 201);
  });
  it('AdamW (decoupled decay, default 0.01)', () => {
    runBoth(optim.adamw({ lr: 0.01 }), new AdamRef({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true }), 202);
  });
  it('rejects betas outside [0, 1]', () => {
    expect(() => optim.adam({ betas: [1.5, 0.9] })).toThrow(/betas\[0\]/);
  });
});

describe('RMSprop and Adagrad vs reference', () => {
  const rms = [
    {}, { momentum: 0.9 }, { centered: true }, { centered: true, momentum: 0.5, weightDecay: 0.01, alpha: 0.9, lr: 0.005 },
  ];
  rms.forEach((o, i) => it(`RMSprop ${JSON.stringify(o)}`, () => {
    runBoth(optim.rmsprop(o), new RmspropRef({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...o }), 300 + i);
  }));
  const ada = [{}, { lrDecay: 0.1, weightDecay: 0.01, initialAccumulatorValue: 0.5 }];
  ada.forEach((o, i) => it(`Adagrad ${JSON.stringify(o)}`, () => {
    runBoth(optim.adagrad(o), new AdagradRef({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...o }), 400 + i);
  }));

  it('optimizer state round-trips through getState / setState: the next steps are identical', () => {
    const rng = testRng(500);
    const p0 = rng.array(N), grads = Array.from({ length: 4 }, () => rng.array(N));
    const a = optim.adam({ lr: 0.01 }), P = putF32(rt, p0), G = rt.planner.alloc(N);
    for (const g of grads.slice(0, 2)) { G.f32().set(g); a.step(rt, P, G); }
    const saved = a.getState(), pMid = P.f32().slice();
    for (const g of grads.slice(2)) { G.f32().set(g); a.step(rt, P, G); }
    const b = optim.adam({ lr: 0.5 }), Q = putF32(rt, pMid);
    b.setState(rt, Q, saved);
    for (const g of grads.slice(2)) { G.f32().set(g); b.step(rt, Q, G); }
    expect(Array.from(Q.f32())).toEqual(Array.from(P.f32()));
    expect(() => optim.sgd({ lr: 1 }).setState(rt, Q, saved)).toThrow(/has 2 buffers, this optimizer keeps 0/);
  });
});

describe('learning-rate schedules (torch.optim.lr_scheduler formulas)', () => {
  it('step, exponential, cosine and warm-up', () => {
    const s = optim.stepDecay(3, 0.5);
    expect([0, 2, 3, 5, 6, 9].map((t) => s(t, 1))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
    expect(optim.exponentialDecay(0.9)(2, 2)).toBeCloseTo(1.62, 12);
    const c = optim.cosineDecay(10, 0.1);
    expect(c(0, 1)).toBeCloseTo(1, 12);
    expect(c(5, 1)).toBeCloseTo(0.55, 12);
    expect(c(10, 1)).toBeCloseTo(0.1, 12);
    expect(c(15, 1)).toBeCloseTo(0.1, 12);
    const w = optim.linearWarmup(4, optim.exponentialDecay(0.5), 0.25);
    expect([0, 1, 2, 3, 4, 5, 6].map((t) => w(t, 1))).toEqual([0.25, 0.4375, 0.625, 0.8125, 1, 0.5, 0.25]);
    expect(() => optim.stepDecay(0)).toThrow(/stepSize = 0/);
  });

  it('ReduceLROnPlateau waits `patience` epochs without improvement, then multiplies lr by factor', () => {
    const opt = optim.sgd({ lr: 1 });
    const plateau = new optim.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5, minLr: 0.2 });
    const reduced = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3].map((m) => plateau.step(m));
    expect(reduced).toEqual([false, false, false, false, true, false, false, false, true, false, false, true]);
    expect(opt.lr).toBe(0.2);
  });
});

describe('gradient norm and clipping', () => {
  it('norm matches float64 and clipping follows clip_grad_norm_', () => {
    const g = testRng(9).array(1001, 3);
    const G = putF32(rt, g);
    const norm = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
    expect(Math.abs(optim.gradNorm(rt, G) - norm)).toBeLessThanOrEqual(1e-9 * norm);
    expect(optim.clipGradNorm(rt, G, 1)).toBeCloseTo(norm, 6);
    const coef = 1 / (norm + 1e-6);
    expectClose(read(G), g.map((v) => v * coef), 1e-6, 1e-7, 'clipped');
    // Below the threshold nothing changes.
    const before = read(G);
    optim.clipGradNorm(rt, G, 10);
    expect(Array.from(read(G))).toEqual(Array.from(before));
  });

  it('clips by value as clip_grad_value_', () => {
    const G = putF32(rt, [-3, -0.5, 0, 0.25, 2, 7, -1]);
    optim.clipGradValue(rt, G, 1);
    expect(Array.from(read(G))).toEqual([-1, -0.5, 0, 0.25, 1, 1, -1]);
  });

  it('detects NaN and Inf anywhere, including the tail', () => {
    const G = putF32(rt, new Float64Array(11));
    expect(rt.kernels.hasNonFinite(G.ptr, 11)).toBe(0);
    for (const [i, v] of [[2, NaN], [10, Infinity], [5, -Infinity]] as const) {
      G.f32().fill(0);
      G.f32()[i] = v;
      expect(rt.kernels.hasNonFinite(G.ptr, 11)).toBe(1);
    }
  });
});
