// `rnn-wasm g2p`: one word's pronunciation from a g2p-cmudict model file (a Seq2Seq
// with its letter and phoneme vocabularies in the user metadata), with the attention
// weights of every phoneme over the letters when the model has attention.
import type { Runtime } from '../runtime/runtime.js';
import { loadModelOf } from '../io/model-file.js';
import { Seq2Seq } from '../model/seq2seq.js';
import { Vocabulary } from '../data/vocabulary.js';
import { ConfigError } from '../errors.js';
import { UsageError } from './errors.js';

export interface Pronunciation {
  letters: string[];
  phones: string[];
  /** weights[j][i]: attention of phoneme j on letter i (absent for a model without attention). */
  weights?: number[][];
}

/** Pronounces `word` with the model in `bytes` (beam search of width `beam`). */
export function pronounce(rt: Runtime, bytes: Uint8Array, path: string, word: string, beam: number): Pronunciation {
  const model = loadModelOf(rt, bytes, Seq2Seq);
  try {
    const meta = model.metadata as { task?: unknown; letters?: unknown; phones?: unknown } | undefined;
    if (meta?.task !== 'g2p-cmudict' || !meta.letters || !meta.phones) {
      throw new ConfigError(`${path} is not a g2p-cmudict model (rnn-wasm train g2p-cmudict writes one): its metadata has no letter and phoneme vocabularies`);
    }
    const letters = Vocabulary.fromJSON(meta.letters as { tokens: string[]; unk: string });
    const phones = Vocabulary.fromJSON(meta.phones as { tokens: string[]; unk: string });
    const chars = [...word.toLowerCase()];
    if (!chars.length || chars.length > model.config.maxLength) throw new UsageError(`--word must have 1–${model.config.maxLength} letters`);
    const ids = [letters.encode(chars)];
    if (model.config.attention === 'none') return { letters: chars, phones: phones.decode(model.translate(ids, { beamSize: beam })[0]) };
    const r = model.translate(ids, { beamSize: beam, returnAttention: true });
    return { letters: chars, phones: phones.decode(r.tokens[0]), weights: r.attention[0] };
  } finally {
    model.dispose();
  }
}
