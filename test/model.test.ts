// The minimal model end to end: gradients against a float64 composition of the
// reference layers, learning the lecture's toy tagging task and a classification
// rule, determinism, and every kind of bad input.
import { describe, expect, it } from 'vitest';
import {
  optim, toyPosCorpus, Vocabulary, ConfigError, EmptySequenceError, LabelError, NonFiniteError,
  SequenceTooLongError, ShapeError, TokenIdError, type StateDict,
} from '../src/index.js';
import { runtime } from './helpers/wasm.js';
import { simpleModel, type SimpleModelConfig } from './helpers/models.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { embeddingBackwardRef, embeddingRef, denseBackwardRef, denseRef, softmaxCrossEntropyBackwardRef, softmaxCrossEntropyRef } from './reference/layers.js';
import { rnnBackwardRef, rnnForwardRef, type RnnWeights } from './reference/rnn.js';
import { stackForwardRef } from './reference/stack.js';
import { numericalGradient } from './reference/gradcheck.js';

const rt = runtime();

/** Loss and gradients of the same model computed with the float64 references. */
function referenceLossAndGrads(cfg: Required<Pick<SimpleModelConfig, 'embeddingDim' | 'hiddenSize' | 'numClasses' | 'vocabSize' | 'nonlinearity' | 'output'>>, sd: StateDict, inputs: number[][], targets: number[][] | number[]) {
  const { embeddingDim: E, hiddenSize: H, numClasses: C, vocabSize: V } = cfg;
  const B = inputs.length, T = Math.max(...inputs.map((s) => s.length));
  const lengths = inputs.map((s) => s.length);
  const ids: number[] = [];
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids.push(inputs[b][t] ?? 0);
  const d = { T, B, I: E, H };
  const w = { wih: sd['rnn.weight_ih_l0'].data, whh: sd['rnn.weight_hh_l0'].data, bih: sd['rnn.bias_ih_l0'].data, bhh: sd['rnn.bias_hh_l0'].data };
  const x = embeddingRef(ids, E, sd['embedding.weight'].data);
  const hs = rnnForwardRef(d, x, w, null, lengths, cfg.nonlinearity);
  const steps = cfg.output === 'steps';
  const R = steps ? T * B : B;
  const headIn = steps ? hs : hs.subarray((T - 1) * B * H);
  const logits = denseRef(R, H, C, headIn, sd['head.weight'].data, sd['head.bias'].data);
  const tg: number[] = [];
  if (steps) for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) tg.push(t < lengths[b] ? (targets as number[][])[b][t] : -1);
  else tg.push(...(targets as number[]));
  const count = tg.filter((v) => v >= 0).length;
  const loss = softmaxCrossEntropyRef(R, C, logits, tg) / count;
  const dlogits = softmaxCrossEntropyBackwardRef(R, C, logits, tg, 1 / count);
  const head = denseBackwardRef(R, H, C, headIn, sd['head.weight'].data, dlogits);
  const g = rnnBackwardRef(d, x, w, null, lengths, cfg.nonlinearity, hs, steps ? head.dx : null, steps ? null : head.dx);
  return {
    loss,
    grads: {
      'embedding.weight': embeddingBackwardRef(ids, E, V, g.dx),
      'rnn.weight_ih_l0': g.dwih, 'rnn.weight_hh_l0': g.dwhh, 'rnn.bias_ih_l0': g.dbih, 'rnn.bias_hh_l0': g.dbhh,
      'head.weight': head.dW, 'head.bias': head.db,
    } as Record<string, Float64Array>,
  };
}

describe('embedding → Elman RNN → dense: gradients vs float64 reference composition', () => {
  for (const output of ['steps', 'last'] as const) {
    for (const nonlinearity of ['tanh', 'relu'] as const) {
      it(`output=${output} nonlinearity=${nonlinearity}, variable lengths`, () => {
        const model = simpleModel(rt, { vocabSize: 11, embeddingDim: 6, hiddenSize: 9, numClasses: 5, output, nonlinearity, seed: 3 });
        const rng = testRng(17);
        const inputs = [5, 2, 7, 1].map((n) => Array.from({ length: n }, () => rng.int(11)));
        const targets = output === 'steps' ? inputs.map((s) => s.map(() => rng.int(5))) : inputs.map(() => rng.int(5));
        const r = model.lossAndGradients({ inputs, targets });
        const ref = referenceLossAndGrads({ vocabSize: 11, embeddingDim: 6, hiddenSize: 9, numClasses: 5, output, nonlinearity }, model.stateDict(), inputs, targets);
        expect(Math.abs(r.loss - ref.loss)).toBeLessThanOrEqual(1e-5 * ref.loss);
        const grads = model.gradientDict();
        for (const [name, g] of Object.entries(ref.grads)) expectClose(grads[name].data, g, 1e-4, 1e-6, name);
        model.dispose();
      });
    }
  }
});

describe('models with gated, stacked, bidirectional layers: gradients vs finite differences of the float64 reference', () => {
  const configs: Partial<SimpleModelConfig>[] = [
    { cell: 'lstm', numLayers: 2, bidirectional: true, output: 'last' },
    { cell: 'gru', numLayers: 1, bidirectional: true, merge: 'sum', output: 'steps' },
    { cell: 'gru', numLayers: 2, resetBefore: true, output: 'last' },
    { cell: 'lstm', numLayers: 1, bidirectional: true, merge: 'mean', output: 'steps' },
  ];
  for (const extra of configs) {
    it(JSON.stringify(extra), () => {
      const V = 7, E = 3, H = 4, C = 3;
      const model = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C, seed: 8, ...extra });
      const cfg = { cell: 'rnn' as const, numLayers: 1, bidirectional: false, merge: 'concat' as const, resetBefore: false, output: 'steps', ...extra };
      const D = cfg.bidirectional ? 2 : 1, L = cfg.numLayers;
      const rng = testRng(31);
      const inputs = [4, 1, 3].map((n) => Array.from({ length: n }, () => rng.int(V)));
      const targets = cfg.output === 'steps' ? inputs.map((s) => s.map(() => rng.int(C))) : inputs.map(() => rng.int(C));
      const r = model.lossAndGradients({ inputs, targets });
      // Float64 copies of every parameter; the reference loss reads them, finite differences perturb them.
      const sd = model.stateDict();
      const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(sd).map(([n, t]) => [n, Float64Array.from(t.data)]));
      const B = inputs.length, T = Math.max(...inputs.map((s) => s.length)), lengths = inputs.map((s) => s.length);
      const ids: number[] = [];
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids.push(inputs[b][t] ?? 0);
      const loss = () => {
        const weights: RnnWeights[] = [];
        for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) {
          const sfx = `_l${l}${d ? '_reverse' : ''}`;
          weights.push({ wih: p[`rnn.weight_ih${sfx}`], whh: p[`rnn.weight_hh${sfx}`], bih: p[`rnn.bias_ih${sfx}`], bhh: p[`rnn.bias_hh${sfx}`] });
        }
        const x = embeddingRef(ids, E, p['embedding.weight']);
        const st = stackForwardRef({ cell: cfg.cell, T, B, I: E, H, L, D: D as 1 | 2, merge: cfg.merge, resetBefore: cfg.resetBefore }, x, weights, lengths, null, null);
        const F = D === 2 && cfg.merge === 'concat' ? 2 * H : H;
        let feat: Float64Array, R: number;
        const tg: number[] = [];
        if (cfg.output === 'steps') {
          feat = st.output; R = T * B;
          for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) tg.push(t < lengths[b] ? (targets as number[][])[b][t] : -1);
        } else {
          feat = new Float64Array(B * F); R = B;
          for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
            const v = st.hn[(((L - 1) * D + d) * B + b) * H + j];
            if (cfg.merge === 'concat' || D === 1) feat[b * F + d * H + j] = v;
            else feat[b * F + j] += cfg.merge === 'mean' ? v / 2 : v;
          }
          tg.push(...(targets as number[]));
        }
        const logits = denseRef(R, F, C, feat, p['head.weight'], p['head.bias']);
        return softmaxCrossEntropyRef(R, C, logits, tg) / tg.filter((v) => v >= 0).length;
      };
      expect(Math.abs(r.loss - loss())).toBeLessThanOrEqual(1e-5 * loss());
      const grads = model.gradientDict();
      for (const name of Object.keys(p)) expectClose(grads[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
      model.dispose();
    });
  }
});

function toyData() {
  const corpus = toyPosCorpus();
  const vocab = Vocabulary.build(corpus.map((s) => s.words));
  const tagNames = [...new Set(corpus.flatMap((s) => s.tags))];
  return {
    vocab, tagNames,
    inputs: corpus.map((s) => vocab.encode(s.words)),
    targets: corpus.map((s) => s.tags.map((t) => tagNames.indexOf(t))),
  };
}

describe('learning', () => {
  it('tags the toy sentences ("I like cake" → PRON VERB NOUN) with 100% training accuracy', () => {
    const { vocab, tagNames, inputs, targets } = toyData();
    const model = simpleModel(rt, { vocabSize: vocab.size, embeddingDim: 16, hiddenSize: 32, numClasses: tagNames.length, seed: 1 });
    const opt = optim.adam({ lr: 0.02 });
    for (let i = 0; i < 150; i++) model.trainStep({ inputs, targets }, opt);
    expect(model.evaluate({ inputs, targets }).accuracy).toBe(1);
    const tags = (model.predict([vocab.encode(['I', 'like', 'cake'])]) as number[][])[0].map((t) => tagNames[t]);
    expect(tags).toEqual(['PRON', 'VERB', 'NOUN']);
    model.dispose();
  });

  it('classifies sequences by a rule it must discover (does token 1 occur?), generalising to unseen sequences', () => {
    const rng = testRng(23);
    const make = (n: number) => {
      const inputs = Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(8) }, () => rng.int(6)));
      return { inputs, targets: inputs.map((s) => (s.includes(1) ? 1 : 0)) };
    };
    const train = make(200), test = make(100);
    const model = simpleModel(rt, { vocabSize: 6, embeddingDim: 8, hiddenSize: 16, numClasses: 2, output: 'last', seed: 4 });
    const opt = optim.adam({ lr: 0.01 });
    for (let epoch = 0; epoch < 30; epoch++) {
      for (let i = 0; i < 200; i += 20) model.trainStep({ inputs: train.inputs.slice(i, i + 20), targets: train.targets.slice(i, i + 20) }, opt);
    }
    expect(model.evaluate(train).accuracy).toBeGreaterThanOrEqual(0.98);
    expect(model.evaluate(test).accuracy).toBeGreaterThanOrEqual(0.95);
    model.dispose();
  });

  for (const extra of [{ cell: 'lstm', bidirectional: true }, { cell: 'gru', numLayers: 2, dropout: 0.1 }] as const) {
    it(`${JSON.stringify(extra)} tags the toy sentences with 100% training accuracy`, () => {
      const { vocab, tagNames, inputs, targets } = toyData();
      const model = simpleModel(rt, { vocabSize: vocab.size, embeddingDim: 16, hiddenSize: 24, numClasses: tagNames.length, seed: 3, ...extra });
      const opt = optim.adam({ lr: 0.02 });
      for (let i = 0; i < 120; i++) model.trainStep({ inputs, targets }, opt);
      expect(model.evaluate({ inputs, targets }).accuracy).toBe(1);
      model.dispose();
    });
  }

  it('SGD with momentum also learns the toy tagger', () => {
    const { vocab, tagNames, inputs, targets } = toyData();
    const model = simpleModel(rt, { vocabSize: vocab.size, embeddingDim: 16, hiddenSize: 32, numClasses: tagNames.length, seed: 2 });
    const opt = optim.sgd({ lr: 0.3, momentum: 0.9 });
    const first = model.evaluate({ inputs, targets }).loss;
    for (let i = 0; i < 200; i++) model.trainStep({ inputs, targets }, opt, { clipNorm: 5 });
    const after = model.evaluate({ inputs, targets });
    expect(after.loss).toBeLessThan(first / 10);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.95);
    model.dispose();
  });
});

describe('determinism', () => {
  it('same seed and data give bitwise identical weights', () => {
    const { vocab, tagNames, inputs, targets } = toyData();
    const run = () => {
      const m = simpleModel(rt, { vocabSize: vocab.size, embeddingDim: 8, hiddenSize: 12, numClasses: tagNames.length, seed: 99 });
      const opt = optim.adam({ lr: 0.01 });
      for (let i = 0; i < 10; i++) m.trainStep({ inputs, targets }, opt);
      const sd = m.stateDict();
      m.dispose();
      return sd;
    };
    const a = run(), b = run();
    for (const name of Object.keys(a)) expect(Buffer.from(a[name].data.buffer).equals(Buffer.from(b[name].data.buffer))).toBe(true);
  });

  it('different seeds give different initial weights; PyTorch-style init ranges hold', () => {
    const cfg = { vocabSize: 10, embeddingDim: 4, hiddenSize: 25, numClasses: 3 };
    const a = simpleModel(rt, { ...cfg, seed: 1 }).stateDict(), b = simpleModel(rt, { ...cfg, seed: 2 }).stateDict();
    expect(Array.from(a['rnn.weight_hh_l0'].data)).not.toEqual(Array.from(b['rnn.weight_hh_l0'].data));
    for (const name of ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'head.weight']) {
      expect(Math.max(...a[name].data.map(Math.abs))).toBeLessThanOrEqual(1 / 5);
    }
    expect(a['embedding.weight'].shape).toEqual([10, 4]);
    expect(a['rnn.weight_ih_l0'].shape).toEqual([25, 4]);
    expect(a['head.weight'].shape).toEqual([3, 25]);
  });
});

describe('bad input gives a typed error naming the problem', () => {
  const model = simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 6, numClasses: 3, maxLength: 8 });
  const cls = simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 6, numClasses: 3, output: 'last' });
  const opt = optim.sgd({ lr: 0.1 });

  it('token ids', () => {
    expect(() => model.predict([[1, 5]])).toThrow(TokenIdError);
    expect(() => model.predict([[1, 5]])).toThrow('inputs[0][1] = 5 is not a valid token id: expected an integer in [0, 5)');
    expect(() => model.predict([[-1]])).toThrow(TokenIdError);
    expect(() => model.predict([[1.5]])).toThrow(TokenIdError);
    expect(() => model.predict([[0, NaN]])).toThrow(/inputs\[0\]\[1\] = NaN/);
  });

  it('empty batch, empty sequence, over-long sequence', () => {
    expect(() => model.predict([])).toThrow(EmptySequenceError);
    expect(() => model.predict([[1], []])).toThrow(/inputs\[1\] is an empty sequence/);
    expect(() => model.predict([Array(9).fill(1)])).toThrow(SequenceTooLongError);
    expect(() => model.predict([Array(9).fill(1)])).toThrow(/9 steps, more than the model's maxLength of 8/);
  });

  it('shapes of inputs and targets', () => {
    expect(() => model.predict('abc' as unknown as number[][])).toThrow(ShapeError);
    expect(() => model.predict([1, 2] as unknown as number[][])).toThrow(/inputs\[0\] must be an array/);
    expect(() => model.trainStep({ inputs: [[1, 2]], targets: [[1]] }, opt)).toThrow(/targets\[0\] must have one label per input step \(2\)/);
    expect(() => model.trainStep({ inputs: [[1, 2]], targets: [] }, opt)).toThrow(ShapeError);
    expect(() => cls.trainStep({ inputs: [[1, 2], [3]], targets: [1] }, opt)).toThrow(/array of 2 class labels/);
  });

  it('labels', () => {
    expect(() => model.trainStep({ inputs: [[1, 2]], targets: [[1, 3]] }, opt)).toThrow(LabelError);
    expect(() => cls.trainStep({ inputs: [[1]], targets: [NaN] }, opt)).toThrow(/targets\[0\] = NaN is not a valid class label/);
  });

  it('configs', () => {
    expect(() => simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 0, numClasses: 3 })).toThrow(ConfigError);
    expect(() => simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 0, numClasses: 3 })).toThrow('hiddenSize = 0 is invalid: expected a positive integer');
    expect(() => simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 2, numClasses: 3, nonlinearity: 'gelu' as 'tanh' })).toThrow(/nonlinearity/);
    expect(() => simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 2, numClasses: 3, maxLength: 0 })).toThrow(/maxLength/);
  });

  it('state dicts: wrong names, shapes and NaN weights are rejected and nothing is changed', () => {
    const before = model.stateDict();
    const bad = model.stateDict();
    bad['rnn.weight_hh_l0'] = { shape: [6, 5], data: new Float32Array(30) };
    expect(() => model.loadStateDict(bad)).toThrow("'rnn.weight_hh_l0' has shape [6,5], expected [6,6]");
    const renamed = model.stateDict();
    renamed['rnn.weight_hh'] = renamed['rnn.weight_hh_l0'];
    delete (renamed as Record<string, unknown>)['rnn.weight_hh_l0'];
    expect(() => model.loadStateDict(renamed)).toThrow(/missing \[rnn.weight_hh_l0\], unexpected \[rnn.weight_hh\]/);
    const nan = model.stateDict();
    nan['head.bias'].data[1] = NaN;
    expect(() => model.loadStateDict(nan)).toThrow(NonFiniteError);
    const after = model.stateDict();
    for (const k of Object.keys(before)) expect(Array.from(after[k].data)).toEqual(Array.from(before[k].data));
  });

  it('a non-finite loss stops the step before the update', () => {
    const m = simpleModel(rt, { vocabSize: 5, embeddingDim: 4, hiddenSize: 6, numClasses: 3 });
    const sd = m.stateDict();
    sd['head.weight'].data.fill(3e38); // logits overflow to ±Inf
    sd['head.weight'].data[1] = -3e38;
    m.loadStateDict(sd);
    expect(() => m.trainStep({ inputs: [[1, 2, 3]], targets: [[0, 1, 2]] }, optim.sgd({ lr: 0.1 }))).toThrow(NonFiniteError);
    const after = m.stateDict();
    for (const k of Object.keys(sd)) expect(Array.from(after[k].data)).toEqual(Array.from(sd[k].data));
    m.dispose();
  });

  it('an optimizer bound to one model refuses another', () => {
    const a = simpleModel(rt, { vocabSize: 5, embeddingDim: 2, hiddenSize: 2, numClasses: 2 });
    const b = simpleModel(rt, { vocabSize: 5, embeddingDim: 2, hiddenSize: 2, numClasses: 2 });
    const o = optim.adam();
    a.trainStep({ inputs: [[1]], targets: [[0]] }, o);
    expect(() => b.trainStep({ inputs: [[1]], targets: [[0]] }, o)).toThrow(/one optimizer per model/);
  });
});
