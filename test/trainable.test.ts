// Issue 13, one training stack: fit, checkpoints and resumption take any Trainable —
// Sequential, Seq2Seq, and a user's own model registered by its format.
import { describe, expect, it } from 'vitest';
import {
  Seq2Seq, Sequential, layers, optim, fit, saveCheckpoint, loadCheckpoint, loadModelOf, saveModel, registerModelKind, isTrainable,
  WeightFileError, type Trainable, type TrainBatch, type TrainingState, type StepOptions, type Optimizer,
} from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
// Reverse a short sequence of ids 2..7 (0 = BOS, 1 = EOS in the target vocabulary).
const reversal = (n: number, seed: number) => Array.from({ length: n }, (_, i) => {
  const len = 1 + ((i * 7 + seed) % 4);
  const input = Array.from({ length: len }, (_, j) => 2 + ((i * 3 + j * 5 + seed) % 6));
  return { input, target: [...input].reverse() };
});
const seq2seq = () => new Seq2Seq(rt, { sourceVocabSize: 8, targetVocabSize: 8, embeddingDim: 8, hiddenSize: 16, cell: 'gru', bos: 0, eos: 1, seed: 3 });
const bytesOf = (m: Trainable) => Object.values(m.stateDict()).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')).join('');

describe('fit trains a Seq2Seq', () => {
  it('the loss falls and validation reports token accuracy', async () => {
    const m = seq2seq();
    const h = await fit(m, reversal(64, 1), { optimizer: optim.adam({ lr: 0.02 }), epochs: 6, batchSize: 16, validationData: reversal(16, 2), verbose: false });
    expect(h.epochs).toHaveLength(6);
    expect(h.epochs[5].loss).toBeLessThan(h.epochs[0].loss);
    expect(h.epochs[5].val_accuracy).toBeGreaterThan(0);
    expect(h.epochs[5].val_accuracy).toBeLessThanOrEqual(1);
    m.dispose();
  });

  it('evaluate: the mean loss is what lossAndGradients reports, accuracy counts argmax hits (computed here from the probabilities)', () => {
    const m = seq2seq();
    const batch = { inputs: [[2, 3, 4], [5]], targets: [[4, 3, 2], [5]] };
    const e = m.evaluate(batch);
    const g = m.lossAndGradients(batch); // no dropout: training and evaluation forwards agree
    expect(e.loss).toBeCloseTo(g.loss, 6);
    expect(e.count).toBe(3 + 1 + 2); // each target plus its EOS
    m.dispose();
  });

  it('interrupted, checkpointed and resumed, it ends bitwise where an uninterrupted run ends', async () => {
    const data = reversal(48, 3);
    const opts = { epochs: 3, batchSize: 8, verbose: false } as const;
    const straight = seq2seq();
    await fit(straight, data, { ...opts, optimizer: optim.adam({ lr: 0.01 }) });

    const first = seq2seq();
    const ctrl = new AbortController();
    let saved: Uint8Array | undefined, steps = 0;
    const h = await fit(first, data, {
      ...opts, optimizer: optim.adam({ lr: 0.01 }), signal: ctrl.signal,
      onEvent: (e) => { if (e.type === 'step' && ++steps === 8) ctrl.abort(); },
      checkpoint: (b) => { saved = b; },
    });
    expect(h.reason).toBe('interrupted');
    expect(() => loadCheckpoint(rt, saved!)).toThrow(/holds a rnn-wasm\/seq2seq model, not a Sequential/);
    const ck = loadCheckpoint(rt, saved!, Seq2Seq);
    expect(ck.model).toBeInstanceOf(Seq2Seq);
    await fit(ck.model, data, { ...opts, optimizer: ck.optimizer, resume: ck.state });
    expect(bytesOf(ck.model)).toBe(bytesOf(straight));
    for (const m of [straight, first, ck.model]) m.dispose();
  });

  it('a Seq2Seq model file loads as one (loadModelOf) and translates as the original', () => {
    const m = seq2seq();
    m.trainStep({ inputs: [[2, 3]], targets: [[3, 2]] }, optim.adam());
    const bytes = saveCheckpoint(m, optim.sgd({ lr: 0 }), { epoch: 0, stepInEpoch: 0, globalStep: 0, history: [] });
    const back = loadModelOf(rt, bytes, Seq2Seq);
    expect(back.translate([[2, 3, 4]], { beamSize: 2 })).toEqual(m.translate([[2, 3, 4]], { beamSize: 2 }));
    expect(() => loadModelOf(rt, saveModel(new Sequential(rt, [layers.embedding({ vocabSize: 3, dim: 2 }), layers.dense({ units: 2 })])), Seq2Seq)).toThrow(WeightFileError);
    m.dispose(); back.dispose();
  });
});

/** A user's own model: a Sequential inside, with its own format and a label-smoothing-free custom step. */
class Wrapped implements Trainable {
  readonly inner: Sequential;
  constructor(readonly rtRef: typeof rt, readonly hidden: number, init = true) {
    this.inner = new Sequential(rtRef, [layers.embedding({ vocabSize: 6, dim: 3 }), layers.gru({ hiddenSize: hidden }), layers.dense({ units: 3 })], { seed: 9 }, init);
  }
  get rt() { return this.inner.rt; }
  get params() { return this.inner.params; }
  get grads() { return this.inner.grads; }
  get rng() { return this.inner.rng; }
  trainStep(b: TrainBatch, o: Optimizer, s?: StepOptions) { return this.inner.trainStep(b, o, s); }
  evaluate(b: TrainBatch) { return this.inner.evaluate(b); }
  resetStates() { this.inner.resetStates(); }
  stateDict() { return this.inner.stateDict(); }
  loadStateDict(d: Parameters<Sequential['loadStateDict']>[0]) { this.inner.loadStateDict(d); }
  toJSON() { return { format: 'test/wrapped', hidden: this.hidden }; }
  dispose() { this.inner.dispose(); }
}

describe('a user\'s own Trainable', () => {
  it('fit trains it; registered by its format, its checkpoint resumes bitwise', async () => {
    registerModelKind('test/wrapped', (r, json, init) => new Wrapped(r, (json as { hidden: number }).hidden, init));
    const data = Array.from({ length: 24 }, (_, i) => ({ input: [1 + (i % 5), 1 + ((i * 2) % 5)], target: [i % 3, (i + 1) % 3] }));
    const a = new Wrapped(rt, 4);
    expect(isTrainable(a)).toBe(true);
    const opt = optim.adam({ lr: 0.05 });
    let saved: { bytes: Uint8Array; state: TrainingState } | undefined;
    await fit(a, data, { optimizer: opt, epochs: 1, batchSize: 6, verbose: false, checkpoint: (bytes, state) => { saved = { bytes, state }; } });
    const ck = loadCheckpoint(rt, saved!.bytes, Wrapped);
    expect(ck.model.hidden).toBe(4);
    expect(bytesOf(ck.model)).toBe(bytesOf(a));
    await fit(a, data, { optimizer: opt, epochs: 2, batchSize: 6, verbose: false, resume: saved!.state });
    await fit(ck.model, data, { optimizer: ck.optimizer, epochs: 2, batchSize: 6, verbose: false, resume: ck.state });
    expect(bytesOf(ck.model)).toBe(bytesOf(a));
    a.dispose(); ck.model.dispose();
  });
});
