// The part-of-speech tagger of the pos-brown task and of `train --pattern tag`: the word
// features as preprocessing (saved in the model file, so loadModel(...).tagText(text)
// works anywhere: Node, browsers, workers) and the network. Web-standard only; training
// lives in pos-brown-run.ts and patterns.ts.
import type { Runtime } from '../../runtime/runtime.js';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import type { TextPipeline } from '../../data/text-pipeline.js';
import { ConfigError } from '../../errors.js';
import type { TaggedSentence } from './tagged-text.js';
import { buildPreprocessing } from './text-features.js';

export const UNIVERSAL_TAGS = ['NOUN', 'VERB', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'NUM', 'CONJ', 'PRT', '.', 'X'] as const;

// Word features: the lower-cased word (rare words → <unk>), its last three and last
// two letters, its shape, and its last MAX_CHARS characters for the character-level
// BiLSTM — so an unknown word still carries the character evidence (suffixes like
// -ly, -ed, -ing, capitals, digits, hyphens) that decides most of its tag.
export const MAX_CHARS = 10;

/**
 * The tagger's preprocessing from the training sentences: words tokenizer, fields
 * (or whitespace: text already split into tokens as the data was) [word, suffix 3, suffix 2, shape] (lower-cased but the shape), the last maxChars
 * characters (0: none), labels = the tags (default: those of the training data, in order of appearance).
 */
export function buildTaggerPipeline(train: TaggedSentence[], o: { minFrequency?: number; maxChars?: number; labels?: readonly string[]; tokenizer?: 'words' | 'whitespace' } = {}): TextPipeline {
  const minFrequency = o.minFrequency ?? 2, maxChars = o.maxChars ?? MAX_CHARS;
  return buildPreprocessing(train.map((s) => s.words), {
    tokenizer: { type: o.tokenizer ?? 'words' },
    fields: [
      { feature: 'token', lowercase: true, minFrequency },
      { feature: 'suffix', length: 3, lowercase: true, minFrequency },
      { feature: 'suffix', length: 2, lowercase: true, minFrequency },
      { feature: 'shape' },
    ],
    ...(maxChars > 0 ? { chars: { maxChars } } : {}),
    labels: o.labels ?? [...new Set(train.flatMap((s) => s.tags))],
    task: 'tag',
  });
}

export interface TaggerOptions {
  wordDim: number;
  hiddenSize: number;
  seed?: number;
  cell?: 'lstm' | 'gru' | 'rnn';
  numLayers?: number;
  dropout?: number;
  /** Character embedding size and character BiLSTM units per direction. */
  charDim?: number;
  charHiddenSize?: number;
}

/** The tagger network: word features (and a character BiLSTM per word) → BiLSTM → tag scores; its preprocessing attached. */
export function buildTaggerModel(rt: Runtime, pp: TextPipeline, o: TaggerOptions): Sequential {
  const [word, suf3, suf2, shp] = pp.fields.map((f) => f.vocabulary.size);
  const labels = pp.json.labels ?? [];
  const model = new Sequential(rt, [
    layers.embedding({
      fields: [{ vocabSize: word, dim: o.wordDim }, { vocabSize: suf3, dim: 24 }, { vocabSize: suf2, dim: 12 }, { vocabSize: shp, dim: 4 }],
      ...(pp.chars ? { chars: { vocabSize: pp.chars.vocabulary.size, dim: o.charDim ?? 12, hiddenSize: o.charHiddenSize ?? 16, maxChars: pp.chars.maxChars } } : {}),
    }),
    layers[o.cell ?? 'lstm']({ hiddenSize: o.hiddenSize, bidirectional: true, numLayers: o.numLayers ?? 1, ...(o.dropout ? { dropout: o.dropout } : {}) }),
    layers.dense({ units: labels.length }),
  ], { seed: o.seed });
  model.preprocessing = pp;
  return model;
}

/** The tags of already tokenized words (a tagger with preprocessing). */
export function tagWords(model: Sequential, words: string[]): string[] {
  const pp = model.preprocessing;
  if (!pp) throw new ConfigError('this model carries no preprocessing');
  if (!words.length) return [];
  return model.predictStepClasses([pp.encode(words)])[0].map((i) => pp.label(i));
}
