// fit(): events and metrics, early stopping, resuming from a checkpoint (also after an
// interruption) bitwise identically, a non-finite loss leaving the last checkpoint
// intact, and atomic files.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Sequential, layers, optim, fit, evaluateDataset, loadCheckpoint, loadModel, saveModel, NonFiniteError, WeightFileError,
  type FitEvent, type Example,
} from '../src/index.js';
import { writeFileAtomic, saveCheckpointFile, loadCheckpointFile } from '../src/node/index.js';
import { testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

function task(n: number, seed: number): Example<number[], number>[] {
  const rng = testRng(seed);
  return Array.from({ length: n }, () => {
    const input = Array.from({ length: 2 + rng.int(6) }, () => rng.int(8));
    return { input, target: input.filter((t) => t < 4).length % 2 }; // parity of the small tokens
  });
}

const build = () => new Sequential(rt, [
  layers.embedding({ vocabSize: 8, dim: 6 }), layers.dropout({ rate: 0.1 }),
  layers.gru({ hiddenSize: 12, returnSequences: false }), layers.dense({ units: 2 }),
], { seed: 7 });

const bits = (m: Sequential) => Buffer.from(saveModel(m));

describe('fit', () => {
  it('emits step and epoch events with validation metrics (perplexity = e^loss, bits = loss / ln 2)', async () => {
    const m = build();
    const events: FitEvent[] = [];
    const h = await fit(m, task(40, 1), { optimizer: optim.adam({ lr: 0.01 }), epochs: 2, batchSize: 16, validationData: task(10, 2), onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'step').length).toBe(6);
    const ep = events.filter((e) => e.type === 'epoch');
    expect(ep.length).toBe(2);
    // Events and history number epochs alike, from 1.
    expect(ep.map((e) => (e as Extract<FitEvent, { type: 'epoch' }>).epoch)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'step').map((e) => (e as Extract<FitEvent, { type: 'step' }>).epoch)).toEqual([1, 1, 1, 2, 2, 2]);
    const v = (ep[1] as Extract<FitEvent, { type: 'epoch' }>).validation!;
    expect(v.perplexity).toBeCloseTo(Math.exp(v.loss), 10);
    expect(v.bitsPerToken).toBeCloseTo(v.loss / Math.LN2, 10);
    expect(v.count).toBe(10);
    expect(h.reason).toBe('completed');
    expect(h.epochs[1]).toMatchObject({ epoch: 2 });
    expect(events.at(-1)).toEqual({ type: 'end', reason: 'completed', epochs: 2 });
  });

  it('learns (loss falls) and the same seed gives bitwise identical weights', async () => {
    const run = async () => {
      const m = build();
      const h = await fit(m, task(64, 3), { optimizer: optim.adam({ lr: 0.02 }), epochs: 3, batchSize: 16, seed: 5 });
      return { m, h };
    };
    const a = await run(), b = await run();
    expect(a.h.epochs[2].loss).toBeLessThan(a.h.epochs[0].loss);
    expect(bits(a.m).equals(bits(b.m))).toBe(true);
  });

  it('resumes from an epoch checkpoint bitwise identically (dropout RNG, Adam moments, schedule)', async () => {
    const data = task(48, 4);
    const opts = { epochs: 4, batchSize: 10, seed: 2, schedule: optim.cosineDecay(20) };
    const full = build();
    await fit(full, data, { ...opts, optimizer: optim.adam({ lr: 0.02 }) });
    let ck: Uint8Array | undefined;
    const half = build();
    await fit(half, data, { ...opts, epochs: 2, optimizer: optim.adam({ lr: 0.02 }), checkpoint: (b) => { ck = b; } });
    const resumed = loadCheckpoint(rt, ck!);
    expect(resumed.state.epoch).toBe(2);
    await fit(resumed.model, data, { ...opts, optimizer: resumed.optimizer, resume: resumed.state });
    expect(bits(resumed.model).equals(bits(full))).toBe(true);
  });

  it('resumes after an interruption mid-epoch, bitwise identically', async () => {
    const data = task(48, 5);
    const opts = { epochs: 3, batchSize: 10, seed: 4 };
    const full = build();
    await fit(full, data, { ...opts, optimizer: optim.adam({ lr: 0.02 }) });
    const m = build();
    const ctrl = new AbortController();
    let ck: Uint8Array | undefined, steps = 0;
    const h = await fit(m, data, {
      ...opts, optimizer: optim.adam({ lr: 0.02 }), signal: ctrl.signal, checkpoint: (b) => { ck = b; },
      onEvent: (e) => { if (e.type === 'step' && ++steps === 7) ctrl.abort(); },
    });
    expect(h.reason).toBe('interrupted');
    const r = loadCheckpoint(rt, ck!);
    expect(r.state).toMatchObject({ epoch: 1, stepInEpoch: 2, globalStep: 7 });
    await fit(r.model, data, { ...opts, optimizer: r.optimizer, resume: r.state });
    expect(bits(r.model).equals(bits(full))).toBe(true);
  });

  it('stops early when the validation loss stops improving, restoring the best weights', async () => {
    const m = build();
    const rng = testRng(9);
    // Validation labels are random: the validation loss soon rises while training continues.
    const val = task(30, 6).map((e) => ({ ...e, target: rng.int(2) }));
    const events: FitEvent[] = [];
    const h = await fit(m, task(30, 6), { optimizer: optim.adam({ lr: 0.05 }), epochs: 60, batchSize: 10, validationData: val, earlyStopping: { patience: 2 }, onEvent: (e) => events.push(e) });
    expect(h.reason).toBe('early-stopping');
    expect(h.epochs.length).toBeLessThan(60);
    const losses = h.epochs.map((e) => e.val_loss);
    const best = Math.min(...losses);
    expect(losses.indexOf(best)).toBe(losses.length - 4); // patience 2: three epochs without improvement
    expect(evaluateDataset(m, val).loss).toBeCloseTo(best, 5);
  });

  it('early stopping still restores the best weights after resuming from a checkpoint', async () => {
    const rng = testRng(9);
    const val = task(30, 6).map((e) => ({ ...e, target: rng.int(2) }));
    const cks: Uint8Array[] = [];
    const opts = { epochs: 60, batchSize: 10, validationData: val, earlyStopping: { patience: 2 } };
    const h = await fit(build(), task(30, 6), { ...opts, optimizer: optim.adam({ lr: 0.05 }), checkpoint: (b) => { cks.push(b); } });
    const losses = h.epochs.map((e) => e.val_loss), best = Math.min(...losses);
    // Resume from the checkpoint one epoch after the best one: the best weights must come back from the file.
    const r = loadCheckpoint(rt, cks[losses.indexOf(best) + 1]);
    expect(r.state.bestWeights).toBeDefined();
    const h2 = await fit(r.model, task(30, 6), { ...opts, optimizer: r.optimizer, resume: r.state });
    expect(h2.reason).toBe('early-stopping');
    expect(evaluateDataset(r.model, val).loss).toBeCloseTo(best, 5);
  });

  it('validates a stateful model on a validation set of another batch size', async () => {
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 8, dim: 4 }), layers.lstm({ hiddenSize: 6, stateful: true }), layers.dense({ units: 2 })], { seed: 1 });
    const data = task(8, 3).map((e) => ({ input: e.input, target: e.input.map((t) => t % 2) }));
    const h = await fit(m, data, { optimizer: optim.adam(), epochs: 1, batchSize: 4, shuffle: false, validationData: data.slice(0, 6) });
    expect(h.epochs[0].val_loss).toBeGreaterThan(0);
  });

  it('rejects clipping thresholds that are not positive, before any update', () => {
    const m = build();
    const before = bits(m);
    expect(() => m.trainStep({ inputs: [[1, 2]], targets: [1] }, optim.sgd({ lr: 0.1 }), { clipNorm: -1 })).toThrow(/clipNorm = -1/);
    expect(() => m.trainStep({ inputs: [[1, 2]], targets: [1] }, optim.sgd({ lr: 0.1 }), { clipValue: 0 })).toThrow(/clipValue = 0/);
    expect(bits(m).equals(before)).toBe(true);
    m.dispose();
    m.dispose();
    expect(() => m.predict([[1]])).toThrow(/disposed/);
    const a = build(), b = build();
    expect(a.params.ptr).not.toBe(b.params.ptr);
  });

  it('a non-finite loss stops training with a NonFiniteError and the last checkpoint intact', async () => {
    const m = new Sequential(rt, [layers.gru({ hiddenSize: 4 }), layers.dense({ units: 1 })], { inputFeatures: 1, loss: 'mse', seed: 1 });
    const good = Array.from({ length: 8 }, (_, i) => ({ input: [[i / 8], [1 - i / 8]], target: [[0.5], [0.25]] }));
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-'));
    const path = join(dir, 'ck.safetensors');
    const opt = optim.sgd({ lr: 0.1 });
    await fit(m, good, { optimizer: opt, epochs: 1, batchSize: 4, checkpoint: (_b, s) => saveCheckpointFile(path, m, opt, s) });
    const before = readFileSync(path);
    const bomb = [...good, { input: [[1], [1]], target: [[3e38], [-3e38]] }]; // (y − t)² overflows float32
    await expect(fit(m, bomb, { optimizer: opt, epochs: 3, batchSize: 9, resume: { epoch: 1, stepInEpoch: 0, globalStep: 2, history: [] }, checkpoint: (_b, s) => saveCheckpointFile(path, m, opt, s) }))
      .rejects.toThrow(NonFiniteError);
    expect(readFileSync(path).equals(before)).toBe(true);
    const ck = await loadCheckpointFile(rt, path);
    expect(ck.state.epoch).toBe(1);
    expect(readdirSync(dir)).toEqual(['ck.safetensors']);
  });
});

describe('model files', () => {
  it('loadModel rebuilds the model from the file alone; a checkpoint loads as a model too', () => {
    const m = build();
    const again = loadModel(rt, saveModel(m));
    const probe = [[1, 2, 3], [4, 5]];
    expect(again.predictOutputs(probe)).toEqual(m.predictOutputs(probe));
    expect(() => loadCheckpoint(rt, saveModel(m))).toThrow(/not an rnn-wasm checkpoint/);
    expect(() => loadModel(rt, new Uint8Array(16))).toThrow(WeightFileError);
  });

  it('writes atomically: a failed write leaves the old file and no temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-'));
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    await expect(writeFileAtomic(join(dir, 'missing', 'x'), new Uint8Array(1))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });
});


describe('progress printed by fit', () => {
  it('a line per epoch on a terminal: the bar while it runs, the summary when it ends; silent with verbose: false', async () => {
    const { progressPrinter } = await import('../src/train/progress.js');
    let out = '';
    const print = progressPrinter(2, { isTTY: true, columns: 200, write: (t: string) => { out += t; } });
    print({ type: 'step', epoch: 1, step: 0, stepsPerEpoch: 4, globalStep: 1, loss: 1.5, tokens: 10, tokensPerSecond: 2500, lr: 0.1, etaSeconds: 3.2 });
    expect(out).toBe('\rEpoch 1/2 1/4 [====>...............] ETA 4s · loss 1.500 · 2.5k tokens/s\x1b[K');
    print({ type: 'epoch', epoch: 1, loss: 1.25, seconds: 2, tokensPerSecond: 900, lr: 0.1, validation: { loss: 1.5, accuracy: 0.5, count: 4 } });
    expect(out.endsWith('\rEpoch 1/2 4/4 · 2.0s · loss 1.250 · val_loss 1.500 · val_accuracy 0.5000 · 900 tokens/s\x1b[K\n')).toBe(true);
  });

  it('fit is silent when standard error is not a terminal, and prints epoch lines with verbose: true', async () => {
    const rt = runtime();
    const model = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.rnn({ hiddenSize: 3 }), layers.dense({ units: 2 })]);
    const data = [{ input: [1, 2], target: [0, 1] }, { input: [3], target: [1] }];
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); });
    try {
      await fit(model, data, { optimizer: optim.sgd({ lr: 0.1 }), epochs: 2 });
      expect(logs).toEqual([]);
      await fit(model, data, { optimizer: optim.sgd({ lr: 0.1 }), epochs: 2, verbose: true });
      expect(logs.map((l) => l.slice(0, 14))).toEqual(['Epoch 1/2 1/1 ', 'Epoch 2/2 1/1 ']);
    } finally {
      spy.mockRestore();
      model.dispose();
    }
  });
});
