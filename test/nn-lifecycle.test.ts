// The nn modules' memory and their refusals: dispose() (and `using`) frees everything a
// module allocated and any later use throws DisposedError; create-forward-dispose
// cycles and failed calls leak nothing; a module dropped without dispose() is freed by
// the GC; bad input is refused with a typed error naming what was expected, before
// anything changes.
import { describe, expect, it } from 'vitest';
import {
  nn, loadRuntimeSync, ArgumentError, ConfigError, DisposedError, EmptySequenceError, MemoryLimitError, NonFiniteError, ShapeError,
} from '../src/index.js';
import * as inference from '../src/inference.js';
import { runtime } from './helpers/wasm.js';
import { collect } from './helpers/gc.js';


const T = 3, B = 2, I = 4, H = 5;
const x = () => ({ data: new Float32Array(T * B * I).map((_, i) => Math.sin(i)), shape: [T, B, I] });

describe('nn module lifecycle', () => {
  it('dispose() frees every region; any later use throws DisposedError; dispose is idempotent', () => {
    const rt = loadRuntimeSync();
    const before = rt.planner.inUse;
    const m = nn.lstm(rt, { inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true });
    const f = m.forward(x(), { training: true });
    m.backward({ dOutput: { data: new Float32Array(f.output.data.length).fill(1), shape: f.output.shape } });
    expect(rt.planner.inUse).toBeGreaterThan(before);
    expect(m.isDisposed).toBe(false);
    m.dispose();
    expect(m.isDisposed).toBe(true);
    expect(rt.planner.inUse).toBe(before);
    for (const use of [() => m.forward(x()), () => m.backward({}), () => m.gradients(), () => m.zeroGrad(), () => m.stateDict(), () => m.loadStateDict({})]) {
      expect(use).toThrow(DisposedError);
      expect(use).toThrow(/nn\.lstm module was disposed/);
    }
    expect(() => m.dispose()).not.toThrow();
    expect(() => m[Symbol.dispose]()).not.toThrow();
    // Arrays handed out before dispose() are the caller's copies, still readable.
    expect(f.output.data.length).toBe(T * B * 2 * H);
  });

  it('`using` disposes at the end of the block', () => {
    const rt = loadRuntimeSync();
    const before = rt.planner.inUse;
    let kept: nn.RecurrentModule | undefined;
    {
      using m = nn.gru(rt, { inputSize: I, hiddenSize: H });
      m.forward(x());
      kept = m;
      expect(rt.planner.inUse).toBeGreaterThan(before);
    }
    expect(kept.isDisposed).toBe(true);
    expect(rt.planner.inUse).toBe(before);
  });

  it('1,000 create-forward-dispose cycles (every cell, training and failed calls included) leave rt.planner.inUse where it was', () => {
    const rt = loadRuntimeSync();
    const before = rt.planner.inUse;
    const bad = { data: new Float32Array(T * B * I).fill(NaN), shape: [T, B, I] };
    for (let i = 0; i < 1000; i++) {
      const o = { inputSize: I, hiddenSize: H, numLayers: 1 + (i % 2), bidirectional: i % 3 === 0, seed: i };
      const m = i % 3 === 0 ? nn.lstm(rt, o) : i % 3 === 1 ? nn.gru(rt, o) : nn.rnn(rt, o);
      const f = m.forward(x(), { lengths: [T, 1 + (i % T)], training: i % 2 === 0 });
      if (i % 2 === 0) m.backward({ dhn: { data: new Float32Array(f.hn.data.length).fill(0.1), shape: f.hn.shape } });
      if (i % 10 === 0) expect(() => m.forward(bad)).toThrow(NonFiniteError);
      m.dispose();
    }
    expect(rt.planner.inUse).toBe(before);
  });

  it('a module dropped without dispose() gives its memory back after GC', async () => {
    const rt = loadRuntimeSync();
    await collect();
    const before = rt.planner.inUse;
    for (let i = 0; i < 50; i++) nn.lstm(rt, { inputSize: I, hiddenSize: H, seed: i }).forward(x());
    await collect();
    expect(rt.planner.inUse).toBe(before);
  });

  it('a module the runtime cannot hold is refused with MemoryLimitError before anything is allocated', () => {
    const rt = loadRuntimeSync({ memoryLimit: 16 * 1024 * 1024 });
    const before = rt.planner.inUse;
    expect(() => nn.lstm(rt, { inputSize: 2048, hiddenSize: 2048 })).toThrow(MemoryLimitError);
    expect(rt.planner.inUse).toBe(before);
  });

  it('is exported by the inference entry too', () => {
    expect(inference.nn.lstm).toBe(nn.lstm);
  });
});

describe('nn module input checks', () => {
  const rt = runtime();

  it('bad options: ConfigError naming the key and what was expected', () => {
    expect(() => nn.lstm(rt, { inputSize: 0, hiddenSize: 4 })).toThrow(/inputSize = 0 is invalid: expected/);
    expect(() => nn.lstm(rt, { inputSize: 3 } as never)).toThrow(/hiddenSize is missing/);
    expect(() => nn.gru(rt, { inputSize: 3, hiddenSize: 4, batch_first: true } as never)).toThrow(ConfigError);
    expect(() => nn.gru(rt, { inputSize: 3, hiddenSize: 4, batchFrist: true } as never)).toThrow(/did you mean "batchFirst"/);
    expect(() => nn.lstm(rt, { inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' } as never)).toThrow(ConfigError);
    expect(() => nn.rnn(rt, { inputSize: 3, hiddenSize: 4, nonlinearity: 'gelu' as never })).toThrow(/nonlinearity = 'gelu' is invalid/);
    expect(() => nn.rnn(rt, { inputSize: 3, hiddenSize: 4, dropout: 1 })).toThrow(ConfigError);
    expect(() => nn.lstm({} as never, { inputSize: 3, hiddenSize: 4 })).toThrow(ArgumentError);
  });

  it('x: ShapeError naming the expected shape; ArgumentError for what is not an array; NonFiniteError naming the element', () => {
    using m = nn.lstm(rt, { inputSize: I, hiddenSize: H, numLayers: 2 });
    using bf = nn.lstm(rt, { inputSize: I, hiddenSize: H, batchFirst: true });
    expect(() => m.forward({ data: new Float32Array(T * B * 3), shape: [T, B, 3] })).toThrow(/x has shape \[3, 2, 3\], expected \[T, B, I = 4\]/);
    expect(() => bf.forward({ data: new Float32Array(T * B * 3), shape: [B, T, 3] })).toThrow(/expected \[B, T, I = 4\]/);
    expect(() => m.forward({ data: new Float32Array(B * I), shape: [B, I] })).toThrow(ShapeError);
    expect(() => m.forward({ data: new Float32Array(7), shape: [T, B, I] })).toThrow(/x\.data holds 7 values, but its shape \[3, 2, 4\] needs 24/);
    expect(() => m.forward({ data: new Float32Array(0), shape: [0, B, I] })).toThrow(ShapeError);
    expect(() => m.forward(null as never)).toThrow(ArgumentError);
    expect(() => m.forward({ data: 'abc', shape: [1, 1, 3] } as never)).toThrow(ArgumentError);
    const d = x().data;
    d[13] = Infinity;
    expect(() => m.forward({ data: d, shape: [T, B, I] })).toThrow(NonFiniteError);
    expect(() => m.forward({ data: d, shape: [T, B, I] })).toThrow(/x\.data\[13\] = Infinity/);
    // Plain number arrays are accepted as well as typed arrays.
    expect(m.forward({ data: Array.from(x().data), shape: [T, B, I] }).output.data).toEqual(m.forward(x()).output.data);
  });

  it('lengths in [1, T], one per sequence; h0 / c0 [L·D, B, H], c0 only for an LSTM; unknown keys refused', () => {
    using m = nn.lstm(rt, { inputSize: I, hiddenSize: H, numLayers: 2 });
    using g = nn.gru(rt, { inputSize: I, hiddenSize: H });
    expect(() => m.forward(x(), { lengths: [3] })).toThrow(/lengths holds 1 values, expected 2/);
    expect(() => m.forward(x(), { lengths: [3, 4] })).toThrow(/lengths\[1\] = 4: expected an integer in \[1, 3\]/);
    expect(() => m.forward(x(), { lengths: [1.5, 2] })).toThrow(ShapeError);
    expect(() => m.forward(x(), { lengths: [3, 0] })).toThrow(EmptySequenceError);
    const state = (n: number) => ({ data: new Float32Array(n * B * H), shape: [n, B, H] });
    expect(() => m.forward(x(), { h0: state(1) })).toThrow(/h0 has shape \[1, 2, 5\], expected \[L·D = 2, B = 2, H = 5\]/);
    expect(() => m.forward(x(), { c0: state(3) })).toThrow(ShapeError);
    expect(() => m.forward(x(), { h0: state(2), c0: state(2) })).not.toThrow();
    expect(() => g.forward(x(), { c0: state(1) })).toThrow(ArgumentError);
    expect(() => m.forward(x(), { length: [3, 3] } as never)).toThrow(/unknown key "length" in forward options: did you mean "lengths"/);
    expect(() => m.forward(x(), { training: 1 } as never)).toThrow(ArgumentError);
    const h0 = state(2);
    h0.data[3] = NaN;
    expect(() => m.forward(x(), { h0 })).toThrow(/h0\.data\[3\] = NaN/);
  });

  it('backward: gradient shapes as the forward\'s outputs, dcn only for an LSTM, finite', () => {
    using m = nn.gru(rt, { inputSize: I, hiddenSize: H, batchFirst: true });
    const xb = { data: new Float32Array(B * T * I).fill(0.3), shape: [B, T, I] };
    m.forward(xb, { training: true });
    expect(() => m.backward({ dOutput: { data: new Float32Array(T * B * H), shape: [T, B, H] } })).toThrow(/dOutput has shape \[3, 2, 5\], expected \[B = 2, T = 3, D·H = 5\]/);
    expect(() => m.backward({ dhn: { data: new Float32Array(B * H), shape: [2, 1, H] } })).toThrow(ShapeError);
    expect(() => m.backward({ dcn: { data: new Float32Array(B * H), shape: [1, B, H] } })).toThrow(/dcn is the gradient of an LSTM's final cell state/);
    expect(() => m.backward({ dOutput: { data: new Float32Array(B * T * H).fill(NaN), shape: [B, T, H] } })).toThrow(NonFiniteError);
    expect(() => m.backward({ dOuput: {} } as never)).toThrow(/did you mean "dOutput"/);
    // Refused calls leave the forward's saved state: a correct backward still runs.
    const r = m.backward({ dOutput: { data: new Float32Array(B * T * H).fill(1), shape: [B, T, H] } });
    expect(r.dx.shape).toEqual([B, T, I]);
  });

  it('loadStateDict: strict by default (ShapeError listing missing and unexpected names), shapes and finiteness checked before anything changes', () => {
    using m = nn.rnn(rt, { inputSize: I, hiddenSize: H, seed: 1 });
    using other = nn.rnn(rt, { inputSize: I, hiddenSize: H, seed: 2 });
    const sd = m.stateDict(), theirs = other.stateDict();
    const { bias_hh_l0: _, ...missing } = theirs;
    expect(() => m.loadStateDict(missing)).toThrow(/missing \[bias_hh_l0\], unexpected \[\]/);
    expect(() => m.loadStateDict({ ...theirs, 'rnn.weight_ih_l0': theirs.weight_ih_l0 })).toThrow(/unexpected \[rnn\.weight_ih_l0\]/);
    expect(() => m.loadStateDict({ ...theirs, weight_hh_l0: { data: new Float32Array(H * H), shape: [H + 1, H - 1] } })).toThrow(/'weight_hh_l0' has shape \[6,4\], expected \[5,5\]/);
    const nan = { ...theirs, bias_ih_l0: { data: theirs.bias_ih_l0.data.map((v, i) => (i === 2 ? NaN : v)), shape: [H] } };
    expect(() => m.loadStateDict(nan)).toThrow(/'bias_ih_l0'\[2\] = NaN/);
    expect(m.stateDict()).toEqual(sd);
    // strict: false loads what matches and reports the rest, as PyTorch's load_state_dict.
    expect(m.loadStateDict({ ...missing, extra: theirs.bias_hh_l0 }, { strict: false })).toEqual({ missingKeys: ['bias_hh_l0'], unexpectedKeys: ['extra'] });
    const now = m.stateDict();
    expect(now.weight_ih_l0).toEqual(theirs.weight_ih_l0);
    expect(now.bias_hh_l0).toEqual(sd.bias_hh_l0);
    expect(() => m.loadStateDict({ weight_ih_l0: { data: new Float32Array(3), shape: [3] } }, { strict: false })).toThrow(ShapeError);
    // The loaded weights are the ones the forward uses.
    m.loadStateDict(theirs);
    expect(m.forward(x()).output).toEqual(other.forward(x()).output);
  });
});
