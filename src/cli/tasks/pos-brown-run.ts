// Training, evaluation and prediction for pos-brown, shared by the CLI commands and the demo.
import type { Runtime } from '../../runtime/runtime.js';
import { adam, type Optimizer } from '../../optim/index.js';
import { fitEvents, evaluateDataset, type FitEvent, type History } from '../../train/fit.js';
import { loadCheckpoint, type TrainingState } from '../../io/checkpoint.js';
import { readInput, writeOutput } from '../files.js';
import { preparePosBrown, mostFrequentTagBaseline, tokenAccuracy, type PosBrownOptions } from './pos-brown.js';
import { buildTaggerModel, tagWords } from './pos-tagger.js';
import type { Sequential } from '../../model/sequential.js';
import { readTaggedFile, DataFileError, type TaggedSentence } from './tagged-text.js';
import { requireSplits } from './task.js';

export interface TrainRun {
  /** The tagger, its preprocessing attached (saveModel writes it; tagText works). */
  model: Sequential;
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
  let model = buildTaggerModel(rt, p.pipeline, o);
  let optimizer: Optimizer = adam({ lr: o.lr });
  let resume: TrainingState | undefined;
  if (io.resumeFrom) {
    const ck = loadCheckpoint(rt, readInput(io.resumeFrom));
    model.dispose();
    ({ model, optimizer } = ck);
    model.preprocessing = p.pipeline;
    resume = ck.state;
  }
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
    model, history,
    baseline: tokenAccuracy(p.split.test, (w) => w.map(baselineTag)),
    accuracy: evaluateDataset(model, p.toExamples(p.split.test)).accuracy ?? 0,
    tokensPerSecond: seconds ? tokens / seconds : 0,
  };
}

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
