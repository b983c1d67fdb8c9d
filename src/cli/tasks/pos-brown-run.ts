// Training, evaluation and prediction for pos-brown, shared by the CLI commands and the demo.
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../runtime/runtime.js';
import { adam, type Optimizer } from '../../optim/index.js';
import { fitEvents, evaluateDataset, type FitEvent, type History } from '../../train/fit.js';
import { loadCheckpoint, type TrainingState } from '../../io/checkpoint.js';
import { writeFileAtomic } from '../../node/files.js';
import { preparePosBrown, mostFrequentTagBaseline, tokenAccuracy, type PosBrownOptions } from './pos-brown.js';
import { buildTaggerModel, tagger, type Tagger } from './pos-tagger.js';
import { parseConllu, parseSlashTagged, type TaggedSentence } from './tagged-text.js';

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
  const n = (s: TaggedSentence[]) => s.reduce((a, x) => a + x.words.length, 0);
  io.onData?.(`pos-brown: ${p.split.train.length} / ${p.split.validation.length} / ${p.split.test.length} sentences (train / validation / test), ${n(p.split.train)} training tokens`);
  let model = buildTaggerModel(rt, p.featurizer, o);
  let optimizer: Optimizer = adam({ lr: o.lr });
  let resume: TrainingState | undefined;
  if (io.resumeFrom) {
    const ck = loadCheckpoint(rt, new Uint8Array(readFileSync(io.resumeFrom)));
    model.dispose();
    ({ model, optimizer } = ck);
    resume = ck.state;
  }
  const t = tagger(model, p.featurizer);
  let tokens = 0, seconds = 0;
  const it = fitEvents(model, p.toExamples(p.split.train), {
    optimizer, epochs: o.epochs, batchSize: o.batchSize, bucket: 50, clipNorm: 5, seed: o.seed, resume, signal: io.signal,
    validationData: p.toExamples(p.split.validation),
    checkpoint: io.checkpointPath ? (bytes) => writeFileAtomic(io.checkpointPath!, bytes) : undefined,
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
  const text = readFileSync(path, 'utf8');
  const sentences = /\.conllu?$/i.test(path) ? parseConllu(text, path) : parseSlashTagged(text, path);
  return { accuracy: tokenAccuracy(sentences, (w) => t.tag(w)), sentences: sentences.length, tokens: sentences.reduce((a, s) => a + s.words.length, 0) };
}
