// The data pipeline: vocabulary, tokenisers, batching (seeded shuffling, bucketing),
// splits, and truncated BPTT with stateful layers (chunked = whole-sequence outputs).
import { describe, expect, it } from 'vitest';
import { Vocabulary, tokenize, batches, trainValidationSplit, bpttBatches, Sequential, layers, optim, ConfigError } from '../src/index.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

describe('Vocabulary', () => {
  const corpus = [['the', 'cat', 'sat'], ['the', 'dog', 'sat'], ['a', 'cat']];
  it('orders by frequency after the specials, cuts rare tokens, maps unknowns to <unk>', () => {
    const v = Vocabulary.build(corpus, { minFrequency: 2 });
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'the', 'cat', 'sat']);
    expect(v.encode(['the', 'dog', 'zebra'])).toEqual([2, 1, 1]);
    expect(v.decode([3, 4, 99])).toEqual(['cat', 'sat', '<unk>']);
    expect(Vocabulary.build(corpus, { maxSize: 3 }).tokens).toEqual(['<pad>', '<unk>', 'the']);
    expect(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v))).tokens).toEqual(v.tokens);
    expect(() => Vocabulary.build(corpus, { minFrequency: 0 })).toThrow(ConfigError);
    expect(() => new Vocabulary(['a', 'b'])).toThrow(/unknown token/);
  });
});

describe('tokenisers', () => {
  it('characters are code points; words split punctuation and keep contractions', () => {
    expect(tokenize.characters('a😀é')).toEqual(['a', '😀', 'é']);
    expect(tokenize.words("Don't stop—it's 3.5 km, Mr. Smith!", { lowercase: true })).toEqual(
      ["don't", 'stop', '—', "it's", '3', '.', '5', 'km', ',', 'mr', '.', 'smith', '!']);
  });
});

describe('batching', () => {
  const examples = Array.from({ length: 23 }, (_, i) => ({ input: Array(1 + ((i * 7) % 11)).fill(i), target: i }));
  it('covers every example once; the same seed gives the same batches; dropLast', () => {
    const a = batches(examples, { batchSize: 5, shuffle: true, seed: 3 });
    expect(a.map((b) => b.inputs.length)).toEqual([5, 5, 5, 5, 3]);
    expect(a.flatMap((b) => b.targets).sort((x, y) => x - y)).toEqual(examples.map((e) => e.target));
    expect(batches(examples, { batchSize: 5, shuffle: true, seed: 3 })).toEqual(a);
    expect(batches(examples, { batchSize: 5, shuffle: true, seed: 4 })).not.toEqual(a);
    expect(batches(examples, { batchSize: 5, dropLast: true }).length).toBe(4);
    expect(() => batches(examples, { batchSize: 0 })).toThrow(/batchSize/);
  });

  it('bucketing reduces padding', () => {
    const padding = (bs: { inputs: number[][] }[]) => bs.reduce((s, b) => {
      const T = Math.max(...b.inputs.map((x) => x.length));
      return s + b.inputs.reduce((p, x) => p + T - x.length, 0);
    }, 0);
    const plain = batches(examples, { batchSize: 4, shuffle: true, seed: 1 });
    const bucketed = batches(examples, { batchSize: 4, shuffle: true, seed: 1, bucket: 10 });
    expect(padding(bucketed)).toBeLessThan(padding(plain) / 2);
    expect(bucketed.flatMap((b) => b.targets).sort((x, y) => x - y)).toEqual(examples.map((e) => e.target));
  });

  it('splits train / validation reproducibly', () => {
    const s = trainValidationSplit(examples, { validation: 0.2, seed: 5 });
    expect(s.validation.length).toBe(5);
    expect(s.train.length).toBe(18);
    expect(new Set([...s.train, ...s.validation]).size).toBe(23);
    expect(trainValidationSplit(examples, { validation: 0.2, seed: 5 })).toEqual(s);
  });

  it('bpttBatches cut a stream into contiguous rows and chunks with next-token targets', () => {
    const stream = Array.from({ length: 20 }, (_, i) => i);
    const bs = bpttBatches(stream, { batchSize: 2, bpttLength: 4 });
    expect(bs[0]).toEqual({ inputs: [[0, 1, 2, 3], [10, 11, 12, 13]], targets: [[1, 2, 3, 4], [11, 12, 13, 14]] });
    expect(bs[1].inputs).toEqual([[4, 5, 6, 7], [14, 15, 16, 17]]);
    expect(bs[2]).toEqual({ inputs: [[8], [18]], targets: [[9], [19]] });
  });
});

describe('stateful recurrent layers (truncated BPTT)', () => {
  it('chunk by chunk gives the same outputs as the whole sequence, and resetStates starts afresh', () => {
    const build = (stateful: boolean) => new Sequential(rt, [
      layers.embedding({ vocabSize: 12, dim: 5 }), layers.lstm({ hiddenSize: 7, numLayers: 2, stateful }), layers.dense({ units: 4 }),
    ], { seed: 2 });
    const whole = build(false), chunked = build(true);
    const rng = testRng(3);
    const seqs = [0, 1].map(() => Array.from({ length: 12 }, () => rng.int(12)));
    const expected = whole.predictOutputs(seqs) as number[][][];
    for (let s = 0; s < 12; s += 5) {
      const out = chunked.predictOutputs(seqs.map((q) => q.slice(s, s + 5))) as number[][][];
      out.forEach((rows, b) => rows.forEach((p, t) => expectClose(p, expected[b][s + t], 1e-5, 1e-6, `row ${b} step ${s + t}`)));
    }
    expect(() => chunked.predictOutputs([seqs[0].slice(0, 2)])).toThrow(/stateful with 2 streams but got a batch of 1/);
    chunked.resetStates();
    expectClose((chunked.predictOutputs([seqs[0].slice(0, 3)]) as number[][][])[0][2], expected[0][2], 1e-5, 1e-6, 'after reset');
  });

  it('trains on bpttBatches: next-token accuracy on a periodic stream reaches 100%', () => {
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 4 }), layers.gru({ hiddenSize: 16, stateful: true }), layers.dense({ units: 5 })], { seed: 1 });
    // Period 7; the next token depends on more than the current one (2 → 3 or 1), so the carried state matters.
    const stream = Array.from({ length: 400 }, (_, i) => [0, 1, 2, 3, 2, 1, 4][i % 7]);
    const bs = bpttBatches(stream, { batchSize: 4, bpttLength: 10 });
    const opt = optim.adam({ lr: 0.02 });
    for (let epoch = 0; epoch < 15; epoch++) {
      m.resetStates();
      for (const b of bs) m.trainStep(b, opt);
    }
    m.resetStates();
    let correct = 0, total = 0;
    bs.forEach((b, i) => {
      const r = m.evaluate(b);
      if (i > 0) { correct += (r.accuracy ?? 0) * r.count; total += r.count; } // the first chunk starts cold
    });
    expect(correct / total).toBe(1);
  });
});
