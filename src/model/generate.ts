// Text generation from a next-token model (embedding → recurrent → dense, trained
// with teacher forcing): the prompt is fed through the streaming step, then tokens
// are drawn one at a time — greedy, or sampled with temperature, top-k and top-p
// (nucleus) filtering, from a seeded RNG.
import type { RecurrentStream } from './stream.js';
import { Rng } from '../random.js';
import { ConfigError, ShapeError } from '../errors.js';

export interface SamplingOptions {
  /** 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p. */
  topP?: number;
  seed?: number;
}

export interface GenerateOptions extends SamplingOptions {
  maxTokens: number;
  /** Stop after emitting this token. */
  stopToken?: number;
}

/**
 * Draws a token from probabilities: p^(1/T) renormalised is softmax(logits / T);
 * then top-k and top-p filtering; temperature 0 is the argmax.
 */
export function sampleToken(probs: ArrayLike<number>, o: SamplingOptions, rng: Rng): number {
  const T = o.temperature ?? 1;
  if (!(T >= 0) || !Number.isFinite(T)) throw new ConfigError(`temperature = ${T} is invalid: expected a finite number ≥ 0`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) throw new ConfigError(`topK = ${o.topK} is invalid: expected a positive integer`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new ConfigError(`topP = ${o.topP} is invalid: expected a number in (0, 1]`);
  const n = probs.length;
  let best = 0;
  for (let i = 1; i < n; i++) if (probs[i] > probs[best]) best = i;
  if (T === 0 || o.topK === 1) return best;
  // Work in log space so small temperatures do not underflow.
  const logits = Array.from({ length: n }, (_, i) => Math.log(Math.max(probs[i], 1e-45)) / T);
  let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a]);
  if (o.topK !== undefined) order = order.slice(0, o.topK);
  const m = logits[order[0]];
  let w = order.map((i) => Math.exp(logits[i] - m));
  const total = w.reduce((a, b) => a + b, 0);
  w = w.map((v) => v / total);
  if (o.topP !== undefined) {
    let cum = 0, keep = 0;
    while (keep < w.length && cum < o.topP) cum += w[keep++];
    order = order.slice(0, keep);
    w = w.slice(0, keep);
  }
  let u = rng.next() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) {
    u -= w[i];
    if (u < 0) return order[i];
  }
  return order[order.length - 1];
}

/** Feeds the prompt (≥ 1 token) and generates up to maxTokens tokens after it. */
/** What generation needs of a model: its class count and a stream (a Sequential next-token model). */
export interface StreamingModel {
  readonly outputSize: number;
  stream(numStreams: number): RecurrentStream;
}

export function generate(model: StreamingModel, prompt: readonly number[], o: GenerateOptions): number[] {
  if (!Array.isArray(prompt) || prompt.length === 0) throw new ShapeError('generate needs a prompt of at least one token id');
  if (!Number.isInteger(o?.maxTokens) || o.maxTokens < 0) throw new ConfigError(`maxTokens = ${o?.maxTokens} is invalid: expected an integer ≥ 0`);
  const stream = model.stream(1);
  try {
    const rng = new Rng(o.seed ?? 0);
    let probs: Float32Array = new Float32Array(model.outputSize);
    for (const t of prompt) probs = stream.step([t], probs);
    const out: number[] = [];
    while (out.length < o.maxTokens) {
      const next = sampleToken(probs, o, rng);
      out.push(next);
      if (next === o.stopToken) break;
      probs = stream.step([next], probs);
    }
    return out;
  } finally {
    stream.dispose();
  }
}
