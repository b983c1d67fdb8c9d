// Evaluation on several threads (ParallelTrainer.evaluateDataset): each batch's rows
// cut across the main thread and the workers, the shares' loss sums, right
// predictions and counts added up. Against train/fit's one-thread evaluateDataset,
// which the other tests validate: the count and the accuracy must be equal (each
// row is computed by the same kernels whatever rows share its pass), the loss equal
// up to the float rounding of its reordered sum. With 2, 3 and 4 threads (more than
// this machine may have cores), the pos tagger's shape (fields and a character
// BiLSTM that runs once per distinct word of a share), per-sequence and MSE models,
// weights changed between calls, and fit({ threads }) validating on the threads.
import { describe, expect, it } from 'vitest';
import { Sequential, layers, optim, ParallelTrainer, fit, evaluateDataset, TokenIdError, type TrainBatch } from '../src/node/index.js';
import { testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
const LOSS_RTOL = 1e-5;

/** The pos tagger's shape: word and suffix fields, a character BiLSTM over up to 4 characters, a BiLSTM, a dense head. */
function tagger(seed = 8) {
  return new Sequential(rt, [
    layers.embedding({ fields: [{ vocabSize: 30, dim: 8 }, { vocabSize: 9, dim: 4 }], chars: { vocabSize: 15, dim: 6, hiddenSize: 8, maxChars: 4 } }),
    layers.lstm({ hiddenSize: 12, bidirectional: true }), layers.dense({ units: 5 }),
  ], { seed });
}

/** Tagged sentences of 1–11 words; a word's characters follow from its id, so words repeat within a batch. */
function taggerData(n: number, seed = 4) {
  const r = testRng(seed);
  return Array.from({ length: n }, () => {
    const len = 1 + r.int(11);
    const input = Array.from({ length: len }, () => {
      const w = 1 + r.int(29), chars = 1 + (w % 4);
      return [w, w % 9, ...Array.from({ length: 4 }, (_, c) => (c < chars ? 1 + ((w * (c + 3)) % 14) : 0))];
    });
    return { input, target: input.map((t) => (t[0] + r.int(2)) % 5) };
  });
}

function tokenData(n: number, perStep: boolean, seed = 5) {
  const r = testRng(seed);
  return Array.from({ length: n }, () => {
    const input = Array.from({ length: 1 + r.int(9) }, () => r.int(20));
    return { input, target: perStep ? input.map((t) => (t + r.int(2)) % 5) : r.int(5) };
  });
}

function expectSameMetrics(threads: Record<string, number>, one: Record<string, number>, label: string) {
  expect(threads.count, `${label}: count`).toBe(one.count);
  if (one.accuracy !== undefined) expect(threads.accuracy, `${label}: accuracy`).toBe(one.accuracy);
  else expect(threads.accuracy, `${label}: no accuracy for regression`).toBeUndefined();
  expect(Math.abs(threads.loss - one.loss), `${label}: loss ${threads.loss} against ${one.loss}`).toBeLessThanOrEqual(LOSS_RTOL * Math.abs(one.loss));
}

describe('evaluation on several threads equals one thread\'s', () => {
  for (const threads of [2, 3, 4]) {
    it(`${threads} threads: the pos tagger's shape (fields, character BiLSTM), after training steps`, async () => {
      const model = tagger(), data = taggerData(70);
      const trainer = await ParallelTrainer.create(model, optim.adam({ lr: 0.05 }), { threads, probe: false });
      try {
        expect(trainer.threads).toBe(threads);
        for (const batchSize of [7, 32]) expectSameMetrics(trainer.evaluateDataset(data, { batchSize }), evaluateDataset(model, data, { batchSize }), `untrained, batch ${batchSize}`);
        const before = evaluateDataset(model, data, { batchSize: 16 });
        // Training changes the weights: the next evaluation must reach the workers with the new ones.
        for (let s = 0; s < 4; s++) trainer.trainStep({ inputs: data.slice(s * 16, s * 16 + 16).map((e) => e.input), targets: data.slice(s * 16, s * 16 + 16).map((e) => e.target) } as TrainBatch);
        const after = evaluateDataset(model, data, { batchSize: 16 });
        expect(after.accuracy, 'the steps changed the predictions (the comparison can fail)').not.toBe(before.accuracy);
        expect(after.accuracy! > 0 && after.accuracy! < 1).toBe(true);
        expectSameMetrics(trainer.evaluateDataset(data, { batchSize: 16 }), after, 'trained');
        // Weights set from outside the trainer between calls reach the workers too.
        const fresh = tagger(21);
        model.loadStateDict(fresh.stateDict());
        fresh.dispose();
        expectSameMetrics(trainer.evaluateDataset(data, { batchSize: 16 }), evaluateDataset(model, data, { batchSize: 16 }), 'weights loaded');
      } finally {
        await trainer.close();
        model.dispose();
      }
    });
  }

  it('per-sequence classes and MSE per step (no accuracy), 3 threads', async () => {
    const seqModel = new Sequential(rt, [layers.embedding({ vocabSize: 20, dim: 6 }), layers.gru({ hiddenSize: 10, returnSequences: false }), layers.dense({ units: 5 })], { seed: 2 });
    const mseModel = new Sequential(rt, [layers.embedding({ vocabSize: 20, dim: 6 }), layers.lstm({ hiddenSize: 10 }), layers.dense({ units: 3 })], { seed: 3, loss: 'mse' });
    const seqData = tokenData(50, false);
    const r = testRng(9);
    const mseData = tokenData(50, true).map((e) => ({ input: e.input, target: e.input.map(() => Array.from(r.array(3))) }));
    for (const [model, data] of [[seqModel, seqData], [mseModel, mseData]] as const) {
      const trainer = await ParallelTrainer.create(model, optim.sgd({ lr: 0.1 }), { threads: 3, probe: false });
      try {
        expectSameMetrics(trainer.evaluateDataset(data as never, { batchSize: 13 }), evaluateDataset(model, data as never, { batchSize: 13 }), model === seqModel ? 'per sequence' : 'mse');
      } finally {
        await trainer.close();
        model.dispose();
      }
    }
  });

  it('a batch of one row and fewer rows than threads', async () => {
    const model = tagger(), data = taggerData(3);
    const trainer = await ParallelTrainer.create(model, optim.sgd({ lr: 0.1 }), { threads: 4, probe: false });
    try {
      for (const batchSize of [1, 3]) expectSameMetrics(trainer.evaluateDataset(data, { batchSize }), evaluateDataset(model, data, { batchSize }), `batch ${batchSize}`);
    } finally {
      await trainer.close();
      model.dispose();
    }
  });

  it('bad input is refused on the main thread with the one-thread error', async () => {
    const model = tagger(), data = taggerData(20);
    data[13].input[0][0] = 30; // the word vocabulary has 30 ids: 0–29
    const trainer = await ParallelTrainer.create(model, optim.sgd({ lr: 0.1 }), { threads: 2, probe: false });
    try {
      expect(() => evaluateDataset(model, data, { batchSize: 8 })).toThrow(TokenIdError);
      expect(() => trainer.evaluateDataset(data, { batchSize: 8 })).toThrow(TokenIdError);
      data[13].input[0][0] = 3;
      expectSameMetrics(trainer.evaluateDataset(data, { batchSize: 8 }), evaluateDataset(model, data, { batchSize: 8 }), 'after the error');
    } finally {
      await trainer.close();
      model.dispose();
    }
  });

  it('the order of the examples and the batch size do not change the accuracy (pos-brown evaluates sorted by length, 128 a batch)', async () => {
    const model = tagger(), data = taggerData(90, 11);
    const trainer = await ParallelTrainer.create(model, optim.adam({ lr: 0.05 }), { threads: 2, probe: false });
    try {
      for (let s = 0; s < 3; s++) trainer.trainStep({ inputs: data.slice(s * 30, s * 30 + 30).map((e) => e.input), targets: data.slice(s * 30, s * 30 + 30).map((e) => e.target) } as TrainBatch);
      const one = evaluateDataset(model, data, { batchSize: 8 });
      expect(one.accuracy! > 0.2 && one.accuracy! < 1).toBe(true);
      const sorted = [...data].sort((a, b) => a.input.length - b.input.length);
      for (const batchSize of [5, 32, 128]) {
        expectSameMetrics(evaluateDataset(model, sorted, { batchSize }), one, `sorted, batch ${batchSize}`);
        expectSameMetrics(trainer.evaluateDataset(sorted, { batchSize }), one, `sorted, batch ${batchSize}, 2 threads`);
      }
    } finally {
      await trainer.close();
      model.dispose();
    }
  });

  it('fit({ threads: 2 }) reports the validation metrics of the final weights', async () => {
    const model = tagger(), train = taggerData(60, 6), validation = taggerData(30, 7);
    const h = await fit(model, train, { optimizer: optim.adam({ lr: 0.02 }), epochs: 2, batchSize: 12, seed: 1, validationData: validation, threads: 2, probe: false, verbose: false });
    const one = evaluateDataset(model, validation, { batchSize: 12 });
    const last = h.epochs[1];
    expect(last.val_accuracy).toBe(one.accuracy);
    expect(Math.abs(last.val_loss - one.loss)).toBeLessThanOrEqual(LOSS_RTOL * one.loss);
    model.dispose();
  });
});

describe('packed batches from outside packBatch', () => {
  it('evaluatePacked and lossAndGradientsPacked refuse an id out of range or a wrong-sized id array, plain and frozen, instead of reading past a table', async () => {
    const { freeze } = await import('../src/index.js');
    const plain = new Sequential(rt, [layers.embedding({ vocabSize: 11, dim: 4 }), layers.lstm({ hiddenSize: 6 }), layers.dense({ units: 3 })], { seed: 2 });
    const frozen = freeze(plain);
    const good = () => plain.packBatch({ inputs: [[1, 2, 3], [4, 5]], targets: [[0, 1, 2], [1, 2]] });
    for (const m of [plain, frozen]) {
      expect(m.evaluatePacked(good()).count).toBe(5);
      for (const bad of [11, -5, 5e8]) {
        const p = good();
        p.ids![2] = bad;
        expect(() => m.evaluatePacked(p)).toThrow(TokenIdError);
        expect(() => m.evaluatePacked(p)).toThrow(/field 0: expected an integer in \[0, 11\)/);
      }
      const short = good();
      expect(() => m.evaluatePacked({ ...short, ids: short.ids!.subarray(1) })).toThrow(/expected 1 fields × 3 steps × 2 rows = 6/);
    }
    const p = good();
    p.ids![0] = 11;
    expect(() => plain.lossAndGradientsPacked(p, 1)).toThrow(TokenIdError);
    frozen.dispose();
    plain.dispose();
  });
});
