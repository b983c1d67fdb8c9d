// Initialisers: PyTorch's defaults (ranges), Glorot bounds and spread, orthogonal
// recurrent blocks (QᵀQ = I), the LSTM forget-gate bias.
import { describe, expect, it } from 'vitest';
import { Sequential, layers, ConfigError } from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

describe('initialisers', () => {
  it('orthogonal recurrent blocks, Glorot input weights, forget-gate bias 1', () => {
    const H = 16, I = 8;
    const m = new Sequential(rt, [layers.lstm({ hiddenSize: H, recurrentInit: 'orthogonal', weightInit: 'xavier', forgetBias: 1 }), layers.dense({ units: 2, init: 'xavier' })], { inputFeatures: I, seed: 3 });
    const sd = m.stateDict();
    const whh = sd['lstm.weight_hh_l0'].data;
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) {
        let d = 0;
        for (let k = 0; k < H; k++) d += whh[(g * H + k) * H + i] * whh[(g * H + k) * H + j];
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-5);
      }
    }
    const wih = sd['lstm.weight_ih_l0'].data, a = Math.sqrt(6 / (I + 4 * H));
    expect(Math.max(...wih.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...wih.map(Math.abs))).toBeGreaterThan(0.9 * a);
    const bih = sd['lstm.bias_ih_l0'].data, bhh = sd['lstm.bias_hh_l0'].data;
    for (let j = H; j < 2 * H; j++) { expect(bih[j]).toBe(1); expect(bhh[j]).toBe(0); }
    expect(Array.from(sd['dense.bias'].data)).toEqual([0, 0]);
  });

  it('defaults follow PyTorch: U(±1/√H) recurrent, N(0, 1) embedding', () => {
    const H = 25;
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 200, dim: 10 }), layers.gru({ hiddenSize: H }), layers.dense({ units: 2 })], { seed: 1 });
    const sd = m.stateDict();
    for (const n of ['gru.weight_ih_l0', 'gru.weight_hh_l0', 'gru.bias_ih_l0']) expect(Math.max(...sd[n].data.map(Math.abs))).toBeLessThanOrEqual(1 / 5);
    const e = sd['embedding.weight'].data;
    const mean = e.reduce((s, v) => s + v, 0) / e.length, v = e.reduce((s, x) => s + (x - mean) ** 2, 0) / e.length;
    expect(Math.abs(mean)).toBeLessThan(0.08);
    expect(Math.abs(v - 1)).toBeLessThan(0.1);
  });

  it('rejects unknown initialisers and misplaced options', () => {
    expect(() => new Sequential(rt, [layers.gru({ hiddenSize: 3, forgetBias: 1 })], { inputFeatures: 2, loss: 'mse' })).toThrow(ConfigError);
    expect(() => new Sequential(rt, [layers.lstm({ hiddenSize: 3, recurrentInit: 'identity' as 'orthogonal' })], { inputFeatures: 2, loss: 'mse' })).toThrow(/recurrentInit/);
    expect(() => layers.dense({ units: 2, init: 'he' as 'xavier' })).toThrow(/init = 'he'/);
  });
});
