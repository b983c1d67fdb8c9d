// Preprocessing built from training data: each field's vocabulary counted over the
// training tokens (its feature of each token), the characters for an embedding's
// character BiLSTM, the class names. What saveModel stores, so the model file
// predicts on raw text. Shared by the built-in tasks and `train --pattern`.
import { Vocabulary } from '../../data/vocabulary.js';
import { TextPipeline, tokenFeature, type PreprocessingJSON, type TokenFeature } from '../../data/text-pipeline.js';

export interface FieldSpec {
  feature: TokenFeature;
  lowercase?: boolean;
  length?: number;
  /** Feature values seen fewer times in training encode as <unk>. Default 1. */
  minFrequency?: number;
  /** Reserved tokens. Default ['<pad>', '<unk>']. */
  specials?: string[];
}

export interface PreprocessingSpec {
  tokenizer: PreprocessingJSON['tokenizer'];
  fields: FieldSpec[];
  /** Characters per token for an embedding's character BiLSTM (its last maxChars). */
  chars?: { maxChars: number };
  labels?: readonly string[];
  task?: PreprocessingJSON['task'];
}

/** The pipeline for `spec` with its vocabularies counted over the training token sequences. */
export function buildPreprocessing(train: readonly (readonly string[])[], spec: PreprocessingSpec): TextPipeline {
  // Each distinct token's features are computed once and counted as often as it occurs.
  // Distinct tokens in order of first appearance keep each feature's first appearance
  // (the vocabulary's order among equal counts), so the vocabularies are those of the token stream.
  const counts = new Map<string, number>();
  for (const s of train) for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
  const fields = spec.fields.map(({ minFrequency, specials, ...f }) => ({
    ...f,
    vocabulary: Vocabulary.fromCounts(countsOf(counts, (t) => tokenFeature(f, t)), { minFrequency, ...(specials ? { specials } : {}) }).toJSON(),
  }));
  return new TextPipeline({
    tokenizer: spec.tokenizer,
    fields,
    ...(spec.chars ? { chars: { vocabulary: Vocabulary.fromCounts(countsOf(counts, (t) => Array.from(t))).toJSON(), maxChars: spec.chars.maxChars } } : {}),
    ...(spec.labels ? { labels: [...spec.labels] } : {}),
    ...(spec.task ? { task: spec.task } : {}),
  });
}

/** Counts of each distinct token's value(s), each token weighing as often as it occurs; in order of first appearance. */
function countsOf(counts: Map<string, number>, value: (token: string) => string | string[]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (v: string, n: number) => out.set(v, (out.get(v) ?? 0) + n);
  for (const [t, n] of counts) {
    const v = value(t);
    if (typeof v === 'string') add(v, n);
    else for (const c of v) add(c, n);
  }
  return out;
}
