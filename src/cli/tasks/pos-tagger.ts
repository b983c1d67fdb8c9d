// The part-of-speech tagger of the pos-brown task as it runs anywhere (Node, browsers,
// workers): the word features, and the model file that carries the weights, the model
// config and the feature vocabularies. Web-standard only; training lives in pos-brown-run.ts.
import type { Runtime } from '../../runtime/runtime.js';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import { readSafetensors, writeSafetensors, type WriteOptions } from '../../io/safetensors.js';
import { loadModel } from '../../io/model-file.js';
import { Vocabulary } from '../../data/vocabulary.js';
import { WeightFileError } from '../../errors.js';
import type { TaggedSentence } from './tagged-text.js';

export const UNIVERSAL_TAGS = ['NOUN', 'VERB', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'NUM', 'CONJ', 'PRT', '.', 'X'] as const;

// Word features: the lower-cased word (rare words → <unk>), its last three and last
// two letters, its shape, and its last MAX_CHARS characters for the character-level
// BiLSTM — so an unknown word still carries the character evidence (suffixes like
// -ly, -ed, -ing, capitals, digits, hyphens) that decides most of its tag.
export const MAX_CHARS = 10;
export function shape(w: string): string {
  if (/^\p{P}+$/u.test(w)) return 'punct';
  if (/\d/.test(w)) return /^[\d.,:/-]+$/.test(w) ? 'number' : 'has-digit';
  if (w.includes('-')) return 'hyphen';
  if (w === w.toUpperCase() && /\p{L}/u.test(w)) return w.length > 1 ? 'caps' : 'cap1';
  if (/^\p{Lu}/u.test(w)) return 'capitalised';
  return 'lower';
}

export interface Featurizer {
  vocabs: { word: Vocabulary; suf3: Vocabulary; suf2: Vocabulary; shape: Vocabulary; char: Vocabulary };
  encode(words: string[]): number[][];
}

export function buildFeaturizer(train: TaggedSentence[], minFrequency = 2): Featurizer {
  const lower = train.map((s) => s.words.map((w) => w.toLowerCase()));
  const vocabs = {
    word: Vocabulary.build(lower, { minFrequency }),
    suf3: Vocabulary.build(lower.map((s) => s.map((w) => w.slice(-3))), { minFrequency }),
    suf2: Vocabulary.build(lower.map((s) => s.map((w) => w.slice(-2))), { minFrequency }),
    shape: Vocabulary.build(train.map((s) => s.words.map(shape))),
    char: Vocabulary.build(train.map((s) => s.words.flatMap((w) => Array.from(w)))), // <pad> = 0
  };
  return fromVocabularies(vocabs);
}

export function fromVocabularies(vocabs: Featurizer['vocabs']): Featurizer {
  return {
    vocabs,
    encode: (words) => words.map((w) => {
      const l = w.toLowerCase();
      const chars = Array.from(w).slice(-MAX_CHARS).map((c) => vocabs.char.id(c));
      while (chars.length < MAX_CHARS) chars.push(0);
      return [vocabs.word.id(l), vocabs.suf3.id(l.slice(-3)), vocabs.suf2.id(l.slice(-2)), vocabs.shape.id(shape(w)), ...chars];
    }),
  };
}

export interface Tagger {
  model: Sequential;
  featurizer: Featurizer;
  tag(words: string[]): string[];
}

/** The tagger network: word features and a character BiLSTM per word → BiLSTM → tag scores. */
export function buildTaggerModel(rt: Runtime, f: Featurizer, o: { wordDim: number; hiddenSize: number; seed?: number }): Sequential {
  const v = f.vocabs;
  return new Sequential(rt, [
    layers.embedding({
      fields: [{ vocabSize: v.word.size, dim: o.wordDim }, { vocabSize: v.suf3.size, dim: 24 }, { vocabSize: v.suf2.size, dim: 12 }, { vocabSize: v.shape.size, dim: 4 }],
      chars: { vocabSize: v.char.size, dim: 12, hiddenSize: 16, maxChars: MAX_CHARS },
    }),
    layers.lstm({ hiddenSize: o.hiddenSize, bidirectional: true }),
    layers.dense({ units: UNIVERSAL_TAGS.length }),
  ], { seed: o.seed });
}

export function tagger(model: Sequential, featurizer: Featurizer): Tagger {
  return {
    model, featurizer,
    tag: (words) => (model.predict([featurizer.encode(words)]) as number[][])[0].map((i) => UNIVERSAL_TAGS[i]),
  };
}

/** A model file for the task: weights, model config, and the feature vocabularies. */
export function saveTagger(t: Tagger, options: WriteOptions = {}): Uint8Array {
  const vocabs = Object.fromEntries(Object.entries(t.featurizer.vocabs).map(([k, v]) => [k, v.toJSON()]));
  return writeSafetensors(t.model.stateDict(), {
    'rnn-wasm.config': JSON.stringify(t.model.toJSON()),
    'rnn-wasm.task': JSON.stringify({ task: 'pos-brown', tags: UNIVERSAL_TAGS, vocabs }),
  }, options);
}

export function loadTagger(rt: Runtime, bytes: Uint8Array): Tagger {
  const meta = readSafetensors(bytes).metadata['rnn-wasm.task'];
  if (!meta) throw new WeightFileError("not a pos-brown model file: its metadata has no 'rnn-wasm.task'");
  const task = JSON.parse(meta);
  if (task.task !== 'pos-brown') throw new WeightFileError(`a model file of task '${task.task}', not a pos-brown tagger`);
  const vocabs = Object.fromEntries(Object.entries(task.vocabs).map(([k, v]) => [k, Vocabulary.fromJSON(v as { tokens: string[]; unk: string })])) as Featurizer['vocabs'];
  return tagger(loadModel(rt, bytes), fromVocabularies(vocabs));
}

