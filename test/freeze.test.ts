// freeze(): the embedding folded into the first recurrent layer's input projection.
// The frozen model's outputs are compared with the plain model's and with a float64
// reference composition (embedding → stack → dense → softmax from test/reference/),
// for every cell, uni- and bidirectional, stacked, padded batches, streams with carried
// state and int8 models; then what it refuses, and that dispose() gives the table back.
import { describe, expect, it } from 'vitest';
import {
  Sequential, layers, freeze, quantize, optim, fit, loadRuntimeSync,
  ConfigError, FrozenModelError, MemoryLimitError, TokenIdError, ArgumentError,
} from '../src/index.js';
import { freeze as freezeFromInference } from '../src/inference.js';
import { stackForwardRef, type StackSpec } from './reference/stack.js';
import { denseRef, embeddingRef, softmaxRef } from './reference/layers.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';
import { simpleModel, type SimpleModelConfig } from './helpers/models.js';

const rt = runtime();
const V = 13, E = 6, H = 7, C = 5;

/** Time-major probabilities [T][B][C] of embedding → recurrent 'rnn' → dense 'head' in float64, from the model's weights. */
function referenceProbs(model: Sequential, c: Partial<SimpleModelConfig>, seqs: number[][]): Float64Array {
  const p = Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
  const lengths = seqs.map((s) => s.length), B = seqs.length, T = Math.max(...lengths);
  const ids = new Int32Array(T * B);
  seqs.forEach((s, b) => s.forEach((id, t) => { ids[t * B + b] = id; }));
  const x = embeddingRef(ids, E, p['embedding.weight']);
  const L = c.numLayers ?? 1, D = c.bidirectional ? 2 : 1, P = c.projSize || undefined;
  const w = [];
  for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) {
    const sfx = `_l${l}${d ? '_reverse' : ''}`, zero = (n: number) => new Float64Array(n);
    const G = p[`rnn.weight_ih${sfx}`].length / (l === 0 ? E : D * (P ?? H));
    w.push({ wih: p[`rnn.weight_ih${sfx}`], whh: p[`rnn.weight_hh${sfx}`], bih: p[`rnn.bias_ih${sfx}`] ?? zero(G), bhh: p[`rnn.bias_hh${sfx}`] ?? zero(G), whr: p[`rnn.weight_hr${sfx}`] });
  }
  const spec: StackSpec = { cell: c.cell ?? 'rnn', T, B, I: E, H, L, D: D as 1 | 2, merge: 'concat', nonlinearity: c.nonlinearity, resetBefore: c.resetBefore, P };
  const st = stackForwardRef(spec, x, w, lengths, null, null);
  const F = D * (P ?? H);
  return softmaxRef(T * B, C, denseRef(T * B, F, C, st.output, p['head.weight'], p['head.bias']));
}

function batch(seed: number, lengths: number[]): number[][] {
  const rng = testRng(seed);
  return lengths.map((n) => Array.from({ length: n }, () => rng.int(V)));
}

/** Rows of valid steps only (padded steps' probabilities are not outputs). */
function validRows(probs: ArrayLike<number>, seqs: number[][]): number[] {
  const B = seqs.length, out: number[] = [];
  seqs.forEach((s, b) => s.forEach((_, t) => { for (let j = 0; j < C; j++) out.push(probs[(t * B + b) * C + j]); }));
  return out;
}

describe('freeze: the frozen model equals the plain model and the float64 reference', () => {
  const configs: Partial<SimpleModelConfig>[] = [
    { cell: 'lstm' }, { cell: 'lstm', bidirectional: true, numLayers: 2 }, { cell: 'lstm', projSize: 4, bidirectional: true }, { cell: 'lstm', bias: false },
    { cell: 'gru' }, { cell: 'gru', bidirectional: true }, { cell: 'gru', resetBefore: true, numLayers: 2 }, { cell: 'gru', resetBefore: true, bias: false, bidirectional: true },
    { cell: 'rnn' }, { cell: 'rnn', nonlinearity: 'relu', bidirectional: true, numLayers: 2 }, { cell: 'rnn', bias: false },
  ];
  for (const c of configs) {
    it(`${JSON.stringify(c)}: padded batch, outputsView within 2e-6 of the plain model and 1e-5 of float64`, () => {
      const model = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C, seed: 3, ...c });
      const frozen = freeze(model);
      expect(frozen.frozen).toBe(true);
      expect(model.frozen).toBe(false);
      const seqs = batch(7, [5, 2, 4, 1]);
      const plain = Float64Array.from(model.outputsView(seqs)), got = Float64Array.from(frozen.outputsView(seqs));
      // Both run the same f32 kernels on the same sums, except where the table's rows were added (GEMM order).
      expectClose(validRows(got, seqs), validRows(plain, seqs), 0, 2e-6, 'frozen vs plain');
      expectClose(validRows(got, seqs), validRows(referenceProbs(model, c, seqs), seqs), 0, 1e-5, 'frozen vs float64');
      expect(frozen.predict(seqs)).toEqual(model.predict(seqs));
      frozen.dispose();
      model.dispose();
    });
  }

  it('dropout between the embedding and the recurrent layer is skipped with the embedding; sequence outputs (last state) too', () => {
    const model = new Sequential(rt, [
      layers.embedding({ vocabSize: V, dim: E }), layers.dropout({ rate: 0.5 }),
      layers.gru({ hiddenSize: H, bidirectional: true, returnSequences: false }), layers.dense({ units: C }),
    ], { seed: 5 });
    const frozen = freeze(model), seqs = batch(2, [3, 6, 1]);
    expectClose(frozen.outputsView(seqs), Float64Array.from(model.outputsView(seqs)), 0, 2e-6, 'frozen vs plain');
    frozen.dispose();
    model.dispose();
  });

  it('works from rnn-wasm/inference, and keeps preprocessing-free evaluate / predictStepProbabilities', () => {
    const model = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C, cell: 'lstm', seed: 1 });
    const frozen = freezeFromInference(model), seqs = batch(4, [4, 3]);
    const targets = seqs.map((s) => s.map((id) => id % C));
    const a = model.evaluate({ inputs: seqs, targets }), b = frozen.evaluate({ inputs: seqs, targets });
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    expect(b.accuracy).toBe(a.accuracy);
    const pa = model.predictStepProbabilities(seqs), pb = frozen.predictStepProbabilities(seqs);
    pa.forEach((s, i) => s.forEach((row, t) => expectClose(pb[i][t], row, 0, 2e-6)));
    frozen.dispose();
    model.dispose();
  });
});

describe('freeze: streaming with carried state', () => {
  const configs: Partial<SimpleModelConfig>[] = [
    { cell: 'lstm', numLayers: 2 }, { cell: 'lstm', projSize: 3 }, { cell: 'gru' }, { cell: 'gru', resetBefore: true, bias: false }, { cell: 'rnn', nonlinearity: 'relu' },
  ];
  for (const c of configs) {
    it(`${JSON.stringify(c)}: stream(3).step equals the plain model's stream and the float64 reference`, () => {
      const model = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C, seed: 8, ...c });
      const frozen = freeze(model), seqs = batch(11, [6, 6, 6]);
      const ref = referenceProbs(model, c, seqs);
      const s = frozen.stream(3), plain = model.stream(3);
      for (let t = 0; t < 6; t++) {
        const ids = seqs.map((q) => q[t]);
        const p = s.step(ids), q = plain.step(ids);
        expectClose(p, q, 0, 2e-6, `step ${t} vs plain`);
        expectClose(p, ref.subarray(t * 3 * C, (t + 1) * 3 * C), 0, 1e-5, `step ${t} vs float64`);
      }
      expect(() => s.step([0, V, 1])).toThrow(TokenIdError);
      s.reset(1);
      plain.reset(1);
      expectClose(s.step([1, 2, 3]), plain.step([1, 2, 3]), 0, 2e-6, 'after reset');
      frozen.dispose();
      expect(s.isDisposed).toBe(true); // the model's ledger held the stream
      model.dispose();
    });
  }
});

describe('freeze: int8 models', () => {
  it('freeze(quantize(m)) folds the f32 table of the dequantized weights; within int8 error of the int8 model, bidirectional and streamed', () => {
    const bi = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: 16, numClasses: C, seed: 2, cell: 'gru', bidirectional: true });
    const qb = quantize(bi), fqb = freeze(qb), padded = batch(5, [2, 6, 4]);
    expectClose(validRows(fqb.outputsView(padded), padded), validRows(qb.outputsView(padded), padded), 0, 2e-3, 'bidirectional frozen int8 vs int8');
    for (const m of [fqb, qb, bi]) m.dispose();
    const model = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: 16, numClasses: C, seed: 2, cell: 'lstm', numLayers: 2 });
    const q = quantize(model), fq = freeze(q), seqs = batch(3, [5, 3]);
    expect(fq.quantized && fq.frozen).toBe(true);
    const a = validRows(q.outputsView(seqs), seqs), b = validRows(fq.outputsView(seqs), seqs);
    // The int8 model rounds the embedding rows to i16 before its input GEMM; the table holds the exact f32 product.
    expectClose(b, a, 0, 2e-3, 'frozen int8 vs int8');
    const s = fq.stream(2), sq = q.stream(2);
    for (let t = 0; t < 3; t++) expectClose(s.step([seqs[0][t], seqs[1][t]]), sq.step([seqs[0][t], seqs[1][t]]), 0, 2e-3, `int8 stream step ${t}`);
    expect(() => quantize(fq)).toThrow(FrozenModelError);
    for (const m of [fq, q, model]) m.dispose();
  });
});

describe('freeze: refusals and ownership', () => {
  it('training, new weights, quantizing and freezing again are FrozenModelErrors; the source model stays trainable', async () => {
    const model = simpleModel(rt, { vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C, cell: 'gru', seed: 1 });
    const frozen = freeze(model), data = { inputs: [[1, 2, 3]], targets: [[0, 1, 2]] };
    expect(() => frozen.trainStep(data, optim.adam())).toThrow(FrozenModelError);
    expect(() => frozen.lossAndGradients(data)).toThrow(FrozenModelError);
    await expect(fit(frozen, [{ input: [1, 2], target: [0, 1] }], { optimizer: optim.sgd({ lr: 0.1 }), epochs: 1 })).rejects.toThrow(FrozenModelError);
    expect(() => frozen.loadStateDict(model.stateDict())).toThrow(FrozenModelError);
    expect(() => frozen.parametersChanged()).toThrow(FrozenModelError);
    expect(() => frozen.applyGradients(optim.sgd({ lr: 0.1 }), 1)).toThrow(FrozenModelError);
    expect(() => quantize(frozen)).toThrow(FrozenModelError);
    expect(() => freeze(frozen)).toThrow(FrozenModelError);
    expect(() => frozen.predict([[0, V]])).toThrow(TokenIdError);
    expect(() => frozen.predict([[-1]])).toThrow(TokenIdError);
    model.trainStep(data, optim.sgd({ lr: 0.5 })); // the table belongs to the frozen copy: the source trains on
    const seqs = [[1, 2, 3]];
    expect(Math.max(...validRows(model.outputsView(seqs), seqs).map((v, i) => Math.abs(v - validRows(frozen.outputsView(seqs), seqs)[i])))).toBeGreaterThan(1e-4);
    expect(() => freeze(model as never, null as never)).toThrow(ArgumentError);
    expect(() => freeze({} as never)).toThrow(ArgumentError);
    frozen.dispose();
    model.dispose();
  });

  it('models without a foldable embedding → recurrent pair are refused with a ConfigError naming why', () => {
    const features = new Sequential(rt, [layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 })], { inputFeatures: 2 });
    expect(() => freeze(features)).toThrow(/does not start with an embedding/);
    const fields = new Sequential(rt, [layers.embedding({ fields: [{ vocabSize: 4, dim: 2 }, { vocabSize: 3, dim: 2 }] }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 })]);
    expect(() => freeze(fields)).toThrow(ConfigError);
    const pooled = new Sequential(rt, [layers.embedding({ vocabSize: 4, dim: 2 }), layers.pooling({ mode: 'mean' }), layers.dense({ units: 2 })]);
    expect(() => freeze(pooled)).toThrow(/does not feed a recurrent layer/);
    for (const m of [features, fields, pooled]) m.dispose();
  });

  it('a table over maxTableBytes is a ConfigError; over the memoryLimit a MemoryLimitError, with nothing left allocated', () => {
    const own = loadRuntimeSync();
    const model = simpleModel(own, { vocabSize: 4000, embeddingDim: 4, hiddenSize: 64, numClasses: 3, cell: 'lstm' });
    const table = 4000 * 4 * 64 * 4; // 4 MiB, 16× the embedding it folds
    expect(() => freeze(model, { maxTableBytes: table - 4 })).toThrow(/maxTableBytes/);
    expect(() => freeze(model, { maxTableBytes: -1 })).toThrow(ArgumentError);
    const inUse = own.planner.inUse, limit = own.planner.limit;
    own.planner.limit = own.planner.inUse + 2 * 1024 * 1024; // room for the copy's weights, not for the table
    expect(() => freeze(model, { maxTableBytes: table })).toThrow(MemoryLimitError);
    expect(own.planner.inUse).toBe(inUse);
    own.planner.limit = limit;
    const frozen = freeze(model, { maxTableBytes: table });
    expect(frozen.frozen).toBe(true);
    frozen.dispose();
    expect(own.planner.inUse).toBe(inUse);
    model.dispose();
  });

  it('the table is in the frozen model\'s ledger: dispose() gives it back, and a disposed frozen model refuses use', () => {
    const model = simpleModel(rt, { vocabSize: 500, embeddingDim: E, hiddenSize: 16, numClasses: C, cell: 'lstm', bidirectional: true });
    const before = rt.planner.inUse;
    const copy = Sequential.fromJSON(rt, model.toJSON());
    copy.predict([[1, 2, 3]]);
    const plainBytes = rt.planner.inUse - before;
    copy.dispose();
    const frozen = freeze(model);
    frozen.predict([[1, 2, 3]]);
    const frozenBytes = rt.planner.inUse - before;
    // Two directions' tables, less the embedding's output slot a frozen forward never lays out.
    expect(frozenBytes - plainBytes).toBeGreaterThanOrEqual(2 * 500 * 4 * 16 * 4 - 3 * E * 4 - 1024);
    frozen.dispose();
    expect(rt.planner.inUse).toBe(before);
    expect(() => frozen.predict([[1]])).toThrow(/disposed/);
    model.dispose();
  });
});
