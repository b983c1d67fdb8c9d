// Training, evaluation and prediction for pos-brown, shared by the CLI commands and the demo.
import type { Runtime } from '../../runtime/runtime.js';
import { adam, type Optimizer } from '../../optim/index.js';
import { fitEvents, evaluateDataset, type FitEvent, type History } from '../../train/fit.js';
import { loadCheckpoint, type TrainingState } from '../../io/checkpoint.js';
import { readInput, writeOutput } from '../files.js';
import { preparePosBrown, mostFrequentTagBaseline, tokenAccuracy, type PosBrownOptions } from './pos-brown.js';
import { buildTaggerModel, tagger, UNIVERSAL_TAGS, type Tagger } from './pos-tagger.js';
import { parseConllu, parseSlashTagged, DataFileError, type TaggedSentence } from './tagged-text.js';
import { requireSplits } from './task.js';

export interface TrainRun {
  tagger: Tagger;
  history: History;
  baseline: number;
  accuracy: number;
  tokensPerSecond: number;
}

/**
 * Trains the tagger. checkpointPath: where epoch-end and interruption checkpoints go
 * (atomically); resumeFrom: a checkpoint to continue.
 */
export async function trainPosBrown(rt: Runtime, o: PosBrownOptions, io: {
  onEvent?: (e: FitEvent) => void; signal?: AbortSignal; checkpointPath?: string; resumeFrom?: string; onData?: (info: string) => void;
}): Promise<TrainRun> {
  const p = preparePosBrown(o.limit);
  requireSplits('pos-brown', o.limit, { train: p.split.train.length, validation: p.split.validation.length, test: p.split.test.length });
  const n = (s: TaggedSentence[]) => s.reduce((a, x) => a + x.words.length, 0);
  io.onData?.(`pos-brown: ${p.split.train.length} / ${p.split.validation.length} / ${p.split.test.length} sentences (train / validation / test), ${n(p.split.train)} training tokens`);
  let model = buildTaggerModel(rt, p.featurizer, o);
  let optimizer: Optimizer = adam({ lr: o.lr });
  let resume: TrainingState | undefined;
  if (io.resumeFrom) {
    const ck = loadCheckpoint(rt, readInput(io.resumeFrom));
    model.dispose();
    ({ model, optimizer } = ck);
    resume = ck.state;
  }
  const t = tagger(model, p.featurizer);
  let tokens = 0, seconds = 0;
  const it = fitEvents(model, p.toExamples(p.split.train), {
    optimizer, epochs: o.epochs, batchSize: o.batchSize, bucket: 50, clipNorm: 5, seed: o.seed, resume, signal: io.signal,
    validationData: p.toExamples(p.split.validation),
    checkpoint: io.checkpointPath ? (bytes) => writeOutput(io.checkpointPath!, bytes) : undefined,
  });
  let history: History;
  for (;;) {
    const r = await it.next();
    if (r.done) { history = r.value; break; }
    if (r.value.type === 'epoch') { tokens += r.value.tokensPerSecond * r.value.seconds; seconds += r.value.seconds; }
    io.onEvent?.(r.value);
  }
  const baselineTag = mostFrequentTagBaseline(p.split.train);
  return {
    tagger: t, history,
    baseline: tokenAccuracy(p.split.test, (w) => w.map(baselineTag)),
    accuracy: evaluateDataset(model, p.toExamples(p.split.test)).accuracy ?? 0,
    tokensPerSecond: seconds ? tokens / seconds : 0,
  };
}

/** Token accuracy of a tagger on a file of word/TAG lines or CoNLL-U (universal tags). */
export function evaluateFile(t: Tagger, path: string): { accuracy: number; sentences: number; tokens: number } {
  const text = readInput(path, 'utf8');
  const conllu = /\.conllu?$/i.test(path);
  const sentences = conllu ? parseConllu(text, path) : parseSlashTagged(text, path);
  if (!sentences.length) throw new DataFileError(`${path}: no sentences`);
  // The line of each token, in the parsers' order: a word/TAG line holds a sentence; a CoNLL-U token line has a numeric id.
  const lines: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (conllu) { if (/^\d+\t/.test(l)) lines.push(i + 1); } else lines.push(...l.trim().split(/\s+/).filter(Boolean).map(() => i + 1));
  });
  const known = new Set<string>(UNIVERSAL_TAGS);
  let k = 0;
  for (const s of sentences) {
    for (const tag of s.tags) {
      if (!known.has(tag)) throw new DataFileError(`${path}:${lines[k]}: unknown tag '${tag}' (the model's tags: ${UNIVERSAL_TAGS.join(' ')})`);
      k++;
    }
  }
  return { accuracy: tokenAccuracy(sentences, (w) => t.tag(w)), sentences: sentences.length, tokens: sentences.reduce((a, s) => a + s.words.length, 0) };
}
