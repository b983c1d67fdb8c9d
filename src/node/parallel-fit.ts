// fit() with `threads`: the core training loop with each step taken by a
// ParallelTrainer (the validation data evaluated on its threads too), which is
// closed (its worker stopped) however the loop ends.
import type { Trainable } from '../model/trainable.js';
import type { Example } from '../data/batching.js';
import { fit as fitOneThread, type FitCallOptions, type History } from '../train/fit.js';
import { ParallelTrainer, type ParallelOptions } from './parallel-trainer.js';

export type ParallelFitOptions<I = unknown, T = unknown> = FitCallOptions<I, T> & ParallelOptions;

/**
 * Trains like the core fit (any Trainable); `threads: n` cuts every batch across n
 * threads (default 1; `os.availableParallelism()` is every core) for a model that
 * implements DataParallel (Sequential, Seq2Seq).
 */
export async function fit<I, T>(model: Trainable, train: Example<I, T>[], o: ParallelFitOptions<I, T>): Promise<History> {
  if ((o?.threads ?? 1) === 1) return fitOneThread(model, train, o);
  // ParallelTrainer.create refuses, with a ConfigError, a model that does not implement DataParallel.
  const trainer = await ParallelTrainer.create(model, o.optimizer, o);
  try {
    return await fitOneThread(model, train, {
      ...o, trainStep: (batch, options) => trainer.trainStep(batch, options), evaluateData: o.evaluateData ?? ((data, options) => trainer.evaluateDataset(data, options)),
    });
  } finally {
    await trainer.close();
  }
}
