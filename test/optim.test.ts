// Optimizer updates (one WASM pass over the flat buffer) against float64 references
// of torch.optim's formulas, over several steps with changing gradients.
import { describe, expect, it } from 'vitest';
import { AdamRef, SgdRef, type SgdRefOptions } from './reference/optim.js';
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
