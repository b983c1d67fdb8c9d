// What a checkpoint's training metadata ('rnn-wasm.training') may say: the optimizer
// spec (by type), its step count and learning rate, the model RNG's state and the
// training progress — as data for the validator (src/config/schema.ts).
import { MAX_F32 } from '../optim/optimizer.js';
import { any, anyNumber, arrayOf, bool, check, int, nullable, num, obj, oneOf, opt, recordOf, req, type ObjectRule } from './schema.js';

const count = int(0, Number.MAX_SAFE_INTEGER);
// Hyperparameters reach the kernels as f32: past the largest f32 they would be Infinity there.
const nonNegative = num(0, MAX_F32);
const positive = num(0, MAX_F32, { minOpen: true });
const unit = num(0, 1);
const beta = num(0, 1, { maxOpen: true });

const adam = obj({ type: req(oneOf('adam', 'adamw')), lr: opt(nonNegative), betas: opt(arrayOf(beta, 2, 2)), eps: opt(positive), weightDecay: opt(nonNegative) });

/**
 * Optimizer specs (what Optimizer.spec() writes), by type: the ranges the optimizers
 * accept, except that Adam's betas must be below 1 and every eps above 0 (those
 * settings leave NaN weights, so a checkpoint holding them is damaged).
 */
export const optimizerSchemas: Record<string, ObjectRule> = {
  sgd: obj({ type: req(oneOf('sgd')), lr: req(nonNegative), momentum: opt(nonNegative), dampening: opt(unit), nesterov: opt(bool), weightDecay: opt(nonNegative) }),
  adam,
  adamw: adam,
  rmsprop: obj({ type: req(oneOf('rmsprop')), lr: opt(nonNegative), alpha: opt(unit), eps: opt(positive), weightDecay: opt(nonNegative), momentum: opt(nonNegative), centered: opt(bool) }),
  adagrad: obj({ type: req(oneOf('adagrad')), lr: opt(nonNegative), lrDecay: opt(nonNegative), weightDecay: opt(nonNegative), initialAccumulatorValue: opt(nonNegative), eps: opt(positive) }),
};

/** An optimizer spec: its type picks the schema. */
export function checkOptimizerSpec(spec: unknown, where: string): { type: string; [option: string]: unknown } {
  const { type } = check<{ type: string }>(obj({ type: req(oneOf(...Object.keys(optimizerSchemas))) }), { type: (spec as { type?: unknown } | null)?.type }, where);
  return check(optimizerSchemas[type], spec, where);
}

/** Training progress, as fit() keeps it (TrainingState less the best weights, which are tensors). */
export const progressFields = {
  epoch: req(count),
  stepInEpoch: req(count),
  globalStep: req(count),
  // JSON writes NaN and ±Infinity (a diverged validation metric) as null.
  history: req(arrayOf(recordOf(nullable(anyNumber), 256), 0, 1e7)),
  best: opt(nullable(anyNumber)),
  badEpochs: opt(count),
  baseLr: opt(nonNegative),
};

export const progressSchema: ObjectRule = obj(progressFields);

/** The whole 'rnn-wasm.training' object that saveCheckpoint writes. */
export const trainingMetadataSchema: ObjectRule = obj({
  ...progressFields,
  optimizer: req(any),
  optimizerStep: req(count),
  lr: req(nonNegative),
  rng: req(arrayOf(int(0, 2 ** 32 - 1), 4, 4)),
}, (o) => ((o.rng as number[]).every((w) => w === 0) ? 'rng = [0, 0, 0, 0] is invalid: xoshiro128** needs a state that is not all zero' : undefined));
