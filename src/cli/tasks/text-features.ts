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
  const fields = spec.fields.map(({ minFrequency, specials, ...f }) => ({
    ...f,
    vocabulary: Vocabulary.build(train.map((s) => s.map((t) => tokenFeature(f, t))), { minFrequency, ...(specials ? { specials } : {}) }).toJSON(),
  }));
  return new TextPipeline({
    tokenizer: spec.tokenizer,
    fields,
    ...(spec.chars ? { chars: { vocabulary: Vocabulary.build(train.map((s) => s.flatMap((w) => Array.from(w)))).toJSON(), maxChars: spec.chars.maxChars } } : {}),
    ...(spec.labels ? { labels: [...spec.labels] } : {}),
    ...(spec.task ? { task: spec.task } : {}),
  });
}
