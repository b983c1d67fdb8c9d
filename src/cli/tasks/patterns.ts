// `rnn-wasm train --pattern tag|classify|lm --data FILE`: the usage patterns the library
// supports, on the user's own data. The network comes from a small JSON config (checked
// by the library's validator: unknown keys are refused with a suggestion); vocabularies
// come from the training split; the validation split is --validation or a deterministic
// 10% holdout (every tenth item; for lm, the last tenth of the text). The model file
// carries its preprocessing, so predict / eval / generate take it alone.
import { basename } from 'node:path';
import type { Runtime } from '../../runtime/runtime.js';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import { adam } from '../../optim/index.js';
import { fitEvents, evaluateDataset } from '../../train/fit.js';
import { saveModel } from '../../io/model-file.js';
import { bpttBatches } from '../../data/batching.js';
import type { TextPipeline, TokenizerType } from '../../data/text-pipeline.js';
import { check, obj, opt, int, num, bool, oneOf } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { readInput } from '../files.js';
import { runFit, pct, startOrResume, checkpointTo, type Task, type TaskOptions, type TaskIO } from './task.js';
import { readTaggedFile, DataFileError, type TaggedSentence } from './tagged-text.js';
import { readLabelledFile, type LabelledText } from './labelled-text.js';
import { buildTaggerPipeline, buildTaggerModel, tagWords } from './pos-tagger.js';
import { mostFrequentTagBaseline, tokenAccuracy } from './pos-brown.js';
import { bitsPerToken, ngramBitsPerChar } from './lm-metrics.js';
import { buildPreprocessing } from './text-features.js';

export const PATTERNS = ['tag', 'classify', 'lm'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** The network and training settings of --config model.json (every key optional; defaults per pattern). */
export interface PatternConfig extends TaskOptions {
  /** Recurrent cell. */
  cell: 'lstm' | 'gru' | 'rnn';
  /** Token embedding size. */
  embeddingDim: number;
  /** Stacked recurrent layers. */
  numLayers: number;
  /** Read the sequence both ways (tag, classify; a language model reads forwards only). */
  bidirectional: boolean;
  /** Dropout between stacked recurrent layers (numLayers > 1). */
  dropout: number;
  /** Gradient norm clipping. */
  clipNorm: number;
  /** Tokens (and tagger word features) seen fewer times in training become <unk>. */
  minFrequency: number;
  /** How text becomes tokens: classify, lm; tag: how predict splits text (words, or whitespace for pre-tokenized text). */
  tokenizer: TokenizerType;
  /** classify: lower-case the text first. */
  lowercase: boolean;
  /** tag: a character BiLSTM over each word's last maxChars characters. */
  chars: boolean;
  maxChars: number;
  /** classify: 'last' state of the recurrent layer, or 'mean' / 'max' over the steps. */
  pooling: 'last' | 'mean' | 'max';
  /** lm: truncated backpropagation through time, steps per chunk. */
  bpttLength: number;
  /** Stop when validation accuracy has not improved for this many epochs (tag, classify; 0 = never). */
  patience: number;
}

const COMMON: Omit<PatternConfig, 'tokenizer'> = {
  cell: 'lstm', embeddingDim: 64, hiddenSize: 64, numLayers: 1, bidirectional: true, dropout: 0, epochs: 10, batchSize: 16, lr: 3e-3,
  seed: 1, clipNorm: 5, minFrequency: 2, lowercase: true, chars: true, maxChars: 10, pooling: 'last', bpttLength: 64, patience: 0,
};

export const PATTERN_DEFAULTS: Record<Pattern, PatternConfig> = {
  tag: { ...COMMON, tokenizer: 'words' },
  classify: { ...COMMON, tokenizer: 'words', batchSize: 32 },
  lm: { ...COMMON, tokenizer: 'characters', embeddingDim: 32, hiddenSize: 128, bidirectional: false, epochs: 5, batchSize: 32, lr: 5e-3, clipNorm: 1, minFrequency: 1 },
};

const SIZE = int(1, 1 << 16);
export const patternConfigSchema = obj({
  cell: opt(oneOf('lstm', 'gru', 'rnn')),
  embeddingDim: opt(SIZE),
  hiddenSize: opt(SIZE),
  numLayers: opt(int(1, 16)),
  bidirectional: opt(bool),
  dropout: opt(num(0, 1, { maxOpen: true })),
  epochs: opt(int(1, 1_000_000)),
  batchSize: opt(SIZE),
  lr: opt(num(0, 10, { minOpen: true })),
  seed: opt(int(0, Number.MAX_SAFE_INTEGER)),
  clipNorm: opt(num(0, 1e6, { minOpen: true })),
  minFrequency: opt(int(1, 1_000_000_000)),
  tokenizer: opt(oneOf('words', 'characters', 'whitespace')),
  lowercase: opt(bool),
  chars: opt(bool),
  maxChars: opt(int(1, 64)),
  pooling: opt(oneOf('last', 'mean', 'max')),
  bpttLength: opt(int(1, 4096)),
  patience: opt(int(0, 1_000_000)),
});

/** The config file's settings (validated; `file` names it in errors) over the pattern's defaults; then the flags. */
export function patternConfig(pattern: Pattern, file: string | undefined, flags: Partial<PatternConfig>): PatternConfig {
  let given: Partial<PatternConfig> = {};
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readInput(file, 'utf8'));
    } catch (e) {
      if (e instanceof SyntaxError) throw new ConfigError(`${file}: not valid JSON: ${e.message}`);
      throw e;
    }
    given = check<Partial<PatternConfig>>(patternConfigSchema, json, file);
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const c = { ...PATTERN_DEFAULTS[pattern], ...given, ...defined } as PatternConfig;
  if (pattern === 'lm' && c.bidirectional) throw new ConfigError(`${file ?? 'config'}: a language model reads forwards only: bidirectional must be false`);
  if (pattern === 'tag' && c.tokenizer === 'characters') throw new ConfigError(`${file && given.tokenizer === 'characters' ? file : '--tokenizer'}: a tagger tags words: its tokenizer (how predict splits text) is words or whitespace`);
  return c;
}

export interface PatternData {
  data: string;
  validation?: string;
  textColumn?: string;
  labelColumn?: string;
}

/** Deterministic holdout: every tenth item (i mod 10 = 9) validates. */
function holdout<T>(items: T[], what: string, file: string): { train: T[]; validation: T[] } {
  const r = { train: [] as T[], validation: [] as T[] };
  items.forEach((x, i) => (i % 10 === 9 ? r.validation : r.train).push(x));
  if (!r.validation.length) throw new DataFileError(`${file}: ${items.length} ${what}${items.length === 1 ? '' : 's'} are too few to hold out a tenth for validation: give at least 10, or a --validation file`);
  return r;
}

const recurrent = (c: PatternConfig, extra: { returnSequences?: boolean; stateful?: boolean } = {}) =>
  layers[c.cell]({ hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, ...(c.dropout && c.numLayers > 1 ? { dropout: c.dropout } : {}), ...extra });

function fitOptions(c: PatternConfig, io: TaskIO) {
  return {
    epochs: c.epochs, batchSize: c.batchSize, seed: c.seed, clipNorm: c.clipNorm, signal: io.signal, checkpoint: checkpointTo(io),
    ...(c.patience ? { earlyStopping: { patience: c.patience, monitor: 'accuracy' as const } } : {}),
  };
}

const metadata = (pattern: Pattern, d: PatternData) => ({ pattern, data: basename(d.data), ...(d.validation ? { validation: basename(d.validation) } : {}) });

function tagTask(c: PatternConfig, d: PatternData): Task {
  return {
    name: 'tag', description: 'sequence tagging', defaults: c,
    async run(rt: Runtime, o, io) {
      const all = readTaggedFile(d.data).sentences;
      const split = d.validation ? { train: all, validation: readTaggedFile(d.validation).sentences } : holdout(all, 'sentence', d.data);
      const pp = buildTaggerPipeline(split.train, { minFrequency: c.minFrequency, maxChars: c.chars ? c.maxChars : 0, tokenizer: c.tokenizer === 'whitespace' ? 'whitespace' : 'words' });
      const labels = pp.json.labels!;
      const index = new Map(labels.map((t, i) => [t, i]));
      if (d.validation) {
        const { sentences, lines } = readTaggedFile(d.validation);
        let k = 0;
        for (const s of sentences) for (const t of s.tags) {
          if (!index.has(t)) throw new DataFileError(`${d.validation}:${lines[k]}: tag '${t}' does not occur in the training data ${d.data} (its tags: ${labels.join(' ')})`);
          k++;
        }
      }
      const n = (ss: TaggedSentence[]) => ss.reduce((a, s) => a + s.words.length, 0);
      io.onData?.(`tag: ${split.train.length} / ${split.validation.length} sentences (train / validation), ${n(split.train)} training tokens, ${labels.length} tags, ${pp.fields[0].vocabulary.size} words`);
      const ex = (ss: TaggedSentence[]) => ss.map((s) => ({ input: pp.encode(s.words) as number[][], target: s.tags.map((t) => index.get(t)!) }));
      const { model, optimizer, resume } = startOrResume(rt, io, () => ({
        model: buildTaggerModel(rt, pp, { wordDim: c.embeddingDim, hiddenSize: c.hiddenSize, seed: c.seed, cell: c.cell, numLayers: c.numLayers, dropout: c.dropout }),
        optimizer: adam({ lr: c.lr }),
      }));
      model.preprocessing = pp;
      const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, ex(split.train), {
        trainStep, ...fitOptions(c, io), optimizer, resume, bucket: 50, validationData: ex(split.validation),
      }));
      if (interrupted) return null;
      const base = mostFrequentTagBaseline(split.train);
      return {
        metric: { name: 'token accuracy', split: 'validation', value: tokenAccuracy(split.validation, (w) => tagWords(model, w)), higherIsBetter: true, format: pct },
        baselines: [{ name: 'most frequent tag per word', value: tokenAccuracy(split.validation, (w) => w.map(base)) }],
        tokensPerSecond, history, notes: [],
        modelFile: saveModel(model, { preprocessing: pp, metadata: metadata('tag', d) }),
      };
    },
  };
}

function classifyTask(c: PatternConfig, d: PatternData): Task {
  return {
    name: 'classify', description: 'text classification', defaults: c,
    async run(rt: Runtime, o, io) {
      const read = (f: string) => readLabelledFile(f, { textColumn: d.textColumn, labelColumn: d.labelColumn });
      const all = read(d.data);
      const split = d.validation ? { train: all, validation: read(d.validation) } : holdout(all, 'row', d.data);
      const labels = [...new Set(split.train.map((x) => x.label))].sort();
      if (labels.length < 2) throw new DataFileError(`${d.data}: a classifier needs at least two labels; the training rows have only '${labels[0]}'`);
      const index = new Map(labels.map((t, i) => [t, i]));
      if (d.validation) {
        for (const x of split.validation) if (!index.has(x.label)) throw new DataFileError(`${d.validation}:${x.line}: label '${x.label}' does not occur in the training data ${d.data} (its labels: ${labels.join(', ')})`);
      }
      const tokenizer = { type: c.tokenizer, ...(c.lowercase ? { lowercase: true } : {}) };
      // Tokenize as the saved pipeline will: a throwaway pipeline with no vocabulary does that.
      const tok = buildPreprocessing([], { tokenizer, fields: [{ feature: 'token' }] });
      const pp = buildPreprocessing(split.train.map((x) => tok.tokenize(x.text)), {
        tokenizer, fields: [{ feature: 'token', minFrequency: c.tokenizer === 'characters' ? 1 : c.minFrequency }], labels, task: 'classify',
      });
      const ex = (xs: LabelledText[]) => xs.flatMap((x) => {
        const ids = pp.encode(pp.tokenize(x.text)) as number[];
        return ids.length ? [{ input: ids, target: index.get(x.label)! }] : [];
      });
      const train = ex(split.train), validation = ex(split.validation);
      const dropped = split.train.length + split.validation.length - train.length - validation.length;
      io.onData?.(`classify: ${train.length} / ${validation.length} texts (train / validation), ${labels.length} labels, ${pp.fields[0].vocabulary.size} tokens in the vocabulary${dropped ? `, ${dropped} empty texts skipped` : ''}`);
      if (!train.length || !validation.length) throw new DataFileError(`${d.data}: no texts with tokens in the ${train.length ? 'validation' : 'training'} split`);
      const { model, optimizer, resume } = startOrResume(rt, io, () => ({
        model: new Sequential(rt, [
          layers.embedding({ vocabSize: pp.fields[0].vocabulary.size, dim: c.embeddingDim }),
          recurrent(c, { returnSequences: c.pooling !== 'last' }),
          ...(c.pooling !== 'last' ? [layers.pooling({ mode: c.pooling })] : []),
          layers.dense({ units: labels.length }),
        ], { seed: c.seed }),
        optimizer: adam({ lr: c.lr }),
      }));
      model.preprocessing = pp;
      const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, train, {
        trainStep, ...fitOptions(c, io), optimizer, resume, bucket: 50, validationData: validation,
      }));
      if (interrupted) return null;
      const counts = new Map<number, number>();
      for (const x of train) counts.set(x.target, (counts.get(x.target) ?? 0) + 1);
      const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
      return {
        metric: { name: 'accuracy', split: 'validation', value: evaluateDataset(model, validation).accuracy ?? 0, higherIsBetter: true, format: pct },
        baselines: [{ name: `majority label (${labels[majority]})`, value: validation.filter((x) => x.target === majority).length / validation.length }],
        tokensPerSecond, history, notes: [],
        modelFile: saveModel(model, { preprocessing: pp, metadata: metadata('classify', d) }),
      };
    },
  };
}

function lmTask(c: PatternConfig, d: PatternData): Task {
  return {
    name: 'lm', description: 'language model', defaults: c,
    async run(rt: Runtime, o, io) {
      const tokenizer = { type: c.tokenizer };
      const tok = buildPreprocessing([], { tokenizer, fields: [{ feature: 'token' }] });
      const read = (f: string) => {
        const text = readInput(f, 'utf8');
        if (!text.trim()) throw new DataFileError(`${f}: the file is empty`);
        return tok.tokenize(text);
      };
      const all = read(d.data);
      let trainTokens = all, valTokens: string[];
      if (d.validation) valTokens = read(d.validation);
      else {
        const cut = Math.floor(all.length * 0.9);
        trainTokens = all.slice(0, cut);
        valTokens = all.slice(cut);
      }
      const pp: TextPipeline = buildPreprocessing([trainTokens], { tokenizer, fields: [{ feature: 'token', minFrequency: c.minFrequency, specials: ['<unk>'] }], task: 'lm' });
      const V = pp.fields[0].vocabulary.size;
      const train = pp.encode(trainTokens) as number[], val = pp.encode(valTokens) as number[];
      const unit = c.tokenizer === 'characters' ? 'characters' : 'tokens';
      io.onData?.(`lm: ${train.length} / ${val.length} ${unit} (train / validation), ${V} symbols`);
      if (train.length < 2 * c.batchSize + 2) throw new DataFileError(`${d.data}: ${train.length} training ${unit} are too few for ${c.batchSize} streams: use a smaller batchSize or more text`);
      if (val.length < 2) throw new DataFileError(`${d.validation ?? d.data}: the validation text is too short (${val.length} ${unit})`);
      const { model, optimizer, resume } = startOrResume(rt, io, () => ({
        model: new Sequential(rt, [
          layers.embedding({ vocabSize: V, dim: c.embeddingDim }),
          recurrent(c, { stateful: true }),
          layers.dense({ units: V }),
        ], { seed: c.seed }),
        optimizer: adam({ lr: c.lr }),
      }));
      model.preprocessing = pp;
      // fit batches examples in order (shuffle off), so every batch is one bpttBatches chunk of contiguous streams.
      const examples = bpttBatches(train, { batchSize: c.batchSize, bpttLength: c.bpttLength }).flatMap((b) => b.inputs.map((input, i) => ({ input, target: b.targets[i] })));
      const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, examples, {
        trainStep, ...fitOptions(c, io), earlyStopping: undefined, optimizer, resume, shuffle: false,
      }));
      if (interrupted) return null;
      const value = bitsPerToken(model, val);
      const prompt = trainTokens.slice(0, c.tokenizer === 'characters' ? 12 : 3);
      const sample = model.generateText(pp.join(prompt), { maxTokens: c.tokenizer === 'characters' ? 160 : 30, temperature: 0.7, seed: c.seed });
      return {
        metric: { name: `bits per ${unit === 'characters' ? 'character' : 'token'}`, split: 'validation', value, higherIsBetter: false, format: (v) => v.toFixed(3) },
        baselines: [{ name: 'unigram', value: ngramBitsPerChar(train, val, V, 1) }],
        tokensPerSecond, history,
        notes: [`sample (temperature 0.7): ${JSON.stringify(pp.join(prompt) + (c.tokenizer === 'characters' ? '' : ' ') + sample)}`],
        modelFile: saveModel(model, { preprocessing: pp, metadata: metadata('lm', d) }),
      };
    },
  };
}

export function patternTask(pattern: Pattern, c: PatternConfig, d: PatternData): Task {
  return pattern === 'tag' ? tagTask(c, d) : pattern === 'classify' ? classifyTask(c, d) : lmTask(c, d);
}
