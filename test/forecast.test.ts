// Sequence regression and forecasting: an LSTM learns a noisy-free sine wave's next
// value from a window (MSE), and its 10-step autoregressive forecast beats the
// naive "repeat the last value" baseline by a wide margin; a multi-output head
// forecasts 5 steps at once.
import { describe, expect, it } from 'vitest';
import { Sequential, layers, optim, fit, forecast, ConfigError } from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
const wave = (t: number) => Math.sin((2 * Math.PI * t) / 16) + 0.5 * Math.sin((2 * Math.PI * t) / 7);
const W = 20;

describe('forecasting a periodic signal', () => {
  it('one-step model, 10-step autoregressive forecast', async () => {
    const examples = Array.from({ length: 200 }, (_, s) => ({
      input: Array.from({ length: W }, (_, t) => [wave(s + t)]), target: [wave(s + W)],
    }));
    const model = new Sequential(rt, [layers.lstm({ hiddenSize: 24, returnSequences: false }), layers.dense({ units: 1 })], { inputFeatures: 1, loss: 'mse', seed: 2 });
    await fit(model, examples, { optimizer: optim.adam({ lr: 0.01 }), epochs: 40, batchSize: 20 });
    const start = 500; // beyond the training range
    const history = Array.from({ length: W }, (_, t) => [wave(start + t)]);
    const pred = forecast(model, history, 10);
    const truth = Array.from({ length: 10 }, (_, k) => wave(start + W + k));
    const mse = pred.reduce((s, p, k) => s + (p[0] - truth[k]) ** 2, 0) / 10;
    const naive = truth.reduce((s, v) => s + (history[W - 1][0] - v) ** 2, 0) / 10;
    expect(mse).toBeLessThan(naive / 10);
    expect(() => forecast(model, [], 3)).toThrow(/at least one step/);
  });

  it('multi-output head: 5 steps at once from per-step features', async () => {
    const H = 5;
    const examples = Array.from({ length: 150 }, (_, s) => ({
      input: Array.from({ length: W }, (_, t) => [wave(s + t)]), target: Array.from({ length: H }, (_, k) => wave(s + W + k)),
    }));
    const model = new Sequential(rt, [layers.gru({ hiddenSize: 24 }), layers.pooling({ mode: 'last' }), layers.dense({ units: H })], { inputFeatures: 1, loss: 'mse', seed: 3 });
    const h = await fit(model, examples, { optimizer: optim.adam({ lr: 0.01 }), epochs: 40, batchSize: 15 });
    expect(h.epochs.at(-1)!.loss).toBeLessThan(h.epochs[0].loss / 20);
    expect(() => forecast(model, [[1]], 2)).toThrow(ConfigError); // 5 outputs for 1 feature: not a one-step model
  });
});
