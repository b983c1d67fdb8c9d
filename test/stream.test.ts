// Streaming inference: a sequence fed step by step gives the same outputs as the
// whole-sequence forward, for every cell, stacked; streams are independent; reset
// works; bad input is rejected.
import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError, TokenIdError,  } from '../src/index.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';
import { simpleModel, type SimpleModelConfig } from './helpers/models.js';

const rt = runtime();
const V = 11, C = 5;

describe('RecurrentStream', () => {
  const configs: Partial<SimpleModelConfig>[] = [
    { cell: 'rnn' }, { cell: 'rnn', nonlinearity: 'relu', numLayers: 2 }, { cell: 'lstm', numLayers: 3 },
    { cell: 'gru', numLayers: 2 }, { cell: 'gru', resetBefore: true },
    { cell: 'rnn', bias: false }, { cell: 'lstm', numLayers: 2, bias: false }, { cell: 'gru', resetBefore: true, bias: false },
    { cell: 'lstm', numLayers: 2, projSize: 5 }, { cell: 'lstm', projSize: 3, bias: false },
  ];
  for (const extra of configs) {
    it(`${JSON.stringify(extra)}: step-by-step equals the whole-sequence forward`, () => {
      const model = simpleModel(rt, { vocabSize: V, embeddingDim: 6, hiddenSize: 13, numClasses: C, seed: 4, ...extra });
      const rng = testRng(9);
      const seqs = [7, 7, 7].map((n) => Array.from({ length: n }, () => rng.int(V)));
      const whole = model.predictOutputs(seqs) as number[][][];
      const s = model.stream(3);
      for (let t = 0; t < 7; t++) {
        const p = s.step(seqs.map((q) => q[t]));
        for (let b = 0; b < 3; b++) expectClose(p.subarray(b * C, (b + 1) * C), whole[b][t], 1e-6, 1e-7, `stream ${b} step ${t}`);
      }
      s.dispose();
      model.dispose();
    });
  }

  for (const projSize of [0, 3]) it(`streams are independent, and reset restarts one of them${projSize ? ' (LSTM projSize 3: h narrower than c)' : ''}`, () => {
    const model = simpleModel(rt, { vocabSize: V, embeddingDim: 4, hiddenSize: 8, numClasses: C, cell: 'lstm', projSize });
    const s = model.stream(2), twin = model.stream(2); // twin: the same history, never reset
    const a = [3, 1, 4, 1, 5];
    const out: Float32Array[] = [];
    for (const tok of a) {
      out.push(s.step([tok, (tok + 2) % V]).slice(0, C));
      twin.step([tok, (tok + 2) % V]);
    }
    s.reset(0);
    for (let t = 0; t < a.length; t++) {
      const p = s.step([a[t], 0]), q = twin.step([a[t], 0]);
      expect(Array.from(p.subarray(0, C))).toEqual(Array.from(out[t])); // stream 0 restarted
      expect(Array.from(p.subarray(C))).toEqual(Array.from(q.subarray(C))); // stream 1 untouched
    }
    twin.dispose();
    s.reset();
    const buf = new Float32Array(2 * C);
    expect(s.step([a[0], a[0]], buf)).toBe(buf);
    expect(Array.from(buf.subarray(0, C))).toEqual(Array.from(out[0]));
  });

  it('sees weight updates made after it was created', () => {
    const model = simpleModel(rt, { vocabSize: V, embeddingDim: 4, hiddenSize: 8, numClasses: C, cell: 'gru' });
    const s = model.stream(1);
    const before = s.step([2]);
    const sd = model.stateDict();
    sd['head.bias'].data[0] += 5;
    model.loadStateDict(sd);
    s.reset();
    const after = s.step([2]);
    expect(after[0]).toBeGreaterThan(before[0]);
    expectClose(after, (model.predictOutputs([[2]]) as number[][][])[0][0], 1e-6, 1e-7, 'after update');
  });

  it('rejects bad input and bidirectional models', () => {
    const model = simpleModel(rt, { vocabSize: V, embeddingDim: 4, hiddenSize: 8, numClasses: C });
    const s = model.stream(2);
    expect(() => s.step([1])).toThrow(ShapeError);
    expect(() => s.step([1, V])).toThrow(TokenIdError);
    expect(() => s.step([1, 2], new Float32Array(3))).toThrow(/out must have 10 elements/);
    expect(() => s.reset(2)).toThrow(ShapeError);
    expect(() => model.stream(0)).toThrow(ShapeError);
    const bi = simpleModel(rt, { vocabSize: V, embeddingDim: 4, hiddenSize: 8, numClasses: C, bidirectional: true });
    expect(() => bi.stream(1)).toThrow(ConfigError);
  });
});
