// Batch inference on several threads (ParallelPredictor, predict with threads): the
// rows are cut across the main thread and workers, so the outputs must be exactly
// one thread's — model.predict over all the rows in one call, which the other tests
// check against float64 references — for per-step and per-sequence models, feature
// inputs, bidirectional stacks, an encoder–decoder's translations, and more threads
// than this machine may have cores; then weights changed between calls, errors, and
// shutdown.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Sequential, Seq2Seq, layers, optim, ConfigError, TokenIdError, ParallelPredictor, predict } from '../src/node/index.js';
import { testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

function tagger(seed = 3) {
  return new Sequential(rt, [layers.embedding({ vocabSize: 30, dim: 8 }), layers.lstm({ hiddenSize: 10, bidirectional: true, numLayers: 2 }), layers.dense({ units: 6 })], { seed });
}

function tokenRows(n: number, seed: number, maxLen = 12) {
  const r = testRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 1 + r.int(maxLen) }, () => r.int(30)));
}

describe('ParallelPredictor: the outputs are exactly one thread\'s', () => {
  for (const threads of [2, 3, 4]) {
    it(`${threads} threads: per-step probabilities and classes of a bidirectional two-layer LSTM tagger (257 rows, 1–12 steps)`, async () => {
      const m = tagger(), rows = tokenRows(257, threads);
      const p = await ParallelPredictor.create(m, { threads, batchSize: 16 });
      expect(p.threads).toBe(threads);
      expect(await p.predictOutputs(rows)).toEqual(m.predictOutputs(rows));
      expect(await p.predict(rows)).toEqual(m.predict(rows));
      await p.close();
      m.dispose();
    });
  }

  it('a GRU sequence classifier on feature rows, through predict(model, rows, { threads })', async () => {
    const r = testRng(8);
    const m = new Sequential(rt, [layers.gru({ hiddenSize: 7 }), layers.dense({ units: 3 })], { inputFeatures: 4, seed: 2 });
    const rows = Array.from({ length: 50 }, () => Array.from({ length: 1 + r.int(9) }, () => Array.from(r.array(4))));
    expect(await predict(m, rows, { threads: 3 })).toEqual(m.predict(rows));
    m.dispose();
  });

  it('a Seq2Seq\'s translations (greedy and beam search)', async () => {
    const m = new Seq2Seq(rt, { sourceVocabSize: 11, targetVocabSize: 9, embeddingDim: 6, hiddenSize: 10, bos: 0, eos: 1, maxLength: 8, seed: 7 });
    const r = testRng(9);
    const sources = Array.from({ length: 23 }, () => Array.from({ length: 1 + r.int(6) }, () => 2 + r.int(9)));
    const p = await ParallelPredictor.create(m, { threads: 3 });
    expect(await p.translate(sources)).toEqual(m.translate(sources));
    expect(await p.translate(sources, { beamSize: 3 })).toEqual(m.translate(sources, { beamSize: 3 }));
    await p.close();
    m.dispose();
  });

  it('weights changed between calls (training) reach the workers', async () => {
    const m = tagger(5), rows = tokenRows(40, 11);
    const p = await ParallelPredictor.create(m, { threads: 2 });
    const before = await p.predictOutputs(rows);
    const o = optim.adam({ lr: 0.05 });
    for (let i = 0; i < 3; i++) m.trainStep({ inputs: rows.slice(0, 8), targets: rows.slice(0, 8).map((s) => s.map((v) => v % 6)) }, o);
    const after = await p.predictOutputs(rows);
    expect(after).not.toEqual(before);
    expect(after).toEqual(m.predictOutputs(rows));
    await p.close();
  });
});

describe('ParallelPredictor: errors and shutdown', () => {
  it('bad options, and models it cannot replicate, are refused with ConfigError', async () => {
    const m = tagger();
    await expect(ParallelPredictor.create(m, { threads: 0 })).rejects.toThrow(ConfigError);
    await expect(ParallelPredictor.create(m, { batchSize: 0 })).rejects.toThrow(ConfigError);
    await expect(ParallelPredictor.create({} as never)).rejects.toThrow(ConfigError);
    const stateful = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3, stateful: true }), layers.dense({ units: 2 })]);
    await expect(ParallelPredictor.create(stateful)).rejects.toThrow(/stateful/);
  });

  it('a bad row in a worker\'s share throws the typed error; the predictor goes on', async () => {
    const m = tagger(), rows = tokenRows(30, 12);
    const p = await ParallelPredictor.create(m, { threads: 2 });
    // The longest row goes to the worker (rows are sorted by length; the main thread takes the shortest).
    const bad = [...rows, Array.from({ length: 14 }, (_, t) => (t === 13 ? 99 : 1))];
    await expect(p.predict(bad)).rejects.toThrow(TokenIdError);
    expect(await p.predict(rows)).toEqual(m.predict(rows));
    await p.close();
    await p.close();
    await expect(p.predict(rows)).rejects.toThrow(ConfigError);
  });

  it('one thread, or one row, runs on the calling thread', async () => {
    const m = tagger(), rows = tokenRows(5, 13);
    const p = await ParallelPredictor.create(m, { threads: 1 });
    expect(p.threads).toBe(1);
    expect(await p.predict(rows)).toEqual(m.predict(rows));
    await p.close();
  });

  it('a Node process awaiting a prediction stays alive until it comes, and exits by itself afterwards, closed or not', () => {
    const entry = fileURLToPath(new URL('../dist/node/index.js', import.meta.url));
    for (const close of [true, false]) {
      const script = `
        const { loadRuntimeSync, Sequential, layers, ParallelPredictor } = await import(${JSON.stringify(entry)});
        const m = new Sequential(loadRuntimeSync(), [layers.embedding({ vocabSize: 5, dim: 3 }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 2 })]);
        const p = await ParallelPredictor.create(m, { threads: 2 });
        const out = await p.predict([[1, 2], [3, 4, 0], [2], [1, 1, 1, 1]]);
        console.log('threads', p.threads, 'rows', out.length);
        ${close ? 'await p.close();' : ''}`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.error, `close = ${close}: ${r.stderr}`).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('threads 2 rows 4');
    }
  }, 60_000);
});
