// The tagger's preprocessing (a TextPipeline saved in the model file) encodes words
// exactly as the featurizer it replaced: that featurizer is kept here, verbatim, as
// the reference, and both run on the toy corpus and on words neither has seen.
import { describe, expect, it } from 'vitest';
import { Vocabulary } from '../src/data/vocabulary.js';
import { wordShape } from '../src/data/text-pipeline.js';
import { toyPosCorpus } from '../src/data/toy-pos.js';
import { buildTaggerPipeline, MAX_CHARS } from '../src/cli/tasks/pos-tagger.js';

// ---- the former src/cli/tasks/pos-tagger.ts featurizer (reference) ----
function shape(w: string): string {
  if (/^\p{P}+$/u.test(w)) return 'punct';
  if (/\d/.test(w)) return /^[\d.,:/-]+$/.test(w) ? 'number' : 'has-digit';
  if (w.includes('-')) return 'hyphen';
  if (w === w.toUpperCase() && /\p{L}/u.test(w)) return w.length > 1 ? 'caps' : 'cap1';
  if (/^\p{Lu}/u.test(w)) return 'capitalised';
  return 'lower';
}
function oldFeaturizer(train: { words: string[] }[], minFrequency: number) {
  const lower = train.map((s) => s.words.map((w) => w.toLowerCase()));
  const vocabs = {
    word: Vocabulary.build(lower, { minFrequency }),
    suf3: Vocabulary.build(lower.map((s) => s.map((w) => w.slice(-3))), { minFrequency }),
    suf2: Vocabulary.build(lower.map((s) => s.map((w) => w.slice(-2))), { minFrequency }),
    shape: Vocabulary.build(train.map((s) => s.words.map(shape))),
    char: Vocabulary.build(train.map((s) => s.words.flatMap((w) => Array.from(w)))),
  };
  return (words: string[]) => words.map((w) => {
    const l = w.toLowerCase();
    const chars = Array.from(w).slice(-MAX_CHARS).map((c) => vocabs.char.id(c));
    while (chars.length < MAX_CHARS) chars.push(0);
    return [vocabs.word.id(l), vocabs.suf3.id(l.slice(-3)), vocabs.suf2.id(l.slice(-2)), vocabs.shape.id(shape(w)), ...chars];
  });
}
// ----

describe('the tagger preprocessing', () => {
  const corpus = toyPosCorpus();
  const unseen = [['The', 'Quick-brown', 'FOX', 'jumped', 'over', '42', 'dogs', '!'], ['I', 'saw', 'IBM', 'in', '1961', ',', 'x2', 'Zürich'], ['supercalifragilistic']];

  it('wordShape is the shape function the tagger used', () => {
    const ws = ['Atlanta', '1961', 'term-end', 'IBM', ',', 'jury', 'I', 'x2', '3.14', '...', 'Émile', 'ÉTÉ', 'a'];
    expect(ws.map(wordShape)).toEqual(ws.map(shape));
  });

  for (const minFrequency of [1, 2]) {
    it(`encodes every word as the old featurizer did (minFrequency ${minFrequency})`, () => {
      const old = oldFeaturizer(corpus, minFrequency);
      const pp = buildTaggerPipeline(corpus, { minFrequency });
      for (const s of [...corpus.map((c) => c.words), ...unseen]) expect(pp.encode(s)).toEqual(old(s));
      // and it tells rare words apart from frequent ones, so the comparison is not trivially of <unk>s
      expect(new Set(pp.encode(corpus[0].words).map((ids) => (ids as number[])[0])).size).toBe(3);
    });
  }

  it('counting each distinct word once gives the old vocabularies, ties in order of first appearance (a corpus of many ties)', () => {
    // Words from a small alphabet: many share suffixes, shapes and counts, so the order among equal counts decides.
    const letters = ['a', 'b', 'C', 'd', '-', '1', 'é', '.'];
    let seed = 7;
    const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const word = () => Array.from({ length: 1 + next(5) }, () => letters[next(letters.length)]).join('');
    const big = Array.from({ length: 300 }, () => ({ words: Array.from({ length: 1 + next(8) }, word), tags: [] as string[] }));
    for (const minFrequency of [1, 2, 3]) {
      const old = oldFeaturizer(big, minFrequency);
      const pp = buildTaggerPipeline(big, { minFrequency, labels: ['X'] });
      for (const s of [...big.map((c) => c.words), ...unseen]) expect(pp.encode(s)).toEqual(old(s));
    }
  });

  it('encode returns arrays of the caller\'s own: changing one changes no later encoding', () => {
    const pp = buildTaggerPipeline(corpus);
    const first = pp.encode(corpus[0].words) as number[][];
    const copy = first.map((ids) => [...ids]);
    first[0][0] = 999;
    first[0].push(5);
    expect(pp.encode(corpus[0].words)).toEqual(copy);
  });

  it('labels are the training tags in order of appearance, unless given', () => {
    expect(buildTaggerPipeline(corpus).json.labels).toEqual(['PRON', 'VERB', 'NOUN', 'DET', 'ADJ', 'AUX', 'ADP']);
    expect(buildTaggerPipeline(corpus, { labels: ['A', 'B'] }).json.labels).toEqual(['A', 'B']);
  });
});
