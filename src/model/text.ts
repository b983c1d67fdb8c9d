// Predictions on raw text for a model whose file carries its preprocessing (a
// TextPipeline): tokens tagged, a text classified, text generated — in Node and at
// the edge alike, with no tokenisation rebuilt by hand.
import { TextPipeline, type PreprocessingJSON } from '../data/text-pipeline.js';
import { generate, type GenerateOptions, type StreamingModel } from './generate.js';
import type { Layer } from '../layers/layer.js';
import type { ModelInput, OutputKind } from './outputs.js';
import { ConfigError } from '../errors.js';
import { Embedding } from '../layers/embedding.js';
import { check } from '../config/schema.js';
import { preprocessingSchema } from '../config/preprocessing-schema.js';

/** What predictions on text need of a model (a Sequential has all of it). */
export interface TextModel extends StreamingModel {
  preprocessing?: TextPipeline;
  readonly layers: readonly Layer[];
  readonly options: { loss: string };
  readonly outputKind: OutputKind;
  predictStepProbabilities(inputs: readonly ModelInput[]): number[][][];
  predictSequenceProbabilities(inputs: readonly ModelInput[]): number[][];
  predictOutputs(inputs: readonly ModelInput[]): number[][][] | number[][];
}

/**
 * A pipeline for this model from its JSON (validated), or ConfigError naming what
 * does not fit: the fields and characters of the model's embedding, its classes.
 */
export function pipelineFor(model: TextModel, json: unknown): TextPipeline {
  const pp = new TextPipeline(check<PreprocessingJSON>(preprocessingSchema, json, 'preprocessing'));
  const emb = model.layers[0];
  if (!(emb instanceof Embedding)) throw new ConfigError('preprocessing turns text into token ids: the model must start with an embedding');
  if (pp.fields.length !== emb.fields.length) throw new ConfigError(`preprocessing has ${pp.fields.length} fields, the model's embedding has ${emb.fields.length}`);
  pp.fields.forEach((f, i) => {
    if (f.vocabulary.size > emb.fields[i].vocabSize) throw new ConfigError(`preprocessing field ${i} has ${f.vocabulary.size} tokens, more than the embedding's vocabSize ${emb.fields[i].vocabSize}`);
  });
  const ch = emb.options.chars;
  if (!!pp.chars !== !!ch) throw new ConfigError(ch ? 'the model reads characters: preprocessing needs chars' : 'preprocessing has chars, the model\'s embedding does not read characters');
  if (pp.chars && ch) {
    if (pp.chars.maxChars !== ch.maxChars) throw new ConfigError(`preprocessing keeps ${pp.chars.maxChars} characters per token, the model reads ${ch.maxChars}`);
    if (pp.chars.vocabulary.size > ch.vocabSize) throw new ConfigError(`preprocessing has ${pp.chars.vocabulary.size} characters, more than the embedding's ${ch.vocabSize}`);
  }
  const C = model.outputSize, { labels, task } = pp.json;
  if (labels && model.options.loss !== 'crossEntropy') throw new ConfigError('labels name classes: the model must be a classifier (cross-entropy)');
  if (labels && labels.length !== C) throw new ConfigError(`preprocessing names ${labels.length} labels, the model has ${C} classes`);
  if (task === 'lm' && pp.fields[0].vocabulary.size > C) throw new ConfigError(`a language model predicts its vocabulary: ${pp.fields[0].vocabulary.size} tokens but ${C} classes`);
  return pp;
}

export interface TaggedToken { token: string; label: string; probability: number }
export interface TextClass { label: string; probability: number; probabilities: Record<string, number> }

/** What predictText gives, by what the model outputs. */
export type TextPrediction =
  | { kind: 'tags'; tokens: TaggedToken[] }
  | { kind: 'class'; result: TextClass }
  | { kind: 'values'; tokens: string[]; values: number[][] | number[][][] };

function pipeline(model: TextModel): TextPipeline {
  if (!model.preprocessing) {
    throw new ConfigError('this model carries no preprocessing: save it with saveModel(model, { vocabulary, tokenizer, labels }) or set model.preprocessing');
  }
  return model.preprocessing;
}

const best = (p: number[]) => p.reduce((b, v, i) => (v > p[b] ? i : b), 0);

/** Taggers: each token of the text with its most likely label. */
export function tagText(model: TextModel, text: string): TaggedToken[] {
  const pp = pipeline(model), tokens = pp.tokenize(text);
  const probs = model.predictStepProbabilities([pp.encode(tokens)])[0];
  return tokens.map((token, t) => {
    const i = best(probs[t]);
    return { token, label: pp.label(i), probability: probs[t][i] };
  });
}

/** Sequence classifiers: the text's most likely label, and every label's probability. */
export function classifyText(model: TextModel, text: string): TextClass {
  const pp = pipeline(model);
  const probs = model.predictSequenceProbabilities([pp.encode(pp.tokenize(text))])[0];
  const i = best(probs);
  return { label: pp.label(i), probability: probs[i], probabilities: Object.fromEntries(probs.map((p, j) => [pp.label(j), p])) };
}

/** Language models: continues the prompt by up to maxTokens tokens (sampling options as generate()). */
export function generateText(model: TextModel, prompt: string, options: GenerateOptions): string {
  const pp = pipeline(model);
  if (pp.json.task !== 'lm') throw new ConfigError("generateText needs a language model (preprocessing task 'lm')");
  const out = generate(model, pp.encode(pp.tokenize(prompt)) as number[], options);
  return pp.join(out.map((i) => pp.label(i)));
}

/** Whatever the model outputs, on raw text. */
export function predictText(model: TextModel, text: string): TextPrediction {
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
