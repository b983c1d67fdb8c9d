// Language modelling: a character LSTM learns a text with teacher forcing and
// regenerates it greedily; the samplers' filters and seeds behave as specified.
import { describe, expect, it } from 'vitest';
import { Sequential, layers, optim, fit, generate, sampleToken, Vocabulary, tokenize, Rng, ConfigError } from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

describe('sampling', () => {
  const probs = [0.05, 0.5, 0.3, 0.1, 0.05];
  const draw = (o: Parameters<typeof sampleToken>[1], n = 4000) => {
    const rng = new Rng(1), counts = new Array(5).fill(0);
    for (let i = 0; i < n; i++) counts[sampleToken(probs, o, rng)]++;
    return counts.map((c) => c / n);
  };
  it('greedy, top-k = 1 and temperature 0 take the argmax', () => {
    const rng = new Rng(0);
    expect(sampleToken(probs, { temperature: 0 }, rng)).toBe(1);
    expect(sampleToken(probs, { topK: 1 }, rng)).toBe(1);
  });
  it('temperature 1 samples the distribution; top-k and top-p cut the tail and renormalise', () => {
    draw({}).forEach((f, i) => expect(Math.abs(f - probs[i])).toBeLessThan(0.025));
    const k2 = draw({ topK: 2 });
    expect(k2[0] + k2[3] + k2[4]).toBe(0);
    expect(Math.abs(k2[1] - 0.5 / 0.8)).toBeLessThan(0.025);
    const p = draw({ topP: 0.85 }); // 0.5 + 0.3 = 0.8 < 0.85, so 0.1 joins; 0.9 ≥ 0.85
    expect(p[0] + p[4]).toBe(0);
    expect(Math.abs(p[3] - 0.1 / 0.9)).toBeLessThan(0.02);
  });
  it('low temperature sharpens, high temperature flattens', () => {
    expect(draw({ temperature: 0.2 })[1]).toBeGreaterThan(0.9);
    expect(draw({ temperature: 5 })[1]).toBeLessThan(0.3);
  });
  it('rejects invalid settings', () => {
    expect(() => sampleToken(probs, { temperature: -1 }, new Rng(0))).toThrow(ConfigError);
    expect(() => sampleToken(probs, { topP: 0 }, new Rng(0))).toThrow(/topP/);
  });
});

describe('character language model', () => {
  it('learns a text with teacher forcing and regenerates it greedily; seeded sampling is reproducible', async () => {
    const text = 'the cat sat on the mat. ';
    const chars = tokenize.characters(text);
    const vocab = Vocabulary.build([chars], { specials: ['<unk>'] });
    const ids = vocab.encode(tokenize.characters(text.repeat(4)));
    // Windows of 12 characters; the target is the next character at every step.
    const examples = [];
    for (let s = 0; s + 13 <= ids.length; s += 3) examples.push({ input: ids.slice(s, s + 12), target: ids.slice(s + 1, s + 13) });
    const model = new Sequential(rt, [layers.embedding({ vocabSize: vocab.size, dim: 12 }), layers.lstm({ hiddenSize: 48 }), layers.dense({ units: vocab.size })], { seed: 1 });
    await fit(model, examples, { optimizer: optim.adam({ lr: 0.02 }), epochs: 40, batchSize: 8 });
    const prompt = vocab.encode(tokenize.characters('the cat'));
    const out = vocab.decode(generate(model, prompt, { maxTokens: 17, temperature: 0 })).join('');
    expect(out).toBe(' sat on the mat. ');
    const a = generate(model, prompt, { maxTokens: 40, temperature: 4, seed: 9 });
    expect(generate(model, prompt, { maxTokens: 40, temperature: 4, seed: 9 })).toEqual(a);
    expect(generate(model, prompt, { maxTokens: 40, temperature: 4, seed: 10 })).not.toEqual(a);
    const stop = vocab.id('.');
    const toStop = generate(model, prompt, { maxTokens: 50, temperature: 0, stopToken: stop });
    expect(toStop.at(-1)).toBe(stop);
    expect(vocab.decode(toStop).join('')).toBe(' sat on the mat.');
  });
});
