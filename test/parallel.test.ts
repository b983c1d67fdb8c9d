// Two-thread data-parallel training (ParallelTrainer) against the one-thread step,
// which the other tests validate against float64 references: the summed gradients
// and updated weights must match the full-batch step within float32 round-off
// (only the order of the sums over rows differs), for uneven shares, padded
// batches whose shares hold different numbers of labelled steps, per-sequence and
// MSE models, 'sum' reduction and clipping; then an encoder–decoder (Seq2Seq), whose
// shares are cut by target length. Then determinism, errors from either thread,
// models without the DataParallel capability, shutdown, the fallbacks, and
// fit({ threads: 2 }).
import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  Sequential, Seq2Seq, layers, optim, ConfigError, NonFiniteError, TokenIdError, ParallelTrainer, fit, balancedSplit, balancedCuts, sliceRows,
  type Batch, type StepOptions, type Trainable, type TrainBatch,
} from '../src/node/index.js';
import * as lib from '../src/index.js';
import { defineSplittable } from './helpers/splittable-model.mjs';
import { testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
// Gradients: |two − one| ≤ ATOL + RTOL · max|one| per tensor. Float32 sums over the
// ≤ 100 rows of these batches, reordered, differ by a few ulps of the largest terms.
const RTOL = 2e-5, ATOL = 1e-7;

function tokenModel(cell: 'lstm' | 'gru' | 'rnn', o: { perStep?: boolean; dropout?: number; bidirectional?: boolean; numLayers?: number } = {}) {
  const rec = new layers.RecurrentLayer({ cell, hiddenSize: 12, bidirectional: o.bidirectional, numLayers: o.numLayers, returnSequences: o.perStep ?? true, dropout: o.numLayers && o.numLayers > 1 ? o.dropout : undefined });
  const ls = [layers.embedding({ vocabSize: 20, dim: 6 }), rec, ...(o.dropout ? [layers.dropout({ rate: o.dropout })] : []), layers.dense({ units: 5 })];
  return new Sequential(rt, ls, { seed: 11 });
}

/** Token batch with the given lengths; per-step or per-sequence class targets. */
function tokenBatch(lengths: number[], perStep = true, seed = 3): Batch {
  const r = testRng(seed);
  const inputs = lengths.map((n) => Array.from({ length: n }, () => r.int(20)));
  return { inputs, targets: inputs.map((s) => (perStep ? s.map(() => r.int(5)) : r.int(5))) };
}

function expectTensorsClose(two: Record<string, { data: Float32Array }>, one: Record<string, { data: Float32Array }>, rtol = RTOL, atol = ATOL) {
  for (const name of Object.keys(one)) {
    const a = two[name].data, b = one[name].data;
    let scale = 0, worst = 0;
    for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst, `${name}: worst |two − one| = ${worst} against max |one| = ${scale}`).toBeLessThanOrEqual(atol + rtol * scale);
  }
}

/** One step of each path on identical models; compares loss, gradients and updated weights. */
async function compareStep(make: () => Sequential | Seq2Seq, batch: Batch, opts: StepOptions = {}, optimizer: () => optim.Optimizer = () => optim.sgd({ lr: 0.5 }), threads = 2) {
  const one = make(), two = make();
  const o1 = optimizer(), o2 = optimizer();
  const trainer = await ParallelTrainer.create(two, o2, { threads, probe: false });
  try {
    expect(trainer.threads).toBe(threads);
    const r1 = one.trainStep(batch as TrainBatch, o1, opts);
    const r2 = trainer.trainStep(batch, opts);
    expect(r2.count).toBe(r1.count);
    expect(r2.tokens).toBe(r1.tokens);
    expect(Math.abs(r2.loss - r1.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(r1.loss));
    expect(Math.abs(r2.gradNorm - r1.gradNorm)).toBeLessThanOrEqual(1e-5 * r1.gradNorm);
    expectTensorsClose(two.gradientDict(), one.gradientDict());
    expectTensorsClose(two.stateDict(), one.stateDict());
    return { one, two, trainer };
  } finally {
    await trainer.close();
  }
}

describe('splitting a packed batch', () => {
  it('balances rows × padded length and gives ties to the first share', () => {
    expect(balancedSplit(Int32Array.from([5, 5, 5, 5]))).toBe(2);
    expect(balancedSplit(Int32Array.from([5, 5, 5, 5, 5, 5, 5]))).toBe(3);
    expect(balancedSplit(Int32Array.from([9, 1, 1, 1, 1, 1, 1]))).toBe(1);
    expect(balancedSplit(Int32Array.from([3]))).toBe(1);
  });

  it('slices rows out of every time-major array and trims the padding', () => {
    const m = tokenModel('lstm');
    const p = m.packBatch(tokenBatch([4, 2, 3, 1]));
    const s = sliceRows(p, 1, 3);
    expect([s.T, s.B, Array.from(s.lengths)]).toEqual([3, 2, [2, 3]]);
    for (let t = 0; t < 3; t++) for (let b = 0; b < 2; b++) {
      expect(s.ids![t * 2 + b]).toBe(p.ids![t * 4 + b + 1]);
      expect(s.classes![t * 2 + b]).toBe(p.classes![t * 4 + b + 1]);
    }
    expect(s.count).toBe(5);
    expect(s.tokens).toBe(5);
    m.dispose();
  });
});

describe('balancedCuts', () => {
  const cost = (l: number[], c: number[]) => Math.max(...c.slice(1).map((e, i) => (e - c[i]) * Math.max(0, ...l.slice(c[i], e))));
  it('cuts into n runs whose largest rows × longest is the least possible, none empty while rows ≥ parts', () => {
    expect(balancedCuts(Int32Array.from([5, 5, 5, 5]), 2)).toEqual([0, 2, 4]);
    expect(balancedCuts(Int32Array.from([5, 5, 5, 5, 5, 5, 5]), 2)).toEqual([0, 3, 7]);
    expect(balancedCuts(Int32Array.from([5, 5, 5, 5]), 3)).toEqual([0, 1, 2, 4]);
    expect(balancedCuts(Int32Array.from([9, 1, 1, 1, 1, 1, 1]), 3)).toEqual([0, 1, 2, 7]);
    expect(balancedCuts(Int32Array.from([3, 2]), 4)).toEqual([0, 0, 0, 1, 2]);
    expect(balancedCuts(Int32Array.from([]), 3)).toEqual([0, 0, 0, 0]);
    // Against every cut of small random batches (brute force).
    const r = testRng(90);
    for (let trial = 0; trial < 200; trial++) {
      const l = Array.from({ length: 1 + r.int(7) }, () => 1 + r.int(9)), n = 1 + r.int(4);
      const c = balancedCuts(Int32Array.from(l), n);
      let best = Infinity;
      const walk = (at: number[], from: number) => {
        if (at.length === n) { best = Math.min(best, cost(l, [0, ...at.slice(1), l.length])); return; }
        for (let e = from; e <= l.length; e++) walk([...at, e], e);
      };
      walk([0], 0);
      expect(c.length).toBe(n + 1);
      expect(cost(l, c), `${l} in ${n}: ${c}`).toBe(best);
      if (l.length >= n) for (let i = 0; i < n; i++) expect(c[i + 1]).toBeGreaterThan(c[i]);
    }
  });
});

describe('two threads match the one-thread full-batch step', () => {
  it('LSTM, per-step labels, uneven shares of padded sequences (7 rows, 1–9 steps)', async () => {
    // Long sequences first: the shares get very different numbers of labelled steps,
    // so weighting each share's mean equally would fail this test.
    await compareStep(() => tokenModel('lstm'), tokenBatch([9, 9, 8, 2, 1, 3, 1]));
  });

  it('two-layer bidirectional GRU, Adam, clipNorm', async () => {
    await compareStep(() => tokenModel('gru', { bidirectional: true, numLayers: 2 }), tokenBatch([6, 3, 5, 6, 2, 4, 1, 5], true, 8),
      { clipNorm: 0.05 }, () => optim.adam({ lr: 1e-3 }));
  });

  it('Elman RNN, one label per sequence, sum reduction', async () => {
    await compareStep(() => tokenModel('rnn', { perStep: false }), tokenBatch([4, 7, 2, 5, 5], false, 4), { reduction: 'sum' });
  });

  it('feature inputs, MSE per step (masked padding), SGD with momentum', async () => {
    const r = testRng(6), lengths = [5, 2, 4, 1, 3, 5];
    const vec = (n: number) => Array.from(r.array(n));
    const batch = { inputs: lengths.map((n) => Array.from({ length: n }, () => vec(3))), targets: lengths.map((n) => Array.from({ length: n }, () => vec(2))) };
    const make = () => new Sequential(rt, [layers.lstm({ hiddenSize: 8 }), layers.dense({ units: 2 })], { inputFeatures: 3, loss: 'mse', seed: 2 });
    await compareStep(make, batch, {}, () => optim.sgd({ lr: 0.1, momentum: 0.9 }));
  });

  it('several steps stay together (weights published to the worker every step)', async () => {
    const one = tokenModel('lstm'), two = tokenModel('lstm');
    const o1 = optim.adam({ lr: 1e-2 }), o2 = optim.adam({ lr: 1e-2 });
    const trainer = await ParallelTrainer.create(two, o2, { probe: false });
    for (let i = 0; i < 4; i++) {
      const b = tokenBatch([5, 3, 6, 2, 4, 5], true, 20 + i);
      const r1 = one.trainStep(b, o1), r2 = trainer.trainStep(b);
      expect(Math.abs(r2.loss - r1.loss)).toBeLessThanOrEqual(1e-4 * r1.loss);
    }
    // Adam divides by √v: reordered sums move an update by far less than lr = 1e-2.
    expectTensorsClose(two.stateDict(), one.stateDict(), 0, 1e-4);
    await trainer.close();
  });

  it('batches of changing shapes: reused buffers hold no stale rows, the shared buffer grows', async () => {
    const r = testRng(30), F = 96;
    const make = () => new Sequential(rt, [layers.gru({ hiddenSize: 6 }), layers.dense({ units: 3 })], { inputFeatures: F, seed: 5 });
    const batchOf = (lengths: number[]) => ({
      inputs: lengths.map((n) => Array.from({ length: n }, () => Array.from(r.array(F)))),
      targets: lengths.map((n) => Array.from({ length: n }, () => r.int(3))),
    });
    const one = make(), two = make();
    const o1 = optim.sgd({ lr: 0.3 }), o2 = optim.sgd({ lr: 0.3 });
    const trainer = await ParallelTrainer.create(two, o2, { probe: false });
    // The middle batch's worker share (≈ 8 rows × 40 steps × 96 floats) is larger than the initial 64 KB shared buffer.
    for (const lengths of [[4, 2, 3], [40, 31, 40, 12, 40, 40, 7, 40, 40, 40, 33, 40, 40, 40, 40, 40], [2, 5, 1, 3]]) {
      const b = batchOf(lengths);
      const r1 = one.trainStep(b, o1), r2 = trainer.trainStep(b);
      expect(Math.abs(r2.loss - r1.loss)).toBeLessThanOrEqual(1e-5 * r1.loss);
      expectTensorsClose(two.gradientDict(), one.gradientDict());
    }
    expectTensorsClose(two.stateDict(), one.stateDict());
    await trainer.close();
  });

  it('a batch of one sequence runs on the main thread alone', async () => {
    await compareStep(() => tokenModel('lstm'), tokenBatch([5]));
  });
});

describe('three and four threads match the one-thread full-batch step (more threads than this machine may have cores)', () => {
  for (const threads of [3, 4]) {
    it(`${threads} threads: LSTM, per-step labels, uneven padded shares`, async () => {
      await compareStep(() => tokenModel('lstm'), tokenBatch([9, 9, 8, 2, 1, 3, 1, 4, 6], true, 5), {}, undefined, threads);
    });

    it(`${threads} threads: two-layer bidirectional GRU, Adam, clipNorm`, async () => {
      await compareStep(() => tokenModel('gru', { bidirectional: true, numLayers: 2 }), tokenBatch([6, 3, 5, 6, 2, 4, 1, 5, 7, 2], true, 8),
        { clipNorm: 0.05 }, () => optim.adam({ lr: 1e-3 }), threads);
    });

    it(`${threads} threads: Elman RNN, one label per sequence, sum reduction`, async () => {
      await compareStep(() => tokenModel('rnn', { perStep: false }), tokenBatch([4, 7, 2, 5, 5, 3], false, 4), { reduction: 'sum' }, undefined, threads);
    });

    it(`${threads} threads: Seq2Seq, LSTM`, async () => {
      await compareStep(() => seq2seqModel('lstm'), seq2seqBatch([3, 6, 2, 5, 4, 1, 6], [8, 7, 9, 2, 0, 3, 1], 52), {}, undefined, threads);
    });
  }

  it('fewer rows than threads: the idle workers rest, the result is the same', async () => {
    await compareStep(() => tokenModel('lstm'), tokenBatch([4, 2, 3], true, 9), {}, undefined, 4);
    await compareStep(() => tokenModel('lstm'), tokenBatch([4, 2], true, 10), {}, undefined, 4);
  });

  it('a share larger than a worker’s first data buffer (64 KiB, grown to a size not a multiple of 4 bytes before the fix) trains as one thread does', async () => {
    // Each share is three rows: 6 lengths + 3 × (3,000 + 2,501) ids = 16,509 words, 66,036 bytes.
    await compareStep(() => seq2seqModel('lstm'), seq2seqBatch(Array(6).fill(3000), Array(6).fill(2501), 5), {}, undefined, 2);
  });

  it('several steps with 3 threads and dropout: bitwise repeatable', async () => {
    const run = async () => {
      const m = tokenModel('lstm', { dropout: 0.3, numLayers: 2 });
      const t = await ParallelTrainer.create(m, optim.adam({ lr: 1e-2 }), { threads: 3, probe: false });
      for (let i = 0; i < 3; i++) t.trainStep(tokenBatch([6, 4, 6, 5, 3, 6, 2], true, 40 + i));
      await t.close();
      return m.params.f32().slice();
    };
    const a = await run(), b = await run();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('the probe keeps no more threads than help; its speed-ups are reported per thread count', async () => {
    const t = await ParallelTrainer.create(tokenModel('lstm'), optim.sgd({ lr: 1 }), { threads: 4 });
    expect(t.threads).toBeGreaterThanOrEqual(1);
    expect(t.threads).toBeLessThanOrEqual(4);
    expect(Object.keys(t.probeSpeedups!).map(Number)).toEqual([2, 3, 4]);
    if (t.threads < 4) expect(t.fallbackReason).toMatch(/start-up/);
    t.trainStep(tokenBatch([3, 3, 4, 5]));
    await t.close();
  });
});

/** An encoder–decoder without dropout (dropout 0: the two paths then compute the same function). */
function seq2seqModel(cell: 'lstm' | 'gru' = 'lstm', numLayers = 1) {
  return new Seq2Seq(rt, { sourceVocabSize: 11, targetVocabSize: 9, embeddingDim: 6, hiddenSize: 10, cell, numLayers, dropout: 0, bos: 0, eos: 1, seed: 7 });
}

/** Sources and targets of the given lengths (target ids 2..8: never BOS or EOS). */
function seq2seqBatch(sourceLengths: number[], targetLengths: number[], seed: number) {
  const r = testRng(seed);
  return {
    inputs: sourceLengths.map((n) => Array.from({ length: n }, () => r.int(11))),
    targets: targetLengths.map((n) => Array.from({ length: n }, () => 2 + r.int(7))),
  };
}

describe('Seq2Seq on two threads matches the one-thread step', () => {
  // 7 rows (odd); the long targets come first, so the cut gives the shares very
  // different numbers of target tokens: 1 / (the whole batch's tokens + EOS) per share,
  // not each share's own mean, is what makes the sum right.
  const batch = seq2seqBatch([3, 6, 2, 5, 4, 1, 6], [8, 7, 9, 2, 0, 3, 1], 50);

  it('LSTM, SGD: loss, gradients and updated weights within float32 round-off', async () => {
    const { trainer } = await compareStep(() => seq2seqModel('lstm'), batch);
    // Both threads trained: the worker's share was not empty.
    expect(trainer.lastTimings!.workerMs).toBeGreaterThan(0);
  });

  it('two-layer GRU, Adam, clipNorm', async () => {
    await compareStep(() => seq2seqModel('gru', 2), seq2seqBatch([5, 2, 7, 3, 3], [6, 1, 4, 5, 2], 51), { clipNorm: 0.05 }, () => optim.adam({ lr: 1e-3 }));
  });

  it('reports the whole batch\'s target tokens + EOS as its count', async () => {
    const trainer = await ParallelTrainer.create(seq2seqModel(), optim.sgd({ lr: 0.1 }), { probe: false });
    expect(trainer.trainStep(batch).count).toBe(8 + 7 + 9 + 2 + 0 + 3 + 1 + 7);
    await trainer.close();
  });

  it('validates the whole batch on the main thread, naming the caller\'s indices; refuses reduction \'sum\'', async () => {
    const t = await ParallelTrainer.create(seq2seqModel(), optim.sgd({ lr: 1 }), { probe: false });
    const bad = { inputs: batch.inputs, targets: batch.targets.map((x, b) => (b === 5 ? [2, 99, 3] : x)) };
    expect(() => t.trainStep(bad)).toThrow(TokenIdError);
    expect(() => t.trainStep(bad)).toThrow(/targets\[5\]\[1\]/);
    expect(() => t.trainStep(batch, { reduction: 'sum' })).toThrow(ConfigError);
    await t.close();
  });

  it('with dropout, the same seed gives bitwise the same weights (each share draws its own masks)', async () => {
    const run = async () => {
      const m = new Seq2Seq(rt, { sourceVocabSize: 11, targetVocabSize: 9, embeddingDim: 6, hiddenSize: 10, numLayers: 2, dropout: 0.3, bos: 0, eos: 1, seed: 7 });
      const t = await ParallelTrainer.create(m, optim.adam({ lr: 1e-2 }), { probe: false });
      for (let i = 0; i < 3; i++) t.trainStep(seq2seqBatch([3, 5, 2, 4, 6], [4, 2, 6, 3, 1], 60 + i));
      await t.close();
      const w = m.params.f32().slice();
      m.dispose();
      return w;
    };
    const a = await run(), b = await run();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('a share crosses the shared buffer unchanged (token ids as Int32)', () => {
    const m = seq2seqModel(), header = new Int32Array(8);
    const data = new SharedArrayBuffer(m.shareBytes(batch));
    m.writeShare(batch, header, data);
    expect(m.readShare(header, data)).toEqual(batch);
    m.dispose();
  });
});

describe('determinism', () => {
  it('same seed and thread count give bitwise the same weights, dropout included', async () => {
    const run = async () => {
      const m = tokenModel('lstm', { dropout: 0.3, numLayers: 2 });
      const t = await ParallelTrainer.create(m, optim.adam({ lr: 1e-2 }), { probe: false });
      for (let i = 0; i < 3; i++) t.trainStep(tokenBatch([6, 4, 6, 5, 3, 6], true, 40 + i));
      await t.close();
      return m.params.f32().slice();
    };
    const a = await run(), b = await run();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});

describe('stateful models (truncated BPTT)', () => {
  // Each thread carries its own rows' states: consecutive chunks of the same streams
  // on two threads must give the one-thread run's weights, and a resetStates() (a new
  // epoch) must reach the worker's replica, or its rows would start from stale states.
  const make = () => new Sequential(rt, [layers.embedding({ vocabSize: 20, dim: 6 }), layers.lstm({ hiddenSize: 12, stateful: true, numLayers: 2 }), layers.dense({ units: 20 })], { seed: 5 });
  const chunk = (i: number): Batch => {
    const r = testRng(100 + i);
    const inputs = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => r.int(20)));
    return { inputs, targets: inputs.map((s) => s.map(() => r.int(20))) };
  };

  it.each([2, 3])('%i threads carry the streams\' states like one, across chunks and a reset', async (threads) => {
    const one = make(), two = make();
    const o1 = optim.adam({ lr: 1e-2 }), o2 = optim.adam({ lr: 1e-2 });
    const trainer = await ParallelTrainer.create(two, o2, { threads, probe: false });
    try {
      expect(trainer.threads).toBe(threads);
      for (let epoch = 0; epoch < 2; epoch++) {
        one.resetStates();
        two.resetStates();
        for (let i = 0; i < 3; i++) {
          const r1 = one.trainStep(chunk(i) as TrainBatch, o1), r2 = trainer.trainStep(chunk(i));
          expect(Math.abs(r2.loss - r1.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(r1.loss));
        }
      }
      expectTensorsClose(two.stateDict(), one.stateDict(), 1e-4, 1e-6);
    } finally {
      await trainer.close();
    }
  });

  it('without the reset reaching the worker, the weights would differ (the check can fail)', async () => {
    const one = make(), two = make();
    const o1 = optim.adam({ lr: 1e-2 }), o2 = optim.adam({ lr: 1e-2 });
    const trainer = await ParallelTrainer.create(two, o2, { threads: 2, probe: false });
    try {
      for (let i = 0; i < 2; i++) { one.trainStep(chunk(i) as TrainBatch, o1); trainer.trainStep(chunk(i)); }
      one.resetStates(); // only the one-thread model starts its streams afresh
      const r1 = one.trainStep(chunk(2) as TrainBatch, o1), r2 = trainer.trainStep(chunk(2));
      expect(Math.abs(r2.loss - r1.loss)).toBeGreaterThan(1e-4 * Math.abs(r1.loss));
    } finally {
      await trainer.close();
    }
  });
});

describe('errors', () => {
  it('rejects bad options with ConfigError', async () => {
    const m = tokenModel('lstm');
    for (const threads of [0, 2.5, -1, 257, Number.NaN]) {
      await expect(ParallelTrainer.create(m, optim.sgd({ lr: 1 }), { threads })).rejects.toThrow(ConfigError);
    }
    await expect(ParallelTrainer.create(m, optim.sgd({ lr: 1 }), { spinMicros: -1 })).rejects.toThrow(ConfigError);
    await expect(ParallelTrainer.create(m, undefined as never)).rejects.toThrow(ConfigError);
  });

  it('validates the whole batch on the main thread, naming the caller\'s indices', async () => {
    const t = await ParallelTrainer.create(tokenModel('lstm'), optim.sgd({ lr: 1 }), { probe: false });
    const b = tokenBatch([3, 3, 3, 3]);
    (b.inputs[3] as number[])[1] = 99;
    expect(() => t.trainStep(b)).toThrow(TokenIdError);
    expect(() => t.trainStep(b)).toThrow(/inputs\[3\]\[1\]/);
    await t.close();
  });

  it('a non-finite loss in the worker\'s share throws NonFiniteError, updates nothing, and the trainer goes on', async () => {
    const m = new Sequential(rt, [layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 1 })], { inputFeatures: 1, loss: 'mse', seed: 1 });
    const t = await ParallelTrainer.create(m, optim.sgd({ lr: 0.1 }), { probe: false });
    const inputs = [[[0.1], [0.2]], [[0.3], [0.1]], [[0.2], [0.2]], [[0.1], [0.3]]];
    const before = m.params.f32().slice();
    // The last row belongs to the worker's share; its squared error overflows float32.
    expect(() => t.trainStep({ inputs, targets: [[0, 1], [1, 0], [0, 0], [1e30, 1e30]] })).toThrow(NonFiniteError);
    expect(Array.from(m.params.f32())).toEqual(Array.from(before));
    const r = t.trainStep({ inputs, targets: [[0, 1], [1, 0], [0, 0], [1, 1]] });
    expect(Number.isFinite(r.loss)).toBe(true);
    await t.close();
  });
});

/** A user's own model: trainable (a Sequential inside), but without the DataParallel capability. */
class Plain implements Trainable {
  readonly inner = tokenModel('gru');
  get rt() { return this.inner.rt; }
  get params() { return this.inner.params; }
  get grads() { return this.inner.grads; }
  get rng() { return this.inner.rng; }
  trainStep(b: TrainBatch, o: optim.Optimizer, s?: StepOptions) { return this.inner.trainStep(b, o, s); }
  evaluate(b: TrainBatch) { return this.inner.evaluate(b); }
  resetStates() { this.inner.resetStates(); }
  stateDict() { return this.inner.stateDict(); }
  loadStateDict(d: Parameters<Sequential['loadStateDict']>[0]) { this.inner.loadStateDict(d); }
  toJSON() { return { format: 'test/plain' }; }
  dispose() { this.inner.dispose(); }
}

describe('models without the capability', () => {
  it('a Trainable that does not implement DataParallel is refused with a ConfigError naming what it lacks', async () => {
    const m = new Plain();
    await expect(ParallelTrainer.create(m, optim.sgd({ lr: 1 }), { threads: 2 })).rejects.toThrow(ConfigError);
    await expect(ParallelTrainer.create(m, optim.sgd({ lr: 1 }), { threads: 2 })).rejects.toThrow(/DataParallel \(parallelRefusal, splitBatch, .*shareGradients/);
    const data = [{ input: [1, 2], target: [0, 1] }, { input: [3], target: [2] }];
    await expect(fit(m, data, { optimizer: optim.sgd({ lr: 0.1 }), epochs: 1, threads: 2, probe: false })).rejects.toThrow(ConfigError);
    // One thread trains it as before.
    await expect(fit(m, data, { optimizer: optim.sgd({ lr: 0.1 }), epochs: 1, threads: 1, verbose: false })).resolves.toBeDefined();
    m.dispose();
  });

  it('a DataParallel model of the user\'s own kind trains on two threads once the worker imports its module', async () => {
    const Splittable = defineSplittable(lib);
    const one = new Splittable(rt, 7), two = new Splittable(rt, 7);
    // Without the module the worker cannot rebuild the kind: one typed error that says what to do.
    await expect(ParallelTrainer.create(two, optim.sgd({ lr: 1 }), { probe: false })).rejects.toThrow(ConfigError);
    await expect(ParallelTrainer.create(two, optim.sgd({ lr: 1 }), { probe: false })).rejects.toThrow(/unknown model kind "test\/splittable".*workerModules/);
    const trainer = await ParallelTrainer.create(two, optim.sgd({ lr: 0.5 }), { probe: false, workerModules: [new URL('./helpers/splittable-model.mjs', import.meta.url)] });
    expect(trainer.threads).toBe(2);
    const b = tokenBatch([6, 2, 5, 4, 1], true, 70);
    one.trainStep(b, optim.sgd({ lr: 0.5 }));
    trainer.trainStep(b);
    expectTensorsClose(two.gradientDict(), one.gradientDict());
    expectTensorsClose(two.stateDict(), one.stateDict());
    await trainer.close();
    await expect(ParallelTrainer.create(two, optim.sgd({ lr: 1 }), { probe: false, workerModules: ['/nonexistent/model.mjs'] })).rejects.toThrow(/workerModules: cannot import/);
    one.dispose(); two.dispose();
  });
});

describe('fallback and shutdown', () => {
  it('falls back to one thread without SharedArrayBuffer, with the one-thread result', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    try {
      const one = tokenModel('gru'), two = tokenModel('gru');
      const t = await ParallelTrainer.create(two, optim.sgd({ lr: 0.5 }), { threads: 2 });
      expect(t.threads).toBe(1);
      expect(t.fallbackReason).toMatch(/SharedArrayBuffer/);
      const b = tokenBatch([4, 2, 5]);
      one.trainStep(b, optim.sgd({ lr: 0.5 }));
      t.trainStep(b);
      expect(Array.from(two.params.f32())).toEqual(Array.from(one.params.f32()));
      await t.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('falls back when the start-up probe finds no useful second thread', async () => {
    // No machine reaches ×100 on two threads: this forces the probe's fallback branch.
    const t = await ParallelTrainer.create(tokenModel('lstm'), optim.sgd({ lr: 1 }), { minSpeedup: 100 });
    expect(t.threads).toBe(1);
    expect(t.probeSpeedup).toBeGreaterThan(0);
    expect(t.fallbackReason).toMatch(/start-up/);
    t.trainStep(tokenBatch([3, 3]));
    await t.close();
  });

  it('threads: 1 never starts a worker', async () => {
    const t = await ParallelTrainer.create(tokenModel('lstm'), optim.sgd({ lr: 1 }), { threads: 1 });
    expect(t.threads).toBe(1);
    expect(t.fallbackReason).toBeUndefined();
    await t.close();
  });

  it('close() stops the worker; a closed trainer refuses steps; close is idempotent', async () => {
    const t = await ParallelTrainer.create(tokenModel('lstm'), optim.sgd({ lr: 1 }), { probe: false });
    expect(t.measureSync(5).exchangeUs).toBeGreaterThan(0);
    await t.close();
    await t.dispose();
    expect(t.threads).toBe(1);
    expect(() => t.trainStep(tokenBatch([3, 3]))).toThrow(ConfigError);
  });

  it('a Node process using a trainer exits by itself, closed or not', () => {
    const entry = fileURLToPath(new URL('../dist/node/index.js', import.meta.url));
    for (const close of [true, false]) {
      const script = `
        const { loadRuntimeSync, Sequential, layers, optim, ParallelTrainer } = await import(${JSON.stringify(entry)});
        const m = new Sequential(loadRuntimeSync(), [layers.embedding({ vocabSize: 5, dim: 3 }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 2 })]);
        const t = await ParallelTrainer.create(m, optim.sgd({ lr: 0.1 }), { probe: false });
        t.trainStep({ inputs: [[1, 2], [3, 4, 0]], targets: [[0, 1], [1, 0, 1]] });
        console.log('threads', t.threads);
        ${close ? 'await t.close();' : ''}`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.error, `close = ${close}: ${r.stderr}`).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('threads 2');
    }
  });
});

describe('fit with threads', () => {
  it('fit({ threads: 2 }) follows fit with one thread', async () => {
    const r = testRng(12);
    const data = Array.from({ length: 40 }, () => {
      const input = Array.from({ length: 2 + r.int(6) }, () => r.int(20));
      return { input, target: input.map((v) => v % 5) };
    });
    const histories = [];
    for (const threads of [1, 2]) {
      const m = tokenModel('lstm');
      histories.push(await fit(m, data, { optimizer: optim.adam({ lr: 1e-2 }), epochs: 2, batchSize: 10, seed: 1, threads, probe: false }));
    }
    const [h1, h2] = histories;
    for (let e = 0; e < 2; e++) expect(Math.abs(h2.epochs[e].loss - h1.epochs[e].loss)).toBeLessThanOrEqual(1e-4 * h1.epochs[e].loss);
    expect(h2.epochs[1].loss).toBeLessThan(h2.epochs[0].loss);
    // The node entry's fit is the threaded one (the core fit would ignore `threads`).
    await expect(fit(tokenModel('lstm'), data, { optimizer: optim.sgd({ lr: 0.1 }), epochs: 1, threads: 1.5 })).rejects.toThrow(ConfigError);
  });

  it('fit(seq2seq, data, { threads: 2 }) trains (the loss falls) and follows fit with one thread', async () => {
    // Reverse a sequence of 1–6 tokens.
    const r = testRng(13);
    const data = Array.from({ length: 48 }, () => {
      const input = Array.from({ length: 1 + r.int(6) }, () => 2 + r.int(7));
      return { input, target: [...input].reverse() };
    });
    const histories = [];
    for (const threads of [1, 2]) {
      const m = seq2seqModel('gru');
      histories.push(await fit(m, data, { optimizer: optim.adam({ lr: 5e-2 }), epochs: 6, batchSize: 9, seed: 2, threads, probe: false, verbose: false }));
      m.dispose();
    }
    const [h1, h2] = histories;
    for (let e = 0; e < 6; e++) expect(Math.abs(h2.epochs[e].loss - h1.epochs[e].loss)).toBeLessThanOrEqual(1e-3 * h1.epochs[e].loss);
    expect(h2.epochs[5].loss).toBeLessThan(0.8 * h2.epochs[0].loss);
  });
});
