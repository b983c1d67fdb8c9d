// The built-in tasks on small slices: the data loads, the pipeline runs end to end,
// and the model beats a trivial baseline. (Full runs: README, "Built-in tasks".)
import { describe, expect, it } from 'vitest';
import { namesGender, loadNames } from '../src/cli/tasks/names-gender.js';
import { charlmMoby, loadMoby } from '../src/cli/tasks/charlm-moby.js';
import { ngramBitsPerChar } from '../src/cli/tasks/lm-metrics.js';
import { birthsForecast, loadBirths, calendarFeatures } from '../src/cli/tasks/births-forecast.js';
import { HOLIDAYS } from '../src/cli/tasks/us-holidays.js';
import { g2pCmudict, loadCmudict, errorRates } from '../src/cli/tasks/g2p-cmudict.js';
import { editDistance } from '../src/data/edit-distance.js';
import { runtime } from './helpers/wasm.js';
import { loadModel, loadModelOf } from '../src/io/model-file.js';
import { Seq2Seq, readSafetensors } from '../src/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rt = runtime();

describe('built-in tasks (small slices)', () => {
  it('names-gender: ambiguous names dropped; beats the majority class', async () => {
    const names = loadNames();
    expect(names.length).toBeGreaterThan(7000);
    expect(new Set(names.map((n) => n.name)).size).toBe(names.length);
    const r = (await namesGender.run(rt, { ...namesGender.defaults, limit: 3000, epochs: 4 }, {}))!;
    const majority = r.baselines.find((b) => b.name === 'majority class')!.value;
    expect(r.metric.value).toBeGreaterThan(majority + 0.05);
    // An ordinary model file with its preprocessing: it classifies raw names.
    const m = loadModel(rt, r.modelFile);
    const c = m.classifyText('Emma');
    expect(['male', 'female']).toContain(c.label);
    expect(Object.keys(c.probabilities).sort()).toEqual(['female', 'male']);
    expect(m.classifyText('EMMA')).toEqual(c); // lower-cased, as the training names were
    m.dispose();
  });

  it('an interrupted task writes a checkpoint and resumes from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-task-'));
    const checkpointPath = join(dir, 'ck.safetensors');
    const ctrl = new AbortController();
    const o = { ...namesGender.defaults, limit: 1500, epochs: 2 };
    const stopped = await namesGender.run(rt, o, { checkpointPath, signal: ctrl.signal, onEvent: (e) => { if (e.type === 'step' && e.globalStep === 3) ctrl.abort(); } });
    expect(stopped).toBeNull();
    const resumed = await namesGender.run(rt, o, { checkpointPath, resumeFrom: checkpointPath });
    expect(resumed!.history.length).toBe(2);
    expect(resumed!.metric.value).toBeGreaterThan(0.5);
  });

  it('charlm-moby: chapters load; the n-gram baselines are sane; the LSTM beats the unigram model', async () => {
    const chapters = loadMoby();
    expect(chapters.length).toBeGreaterThan(130);
    expect(chapters[0]).toMatch(/Call me Ishmael/);
    // A text that repeats itself: the 5-gram needs far fewer bits than the unigram.
    const ids = Array.from('abcabcabdabcabcabd'.repeat(20), (c) => c.charCodeAt(0) - 97);
    expect(ngramBitsPerChar(ids, ids, 4, 5)).toBeLessThan(ngramBitsPerChar(ids, ids, 4, 1) / 3);
    const r = (await charlmMoby.run(rt, { ...charlmMoby.defaults, limit: 20, hiddenSize: 48, batchSize: 16, epochs: 1 }, {}))!;
    expect(r.metric.value).toBeLessThan(r.baselines[0].value);
    expect(r.notes[0]).toMatch(/^sample/);
    // An ordinary model file with its preprocessing (task 'lm'): it continues raw text.
    const m = loadModel(rt, r.modelFile);
    expect(m.preprocessing!.json.task).toBe('lm');
    expect(m.metadata).toEqual({ task: 'charlm-moby', prompt: 'Call me Ishmael.' });
    const text = m.generateText('Call me', { maxTokens: 20, seed: 1 });
    expect(Array.from(text)).toHaveLength(20);
    const seen = new Set(Array.from(chapters.join('')));
    for (const ch of Array.from(text)) expect(seen.has(ch), ch).toBe(true);
    m.dispose();
  });

  it('charlm-moby (stateful, two threads) checkpoints when interrupted and resumes to the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-task-'));
    const checkpointPath = join(dir, 'ck.safetensors');
    const o = { ...charlmMoby.defaults, limit: 10, hiddenSize: 32, batchSize: 16, epochs: 2, numLayers: 2, dropout: 0.2 };
    const ctrl = new AbortController();
    let steps = 0;
    const stopped = await charlmMoby.run(rt, o, { checkpointPath, threads: 2, signal: ctrl.signal, onEvent: (e) => { if (e.type === 'step' && (steps = e.stepsPerEpoch) && e.globalStep === steps + 5) ctrl.abort(); } });
    expect(stopped).toBeNull();
    const seen: number[] = [];
    const resumed = (await charlmMoby.run(rt, o, { checkpointPath, resumeFrom: checkpointPath, threads: 2, onEvent: (e) => { if (e.type === 'step') seen.push(e.globalStep); } }))!;
    // It goes on from the interrupted step of the second epoch to the end, and its history keeps the first epoch.
    expect(seen[0]).toBe(steps + 6);
    expect(seen.at(-1)).toBe(2 * steps);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.history[1].val_bitsPerToken).toBeLessThan(resumed.baselines[0].value);
  });

  it('births-forecast: the CSV loads; the model beats predicting the training mean', async () => {
    const days = loadBirths();
    expect(days.length).toBe(7305);
    expect(days[0]).toEqual({ date: '1969-01-01', births: 8486, weekday: 2, dayOfYear: 0 });
    const limit = 2000;
    const r = (await birthsForecast.run(rt, { ...birthsForecast.defaults, limit, epochs: 3 }, {}))!;
    const slice = days.slice(0, limit), mean = slice.slice(0, 1600).reduce((s, d) => s + d.births, 0) / 1600;
    const meanMae = slice.slice(1800).reduce((s, d) => s + Math.abs(d.births - mean), 0) / 200;
    expect(Number.isFinite(r.metric.value)).toBe(true);
    expect(r.metric.value).toBeLessThan(meanMae);
    // The seasonal-naive baseline, recomputed here from the data over the test windows' days (t from 1800 + 0 … 193, 7 days each).
    let naive = 0, count = 0;
    for (let t = 1800; t + 7 <= limit; t++) for (let k = 0; k < 7; k++) { naive += Math.abs(slice[t + k].births - slice[t + k - 7].births); count++; }
    expect(r.baselines[0].value).toBeCloseTo(naive / count, 6);
    // The figure: one whole month of the test split, its truth the data's counts.
    const truth = r.figure!.points.filter((p) => p.series === 'truth');
    expect(truth.length).toBeGreaterThanOrEqual(28);
    for (const p of truth) expect(p.y).toBe(slice.find((d) => d.date === p.x)!.births);
    expect(new Set(truth.map((p) => p.x.slice(0, 7))).size).toBe(1);
  });

  it('births-forecast: the calendar features mark the observed holiday and the days around it', () => {
    const days = loadBirths();
    const at = (date: string) => days.findIndex((d) => d.date === date);
    const i = at('1976-07-02'); // Friday; the Fourth was a Sunday, observed Monday the 5th
    const f = calendarFeatures(days.slice(i, i + 5));
    const holiday = (row: number[]) => HOLIDAYS.filter((_, k) => row[11 + k] === 1);
    expect(f.map(holiday)).toEqual([[], [], [], ['independence'], []]);
    expect(f.map((row) => row.slice(-2))).toEqual([[0, 0], [0, 0], [1, 0], [0, 0], [0, 1]]);
    expect(f[0].slice(0, 7)).toEqual([0, 0, 0, 0, 1, 0, 0]); // a Friday
  });

  it('g2p-cmudict: the dictionary loads (39 phonemes, no stress); the model beats letter-by-letter', async () => {
    const d = loadCmudict();
    expect(d.length).toBeGreaterThan(120_000);
    expect(new Set(d.flatMap((e) => e.phones)).size).toBe(39);
    expect(d.find((e) => e.word === 'aardvark')!.phones).toEqual(['AA', 'R', 'D', 'V', 'AA', 'R', 'K']);
    expect(editDistance(['a', 'b', 'c'], ['a', 'c', 'd', 'e'])).toBe(3);
    // Alternates ("EITHER(1)") are kept for scoring, once per word, first listed first.
    expect(d.find((e) => e.word === 'either')!.pronunciations).toEqual([['IY', 'DH', 'ER'], ['AY', 'DH', 'ER']]);
    expect(d.filter((e) => e.word === 'either')).toHaveLength(1);
    // A word counts against its closest pronunciation: "AY DH ER" is right for either;
    // "R EH D Z" is 1 edit from "R EH D" (3 long) and 2 from "R IY D" — 1 / 3 of a word's phonemes.
    const r2 = errorRates([[['IY', 'DH', 'ER'], ['AY', 'DH', 'ER']], [['R', 'IY', 'D'], ['R', 'EH', 'D']]], [['AY', 'DH', 'ER'], ['R', 'EH', 'D', 'Z']]);
    expect(r2.wer).toBe(0.5);
    expect(r2.per).toBeCloseTo(1 / 6, 12);
    const r = (await g2pCmudict.run(runtime(), { ...g2pCmudict.defaults, limit: 5000, epochs: 2, hiddenSize: 32, batchSize: 32, lr: 3e-3 }, {}))!;
    expect(r.metric.value).toBeLessThan(r.baselines[0].value);
    // An ordinary (Seq2Seq) model file, its vocabularies in the user metadata.
    const m = loadModelOf(rt, r.modelFile, Seq2Seq);
    expect((m.metadata as { task: string }).task).toBe('g2p-cmudict');
    m.dispose();
  });

  it('g2p-cmudict (the encoder–decoder) checkpoints when interrupted and resumes bitwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-task-'));
    const checkpointPath = join(dir, 'ck.safetensors');
    const o = { ...g2pCmudict.defaults, limit: 600, epochs: 2, hiddenSize: 16, batchSize: 32 };
    const straight = (await g2pCmudict.run(rt, o, {}))!;
    const ctrl = new AbortController();
    const stopped = await g2pCmudict.run(rt, o, { checkpointPath, signal: ctrl.signal, onEvent: (e) => { if (e.type === 'step' && e.globalStep === 20) ctrl.abort(); } });
    expect(stopped).toBeNull();
    const resumed = (await g2pCmudict.run(rt, o, { checkpointPath, resumeFrom: checkpointPath }))!;
    const weights = (bytes: Uint8Array) => Object.entries(readSafetensors(bytes).tensors).map(([n, t]) => n + Buffer.from(t.data.buffer).toString('hex')).join();
    expect(weights(resumed.modelFile)).toBe(weights(straight.modelFile));
    expect(resumed.metric.value).toBe(straight.metric.value);
  });
});
