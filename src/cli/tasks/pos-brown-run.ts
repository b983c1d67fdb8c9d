// The pos-brown task (the main job): a BiLSTM tagger over word, suffix and shape
// features and a character BiLSTM per word, trained on the Brown Corpus; token
// accuracy on the test split beside the most-frequent-tag baseline. An ordinary
// registered task: checkpoints, resumption and the report are the common ones.
import { adam } from '../../optim/index.js';
import { fitEvents, evaluateDataset } from '../../train/fit.js';
import { saveModel } from '../../io/model-file.js';
import { preparePosBrown, mostFrequentTagBaseline, tokenAccuracy, POS_BROWN_DEFAULTS, type PosBrownOptions } from './pos-brown.js';
import { buildTaggerModel, tagWords } from './pos-tagger.js';
import type { Sequential } from '../../model/sequential.js';
import { readTaggedFile, DataFileError, type TaggedSentence } from './tagged-text.js';
import { requireSplits, runFit, startOrResume, checkpointTo, pct, type Task } from './task.js';

/** Sentences the report (and the demo) tags, ambiguous words included. */
export const SAMPLE_SENTENCES = ['I like cake', 'We can fish', 'The old man the boat', 'She saw the saw on the table', 'Time flies like an arrow'];

/** Sentences per evaluation batch. */
const EVAL_BATCH = 128;

/** Examples shortest first (a stable sort: equal lengths keep their order). */
function byLength<E extends { input: unknown[] }>(examples: E[]): E[] {
  return [...examples].sort((a, b) => a.input.length - b.input.length);
}

export const posBrown: Task<PosBrownOptions> = {
  name: 'pos-brown',
  description: 'part-of-speech tagger (12 universal tags) on the Brown Corpus, token accuracy',
  defaults: POS_BROWN_DEFAULTS,
  async run(rt, o, io) {
    const p = preparePosBrown(o.limit);
    requireSplits('pos-brown', o.limit, { train: p.split.train.length, validation: p.split.validation.length, test: p.split.test.length });
    const n = (s: TaggedSentence[]) => s.reduce((a, x) => a + x.words.length, 0);
    io.onData?.(`pos-brown: ${p.split.train.length} / ${p.split.validation.length} / ${p.split.test.length} sentences (train / validation / test), ${n(p.split.train)} training tokens`);
    const { model, optimizer, resume } = startOrResume(rt, io, () => ({ model: buildTaggerModel(rt, p.pipeline, o), optimizer: adam({ lr: o.lr }) }));
    model.preprocessing = p.pipeline;
    // Validation and the test split are evaluated on the training threads too, sorted by
    // length in batches of EVAL_BATCH (little padding): each sentence's tags do not
    // depend on the others in its batch, so the accuracy is the same in any order.
    const validation = byLength(p.toExamples(p.split.validation)), test = byLength(p.toExamples(p.split.test));
    const { history, tokensPerSecond, interrupted, final: testMetrics } = await runFit(io, model, optimizer, (trainStep, evaluateData) => fitEvents(model, p.toExamples(p.split.train), {
      trainStep, optimizer, epochs: o.epochs, batchSize: o.batchSize, bucket: 50, clipNorm: 5, seed: o.seed, resume, signal: io.signal,
      validationData: validation, checkpoint: checkpointTo(io),
      evaluateData: (data) => (evaluateData ? evaluateData(data, { batchSize: EVAL_BATCH }) : evaluateDataset(model, data, { batchSize: EVAL_BATCH })),
    }), (evaluate) => evaluate(test, { batchSize: EVAL_BATCH }));
    if (interrupted || !testMetrics) return null;
    const baselineTag = mostFrequentTagBaseline(p.split.train);
    return {
      metric: { name: 'token accuracy', value: testMetrics.accuracy ?? 0, higherIsBetter: true, format: pct },
      baselines: [{ name: 'most frequent tag', value: tokenAccuracy(p.split.test, (w) => w.map(baselineTag)) }],
      tokensPerSecond, history,
      notes: SAMPLE_SENTENCES.map((s) => model.tagText(s).map((t) => `${t.token}/${t.label}`).join(' ')),
      modelFile: saveModel(model, { metadata: { task: 'pos-brown' } }),
    };
  },
  evaluate(model: Sequential) {
    const p = preparePosBrown();
    return { name: 'token accuracy', value: tokenAccuracy(p.split.test, (w) => tagWords(model, w)), format: pct };
  },
};

/** Token accuracy of a tagger (with preprocessing) on a file of word/TAG lines or CoNLL-U; a tag the model does not know is refused with its file and line. */
export function evaluateFile(model: Sequential, path: string): { accuracy: number; sentences: number; tokens: number } {
  const { sentences, lines } = readTaggedFile(path);
  const labels = model.preprocessing?.json.labels ?? [];
  const known = new Set<string>(labels);
  let k = 0;
  for (const s of sentences) {
    for (const tag of s.tags) {
      if (!known.has(tag)) throw new DataFileError(`${path}:${lines[k]}: unknown tag '${tag}' (the model's tags: ${labels.join(' ')})`);
      k++;
    }
  }
  return { accuracy: tokenAccuracy(sentences, (w) => tagWords(model, w)), sentences: sentences.length, tokens: k };
}
