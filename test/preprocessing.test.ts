// Issue 12: model files carry their preprocessing (tokenizer, vocabularies, token
// features, characters, class names) and user metadata, so a loaded model predicts
// on raw text; the pipeline must fit the model, and a damaged one is a typed error.
import { describe, expect, it } from 'vitest';
import {
  Sequential, layers, optim, saveModel, loadModel, saveCheckpoint, loadCheckpoint, generate, readSafetensors, writeSafetensors,
  Vocabulary, TextPipeline, toyPosCorpus, tokenize, ConfigError, WeightFileError, type PreprocessingJSON,
} from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
const corpus = toyPosCorpus();
const words = Vocabulary.build(corpus.map((s) => s.words));
const tagNames = [...new Set(corpus.flatMap((s) => s.tags))];
const tagger = () => new Sequential(rt, [layers.embedding({ vocabSize: words.size, dim: 8 }), layers.gru({ hiddenSize: 8, bidirectional: true }), layers.dense({ units: tagNames.length })], { seed: 4 });

describe('model files that carry their preprocessing', () => {
  it('a tagger saved with its vocabulary, tokenizer and labels tags raw text after loading', () => {
    const m = tagger();
    m.trainStep(corpus.map((s) => ({ input: words.encode(s.words), target: s.tags.map((t) => tagNames.indexOf(t)) })), optim.adam({ lr: 0.05 }));
    const bytes = saveModel(m, { vocabulary: words, tokenizer: 'words', labels: tagNames, metadata: { author: 'test', corpus: 'toy' } });
    const loaded = loadModel(rt, bytes);
    const tagged = loaded.tagText('I like cake.');
    // The same words through the vocabulary and the typed prediction, by hand.
    const ids = words.encode(['I', 'like', 'cake', '.']);
    const probs = m.predictStepProbabilities([ids])[0];
    expect(tagged.map((t) => t.token)).toEqual(['I', 'like', 'cake', '.']);
    expect(tagged.map((t) => t.label)).toEqual(probs.map((p) => tagNames[p.indexOf(Math.max(...p))]));
    expect(tagged.map((t) => t.probability)).toEqual(probs.map((p) => Math.max(...p)));
    expect(loaded.predictText('I like cake.')).toEqual({ kind: 'tags', tokens: tagged });
    expect(loaded.metadata).toEqual({ author: 'test', corpus: 'toy' });
    // Saving the loaded model again keeps both, without restating them.
    const again = loadModel(rt, saveModel(loaded));
    expect(again.tagText('I like cake.')).toEqual(tagged);
    expect(again.metadata).toEqual({ author: 'test', corpus: 'toy' });
    for (const x of [m, loaded, again]) x.dispose();
  });

  it('a classifier names its class; a character language model generates text', () => {
    const cls = new Sequential(rt, [layers.embedding({ vocabSize: words.size, dim: 4 }), layers.lstm({ hiddenSize: 4, returnSequences: false }), layers.dense({ units: 2 })], { seed: 2 });
    const c = loadModel(rt, saveModel(cls, { vocabulary: words, tokenizer: { type: 'words', lowercase: false }, labels: ['negative', 'positive'] }));
    const r = c.classifyText('I like cake');
    const p = cls.predictSequenceProbabilities([words.encode(['I', 'like', 'cake'])])[0];
    expect(r.probabilities).toEqual({ negative: p[0], positive: p[1] });
    expect(r.label).toBe(p[1] > p[0] ? 'positive' : 'negative');

    const chars = Vocabulary.build([tokenize.characters('the cat sat on the mat')]);
    const lm = new Sequential(rt, [layers.embedding({ vocabSize: chars.size, dim: 4 }), layers.lstm({ hiddenSize: 8 }), layers.dense({ units: chars.size })], { seed: 5 });
    const l = loadModel(rt, saveModel(lm, { vocabulary: chars, tokenizer: 'characters', task: 'lm' }));
    const text = l.generateText('the ', { maxTokens: 12, temperature: 0 });
    const ids = generate(lm, chars.encode(tokenize.characters('the ')), { maxTokens: 12, temperature: 0 });
    expect(text).toBe(chars.decode(ids).join(''));
    for (const x of [cls, c, lm, l]) x.dispose();
  });

  it('several fields and the characters of each token, as the pos-brown tagger reads words', () => {
    const lower = corpus.map((s) => s.words.map((w) => w.toLowerCase()));
    const v = {
      word: Vocabulary.build(lower), suf3: Vocabulary.build(lower.map((s) => s.map((w) => w.slice(-3)))),
      char: Vocabulary.build(corpus.map((s) => s.words.flatMap((w) => Array.from(w)))),
    };
    const json: PreprocessingJSON = {
      tokenizer: { type: 'whitespace' },
      fields: [{ feature: 'token', lowercase: true, vocabulary: v.word.toJSON() }, { feature: 'suffix', length: 3, lowercase: true, vocabulary: v.suf3.toJSON() }, { feature: 'shape', vocabulary: Vocabulary.build([['lower', 'capitalised', 'cap1', 'punct']]).toJSON() }],
      chars: { vocabulary: v.char.toJSON(), maxChars: 4 },
      labels: tagNames,
    };
    const m = new Sequential(rt, [
      layers.embedding({ fields: [{ vocabSize: v.word.size, dim: 4 }, { vocabSize: v.suf3.size, dim: 2 }, { vocabSize: 6, dim: 2 }], chars: { vocabSize: v.char.size, dim: 3, hiddenSize: 2, maxChars: 4 } }),
      layers.lstm({ hiddenSize: 4 }), layers.dense({ units: tagNames.length }),
    ]);
    const loaded = loadModel(rt, saveModel(m, { preprocessing: json }));
    const pp = loaded.preprocessing!;
    // "Dogs swim": the word lower-cased, its last three letters, its shape, its last 4 characters padded with 0.
    const shapes = Vocabulary.fromJSON(json.fields[2].vocabulary);
    expect(pp.encode(pp.tokenize('Dogs swim'))[0]).toEqual([v.word.id('dogs'), v.suf3.id('ogs'), shapes.id('capitalised'), v.char.id('D'), v.char.id('o'), v.char.id('g'), v.char.id('s')]);
    expect(pp.encode(['I'])[0]).toEqual([v.word.id('i'), v.suf3.id('i'), shapes.id('cap1'), v.char.id('I'), 0, 0, 0]);
    expect(loaded.tagText('Dogs swim').map((t) => t.token)).toEqual(['Dogs', 'swim']);
    m.dispose(); loaded.dispose();
  });

  it('a pipeline that does not fit the model is refused, naming what differs', () => {
    const m = tagger();
    expect(() => saveModel(m, { vocabulary: words, labels: ['A', 'B'] })).toThrow(/names 2 labels, the model has \d+ classes/);
    expect(() => saveModel(m, { vocabulary: Vocabulary.build([Array.from({ length: 200 }, (_, i) => `w${i}`)]) })).toThrow(/more than the embedding's vocabSize/);
    expect(() => saveModel(m, { preprocessing: { tokenizer: { type: 'words' }, fields: [{ feature: 'token', vocabulary: words.toJSON() }], labelz: [] } as never })).toThrow(/unknown key "labelz" .*did you mean "labels"/);
    expect(() => m.tagText('I like cake')).toThrow(/carries no preprocessing/);
    expect(() => m.classifyText('I like cake')).toThrow(ConfigError);
    m.dispose();
  });

  it('a file whose preprocessing is damaged is a WeightFileError, and frees the model it built', () => {
    const m = tagger();
    const { tensors, metadata } = readSafetensors(saveModel(m, { vocabulary: words, labels: tagNames }));
    const inUse = rt.planner.inUse;
    for (const bad of ['{', 'null', JSON.stringify({ tokenizer: { type: 'bytes' }, fields: [] }), JSON.stringify({ ...JSON.parse(metadata['rnn-wasm.preprocessing']), labels: ['x'] })]) {
      const bytes = writeSafetensors(tensors, { ...metadata, 'rnn-wasm.preprocessing': bad });
      expect(() => loadModel(rt, bytes)).toThrow(WeightFileError);
      expect(rt.planner.inUse).toBe(inUse);
    }
    expect(() => loadModel(rt, writeSafetensors(tensors, { ...metadata, 'rnn-wasm.user': '[1]' }))).toThrow(/must be a JSON object/);
    m.dispose();
  });

  it('checkpoints carry the preprocessing too', () => {
    const m = tagger();
    m.preprocessing = TextPipeline.fromOptions({ vocabulary: words, labels: tagNames });
    const opt = optim.adam();
    m.trainStep([{ input: [1, 2], target: [0, 1] }], opt);
    const ck = loadCheckpoint(rt, saveCheckpoint(m, opt, { epoch: 1, stepInEpoch: 0, globalStep: 1, history: [] }));
    expect(ck.model.preprocessing?.toJSON()).toEqual(m.preprocessing.toJSON());
    ck.model.dispose(); m.dispose();
  });
});

describe('metadata JSON with a repeated key', () => {
  it('the config, the preprocessing and the training state each refuse a key given twice (JSON.parse would keep the last)', () => {
    const m = tagger();
    const opt = optim.sgd({ lr: 0.1 });
    m.trainStep([{ input: [1, 2], target: [0, 1] }], opt);
    const { tensors, metadata } = readSafetensors(saveCheckpoint(m, opt, { epoch: 1, stepInEpoch: 0, globalStep: 1, history: [] }));
    const twice = (json: string, key: string) => json.replace(`"${key}":`, `"${key}":${JSON.stringify(JSON.parse(json)[key])},"${key}":`);
    const cfg = twice(metadata['rnn-wasm.config'], 'options');
    expect(() => loadModel(rt, writeSafetensors(tensors, { ...metadata, 'rnn-wasm.config': cfg }))).toThrow(/the model config in the file repeats the key "options"/);
    const training = twice(metadata['rnn-wasm.training'], 'lr');
    expect(() => loadCheckpoint(rt, writeSafetensors(tensors, { ...metadata, 'rnn-wasm.training': training }))).toThrow(/training metadata repeats the key "lr"/);
    const pp = JSON.stringify({ tokenizer: { type: 'words' }, fields: [{ feature: 'token', vocabulary: words.toJSON() }] }).replace('"type":"words"', '"type":"words","type":"characters"');
    expect(() => loadModel(rt, writeSafetensors(tensors, { ...metadata, 'rnn-wasm.preprocessing': pp }))).toThrow(WeightFileError);
    m.dispose();
  });
});
