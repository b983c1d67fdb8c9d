// Sequential composition: pooling, dense stacks, feature inputs and the MSE loss,
// checked against finite differences of a float64 reference composition; dropout;
// the JSON config round trip; and configuration errors.
import { describe, expect, it } from 'vitest';
import { Sequential, layers, optim, saveModel, loadWeights, ConfigError, NonFiniteError, ShapeError, type StateDict } from '../src/index.js';
import { stackForwardRef } from './reference/stack.js';
import { denseRef, embeddingRef, mseRef, softmaxCrossEntropyRef } from './reference/layers.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

function pool(mode: 'last' | 'mean' | 'max', x: Float64Array, T: number, B: number, F: number, lengths: number[]): Float64Array {
  const out = new Float64Array(B * F);
  for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) {
    const vals = Array.from({ length: lengths[b] }, (_, t) => x[(t * B + b) * F + f]);
    out[b * F + f] = mode === 'last' ? vals[vals.length - 1] : mode === 'mean' ? vals.reduce((a, v) => a + v, 0) / vals.length : Math.max(...vals);
  }
  return out;
}

describe('Sequential gradients vs finite differences of a float64 reference', () => {
  const cases = [
    { cell: 'lstm' as const, mode: 'mean' as const, loss: 'mse' as const, bidirectional: true },
    { cell: 'gru' as const, mode: 'max' as const, loss: 'crossEntropy' as const, bidirectional: false },
    { cell: 'rnn' as const, mode: 'last' as const, loss: 'crossEntropy' as const, bidirectional: true },
  ];
  for (const c of cases) {
    it(`features → ${c.cell}${c.bidirectional ? ' (bi)' : ''} → ${c.mode} pooling → dense → dense, ${c.loss}`, () => {
      const F = 3, H = 4, U = 5, C = c.loss === 'mse' ? 2 : 3;
      const model = new Sequential(rt, [
        layers[c.cell]({ hiddenSize: H, bidirectional: c.bidirectional }),
        layers.pooling({ mode: c.mode }),
        layers.dense({ units: U }),
        layers.dense({ units: C }),
      ], { inputFeatures: F, loss: c.loss, seed: 3 });
      const rng = testRng(5);
      const lengths = [3, 1, 4];
      const B = lengths.length, T = 4;
      const inputs = lengths.map((n) => Array.from({ length: n }, () => Array.from(rng.array(F))));
      const targets = c.loss === 'mse' ? lengths.map(() => Array.from(rng.array(C))) : lengths.map(() => rng.int(C));
      const r = model.lossAndGradients({ inputs, targets });
      const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
      const D = c.bidirectional ? 2 : 1, Fo = D * H;
      const loss = () => {
        const x = new Float64Array(T * B * F);
        inputs.forEach((s, b) => s.forEach((v, t) => v.forEach((f, j) => { x[(t * B + b) * F + j] = f; })));
        const w = [];
        for (let d = 0; d < D; d++) {
          const sfx = `_l0${d ? '_reverse' : ''}`, n = c.cell;
          w.push({ wih: p[`${n}.weight_ih${sfx}`], whh: p[`${n}.weight_hh${sfx}`], bih: p[`${n}.bias_ih${sfx}`], bhh: p[`${n}.bias_hh${sfx}`] });
        }
        const st = stackForwardRef({ cell: c.cell, T, B, I: F, H, L: 1, D: D as 1 | 2, merge: 'concat' }, x, w, lengths, null, null);
        const pooled = pool(c.mode, st.output, T, B, Fo, lengths);
        const h1 = denseRef(B, Fo, U, pooled, p['dense.weight'], p['dense.bias']);
        const y = denseRef(B, U, C, h1, p['dense_1.weight'], p['dense_1.bias']);
        if (c.loss === 'mse') return mseRef(B, C, y, (targets as number[][]).flat(), null) / (B * C);
        return softmaxCrossEntropyRef(B, C, y, targets as number[]) / B;
      };
      expect(Math.abs(r.loss - loss())).toBeLessThanOrEqual(1e-5 * loss());
      const g = model.gradientDict();
      for (const name of Object.keys(p)) expectClose(g[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
      model.dispose();
    });
  }
});

describe('multi-field embedding', () => {
  it('concatenates one vector per field; gradients of both tables vs finite differences', () => {
    const fields = [{ vocabSize: 5, dim: 2 }, { vocabSize: 3, dim: 3 }], H = 4, C = 3;
    const model = new Sequential(rt, [layers.embedding({ fields }), layers.rnn({ hiddenSize: H }), layers.dense({ units: C })], { seed: 6 });
    const inputs = [[[1, 2], [4, 0], [0, 1]], [[3, 2]]], targets = [[0, 2, 1], [1]];
    const r = model.lossAndGradients({ inputs, targets });
    const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
    const T = 3, B = 2, lengths = [3, 1], E = 5;
    const loss = () => {
      const x = new Float64Array(T * B * E);
      inputs.forEach((seq, b) => seq.forEach(([w, f], t) => {
        for (let j = 0; j < 2; j++) x[(t * B + b) * E + j] = p['embedding.weight_0'][w * 2 + j];
        for (let j = 0; j < 3; j++) x[(t * B + b) * E + 2 + j] = p['embedding.weight_1'][f * 3 + j];
      }));
      const w = [{ wih: p['rnn.weight_ih_l0'], whh: p['rnn.weight_hh_l0'], bih: p['rnn.bias_ih_l0'], bhh: p['rnn.bias_hh_l0'] }];
      const st = stackForwardRef({ cell: 'rnn', T, B, I: E, H, L: 1, D: 1, merge: 'concat' }, x, w, lengths, null, null);
      const y = denseRef(T * B, H, C, st.output, p['dense.weight'], p['dense.bias']);
      const tg = [0, 1, 2, -1, 1, -1];
      return softmaxCrossEntropyRef(T * B, C, y, tg) / 4;
    };
    expect(Math.abs(r.loss - loss())).toBeLessThanOrEqual(1e-5 * loss());
    const g = model.gradientDict();
    for (const name of Object.keys(p)) expectClose(g[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
    expect(() => model.predict([[[1, 3]]])).toThrow('inputs[0][0][1] = 3 is not a valid id for field 1: expected an integer in [0, 3)');
    expect(() => model.predict([[[1]]])).toThrow(/must hold 2 ids/);
  });
});

describe('character-level word representation', () => {
  // The second case repeats words (the same characters at several steps, in both sequences):
  // the layer runs the character BiLSTM once per distinct word and sums their gradients.
  const cases = [
    { inputs: [[[1, 2, 3, 0, 0], [4, 5, 1, 2, 3]], [[2, 1, 0, 0, 0]]], targets: [[0, 1], [1]] },
    { inputs: [[[1, 2, 3, 0, 0], [4, 5, 1, 2, 3], [3, 2, 3, 0, 0]], [[2, 5, 1, 2, 3], [1, 2, 1, 0, 0]], [[4, 2, 3, 0, 0]]], targets: [[0, 1, 1], [1, 0], [0]] },
  ];
  it.each(cases.map((c, k) => [k === 0 ? 'distinct words' : 'repeated words', c] as const))('a character BiLSTM per word, appended to the word vector (%s): gradients vs finite differences', (_, { inputs, targets }) => {
    const H = 3, C = 2, hc = 2, dc = 3, maxChars = 4;
    const model = new Sequential(rt, [
      layers.embedding({ fields: [{ vocabSize: 5, dim: 2 }], chars: { vocabSize: 6, dim: dc, hiddenSize: hc, maxChars } }),
      layers.gru({ hiddenSize: H }), layers.dense({ units: C }),
    ], { seed: 2 });
    // Steps: [word id, c1, c2, c3, c4] with 0-padded characters.
    const r = model.lossAndGradients({ inputs, targets });
    const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
    const B = inputs.length, lengths = inputs.map((s) => s.length), T = Math.max(...lengths), R = T * B, E = 2 + 2 * hc;
    const labels = Array.from({ length: R }, (_, row) => targets[row % B][Math.floor(row / B)] ?? -1);
    const count = labels.filter((v) => v >= 0).length;
    const loss = () => {
      // Words time-major (row t·B + b); characters time-major over the R words.
      const words = Array.from({ length: R }, (_, row) => inputs[row % B][Math.floor(row / B)] ?? [0, 0, 0, 0, 0]);
      const charIds: number[] = [];
      for (let c = 0; c < maxChars; c++) for (const w of words) charIds.push(w[1 + c]);
      const charLens = words.map((w) => w.slice(1).filter((v) => v !== 0).length);
      const cw = [0, 1].map((d) => ({ wih: p[`embedding.char_lstm.weight_ih_l0${d ? '_reverse' : ''}`], whh: p[`embedding.char_lstm.weight_hh_l0${d ? '_reverse' : ''}`], bih: p[`embedding.char_lstm.bias_ih_l0${d ? '_reverse' : ''}`], bhh: p[`embedding.char_lstm.bias_hh_l0${d ? '_reverse' : ''}`] }));
      const chars = stackForwardRef({ cell: 'lstm', T: maxChars, B: R, I: dc, H: hc, L: 1, D: 2, merge: 'concat' }, embeddingRef(charIds, dc, p['embedding.char_weight']), cw, charLens, null, null);
      const x = new Float64Array(R * E);
      words.forEach((w, row) => {
        for (let j = 0; j < 2; j++) x[row * E + j] = p['embedding.weight'][w[0] * 2 + j];
        for (let d = 0; d < 2; d++) for (let j = 0; j < hc; j++) x[row * E + 2 + d * hc + j] = chars.hn[(d * R + row) * hc + j];
      });
      const w = [{ wih: p['gru.weight_ih_l0'], whh: p['gru.weight_hh_l0'], bih: p['gru.bias_ih_l0'], bhh: p['gru.bias_hh_l0'] }];
      const st = stackForwardRef({ cell: 'gru', T, B, I: E, H, L: 1, D: 1, merge: 'concat' }, x, w, lengths, null, null);
      const y = denseRef(R, H, C, st.output, p['dense.weight'], p['dense.bias']);
      return softmaxCrossEntropyRef(R, C, y, labels) / count;
    };
    expect(Math.abs(r.loss - loss())).toBeLessThanOrEqual(1e-5 * loss());
    const g = model.gradientDict();
    for (const name of Object.keys(p)) expectClose(g[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
  });
});

describe('Dropout layer', () => {
  it('scales kept values by 1/(1−p), zeroes the rest, passes gradients through the same mask, and is off in evaluation', () => {
    const model = new Sequential(rt, [layers.dropout({ rate: 0.5 }), layers.dense({ units: 2 })], { inputFeatures: 8, loss: 'mse', seed: 1 });
    const sd = model.stateDict();
    sd['dense.weight'].data.fill(0);
    sd['dense.weight'].data.set([1, 1, 1, 1, 1, 1, 1, 1]); // output 0 = sum of the (dropped) inputs
    sd['dense.bias'].data.fill(0);
    model.loadStateDict(sd);
    const x = [[Array(8).fill(1)]];
    expect(model.predict(x)).toEqual([[[8, 0]]]);
    const r = model.lossAndGradients({ inputs: x, targets: [[[0, 0]]] }, { reduction: 'sum' });
    // loss = y0²; y0 = 2·(number kept); gradient of dense.weight row 0 = 2·y0·x_dropped.
    const y0 = Math.sqrt(r.loss);
    const kept = y0 / 2;
    expect(Number.isInteger(kept)).toBe(true);
    const gw = model.gradientDict()['dense.weight'].data.subarray(0, 8);
    expect(Array.from(gw).filter((v) => v !== 0).length).toBe(kept);
    for (const v of gw) expect([0, 2 * y0 * 2]).toContain(v);
  });
});

describe('config JSON', () => {
  it('round-trips: the rebuilt model with the saved weights gives the same outputs', () => {
    const a = new Sequential(rt, [
      layers.embedding({ vocabSize: 10, dim: 4 }), layers.gru({ hiddenSize: 5, numLayers: 2, dropout: 0.2 }),
      layers.dropout({ rate: 0.1 }), layers.lstm({ hiddenSize: 3, bidirectional: true, merge: 'sum', returnSequences: false }),
      layers.dense({ units: 4, name: 'classifier' }),
    ], { seed: 9, maxLength: 50 });
    const json = JSON.parse(JSON.stringify(a.toJSON()));
    const b = Sequential.fromJSON(rt, json);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(Object.keys(b.stateDict())).toEqual(Object.keys(a.stateDict()));
    loadWeights(b, saveModel(a));
    const probe = [[1, 2, 3], [4, 5]];
    expect(b.predictOutputs(probe)).toEqual(a.predictOutputs(probe));
  });

  it('rejects bad configs with clear errors', () => {
    expect(() => Sequential.fromJSON(rt, { format: 'rnn-wasm/sequential', version: 1, layers: [{ type: 'transformer' }], options: {} })).toThrow(/unknown layer type 'transformer'/);
    expect(() => Sequential.fromJSON(rt, { layers: [] })).toThrow(ConfigError);
    expect(() => new Sequential(rt, [layers.lstm({ hiddenSize: 3 }), layers.embedding({ vocabSize: 3, dim: 2 })], { inputFeatures: 2 })).toThrow(/must be the first layer/);
    expect(() => new Sequential(rt, [layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 })])).toThrow(/inputFeatures/);
    expect(() => new Sequential(rt, [layers.embedding({ vocabSize: 3, dim: 2 }), layers.dense({ units: 1 })])).toThrow(/at least 2 output classes/);
    expect(() => layers.lstm({ hiddenSize: 0 })).toThrow(ConfigError); // factories validate as fromJSON does
    expect(() => new Sequential(rt, [layers.embedding({ vocabSize: 3, dim: 2 }), layers.lstm({ hiddenSize: 0 })])).toThrow('hiddenSize = 0 is invalid: expected a positive integer');
    expect(() => layers.dense({ units: 1.5 })).toThrow(/units = 1.5/);
    expect(() => layers.dropout({ rate: 1 })).toThrow(/rate = 1/);
    expect(() => layers.pooling({ mode: 'median' as 'max' })).toThrow(/mode = 'median'/);
    expect(() => new Sequential(rt, [layers.pooling({ mode: 'max' }), layers.pooling({ mode: 'max' })], { inputFeatures: 2, loss: 'mse' })).toThrow(/needs a sequence/);
    expect(() => new Sequential(rt, [layers.dense({ units: 2 })], { inputFeatures: 2, loss: 'hinge' as 'mse' })).toThrow(/loss = 'hinge'/);
  });

  it('rejects bad feature inputs and targets', () => {
    const m = new Sequential(rt, [layers.gru({ hiddenSize: 3 }), layers.dense({ units: 2 })], { inputFeatures: 2, loss: 'mse' });
    expect(() => m.predict([[[1, 2], [3]]])).toThrow('inputs[0][1] must be a vector of 2 numbers, got an array of length 1');
    expect(() => m.predict([[[1, NaN]]])).toThrow(NonFiniteError);
    expect(() => m.trainStep({ inputs: [[[1, 2]]], targets: [[[1, Infinity]]] }, optim.sgd({ lr: 0.1 }))).toThrow(/targets\[0\]\[0\]\[1\] = Infinity/);
    expect(() => m.trainStep({ inputs: [[[1, 2]]], targets: [[[1, 2], [3, 4]]] }, optim.sgd({ lr: 0.1 }))).toThrow(ShapeError);
  });

  it('state dict names follow the layer names', () => {
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3, name: 'rnn' }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2, name: 'head' })]);
    expect(Object.keys(m.stateDict() as StateDict)).toEqual([
      'embedding.weight', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'lstm.weight_ih_l0', 'lstm.weight_hh_l0', 'lstm.bias_ih_l0', 'lstm.bias_hh_l0', 'head.weight', 'head.bias',
    ]);
  });
});

describe('typed predictions and one example shape', () => {
  const rt = runtime();
  const tagger = () => new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 3 }), layers.gru({ hiddenSize: 4 }), layers.dense({ units: 3 })], { seed: 3 });
  const classifier = () => new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 3 }), layers.gru({ hiddenSize: 4, returnSequences: false }), layers.dense({ units: 3 })], { seed: 3 });

  it('each typed method returns its one shape, agreeing with the probabilities, and refuses other models', () => {
    const t = tagger(), c = classifier();
    const inputs = [[1, 2, 3], [4]];
    const probs = t.predictStepProbabilities(inputs);
    expect(probs.map((s) => s.length)).toEqual([3, 1]);
    // The class per step is the argmax of the probabilities, computed here independently.
    expect(t.predictStepClasses(inputs)).toEqual(probs.map((s) => s.map((p) => p.indexOf(Math.max(...p)))));
    const cp = c.predictSequenceProbabilities(inputs);
    expect(cp).toHaveLength(2);
    for (const p of cp) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(c.predictSequenceClasses(inputs)).toEqual(cp.map((p) => p.indexOf(Math.max(...p))));
    expect(t.outputKind).toBe('step-classes');
    expect(c.outputKind).toBe('sequence-classes');
    expect(() => t.predictSequenceClasses(inputs)).toThrow(/needs a model with sequence-classes outputs, this one has step-classes outputs: use predictStepClasses/);
    expect(() => c.predictStepValues(inputs)).toThrow(ConfigError);
    t.dispose(); c.dispose();
  });

  it('evaluate and trainStep take the { input, target } examples fit takes, and give what a batch gives', () => {
    const t = tagger();
    const examples = [{ input: [1, 2, 3], target: [0, 1, 2] }, { input: [4, 5], target: [2, 2] }];
    const asBatch = { inputs: examples.map((e) => e.input), targets: examples.map((e) => e.target) };
    expect(t.evaluate(examples)).toEqual(t.evaluate(asBatch));
    expect(() => t.evaluate([{ inputs: [1], targets: [1] }] as never)).toThrow(/examples\[0\] must be an object \{ input, target \}/);
    const u = tagger();
    const a = t.trainStep(examples, optim.sgd({ lr: 0.1 })), b = u.trainStep(asBatch, optim.sgd({ lr: 0.1 }));
    expect(a.loss).toBe(b.loss);
    t.dispose(); u.dispose();
  });
});

describe('summary and parameterCount', () => {
  it('counts parameters as PyTorch does (4H(I+H) + 8H per LSTM direction) and prints them per layer', () => {
    const rt = runtime();
    const m = new Sequential(rt, [
      layers.embedding({ vocabSize: 50, dim: 6 }), layers.lstm({ hiddenSize: 5, bidirectional: true }),
      layers.pooling({ mode: 'max' }), layers.dense({ units: 3 }),
    ]);
    const lstm = 2 * (4 * 5 * (6 + 5) + 8 * 5), dense = 10 * 3 + 3;
    expect(m.parameterCount).toBe(50 * 6 + lstm + dense);
    const s = m.summary();
    expect(s).toMatch(new RegExp(`embedding \\(embedding\\)\\s+\\(None, None, 6\\)\\s+300\\n`));
    expect(s).toMatch(new RegExp(`lstm \\(lstm\\)\\s+\\(None, None, 10\\)\\s+${lstm}\\n`));
    expect(s).toMatch(/pooling \(pooling\)\s+\(None, 10\)\s+0\n/);
    expect(s).toMatch(new RegExp(`dense \\(dense\\)\\s+\\(None, 3\\)\\s+${dense}\\n`));
    expect(s).toContain(`Total params: ${(300 + lstm + dense).toLocaleString('en-US')}`);
    m.dispose();
  });
});
