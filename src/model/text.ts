// Predictions on raw text for a model whose file carries its preprocessing (a
// TextPipeline): tokens tagged, a text classified, text generated — in Node and at
// the edge alike, with no tokenisation rebuilt by hand.
import type { Sequential } from './sequential.js';
import type { TextPipeline } from '../data/text-pipeline.js';
import { generate, type GenerateOptions } from './generate.js';
import { ConfigError } from '../errors.js';

export interface TaggedToken { token: string; label: string; probability: number }
export interface TextClass { label: string; probability: number; probabilities: Record<string, number> }

/** What predictText gives, by what the model outputs. */
export type TextPrediction =
  | { kind: 'tags'; tokens: TaggedToken[] }
  | { kind: 'class'; result: TextClass }
  | { kind: 'values'; tokens: string[]; values: number[][] | number[][][] };

function pipeline(model: Sequential): TextPipeline {
  if (!model.preprocessing) {
    throw new ConfigError('this model carries no preprocessing: save it with saveModel(model, { vocabulary, tokenizer, labels }) or set model.preprocessing');
  }
  return model.preprocessing;
}

const best = (p: number[]) => p.reduce((b, v, i) => (v > p[b] ? i : b), 0);

/** Taggers: each token of the text with its most likely label. */
export function tagText(model: Sequential, text: string): TaggedToken[] {
  const pp = pipeline(model), tokens = pp.tokenize(text);
  const probs = model.predictStepProbabilities([pp.encode(tokens)])[0];
  return tokens.map((token, t) => {
    const i = best(probs[t]);
    return { token, label: pp.label(i), probability: probs[t][i] };
  });
}

/** Sequence classifiers: the text's most likely label, and every label's probability. */
export function classifyText(model: Sequential, text: string): TextClass {
  const pp = pipeline(model);
  const probs = model.predictSequenceProbabilities([pp.encode(pp.tokenize(text))])[0];
  const i = best(probs);
  return { label: pp.label(i), probability: probs[i], probabilities: Object.fromEntries(probs.map((p, j) => [pp.label(j), p])) };
}

/** Language models: continues the prompt by up to maxTokens tokens (sampling options as generate()). */
export function generateText(model: Sequential, prompt: string, options: GenerateOptions): string {
  const pp = pipeline(model);
  if (pp.json.task !== 'lm') throw new ConfigError("generateText needs a language model (preprocessing task 'lm')");
  const out = generate(model, pp.encode(pp.tokenize(prompt)) as number[], options);
  return pp.join(out.map((i) => pp.label(i)));
}

/** Whatever the model outputs, on raw text. */
export function predictText(model: Sequential, text: string): TextPrediction {
  const pp = pipeline(model);
  switch (model.outputKind) {
    case 'step-classes': return { kind: 'tags', tokens: tagText(model, text) };
    case 'sequence-classes': return { kind: 'class', result: classifyText(model, text) };
    default: {
      const tokens = pp.tokenize(text);
      return { kind: 'values', tokens, values: model.predictOutputs([pp.encode(tokens)]) };
    }
  }
}
