// What training reports as it goes: the events fitEvents yields (a progress bar, a
// log, a test all read the same ones) and the metrics of an evaluation.

export interface Metrics {
  /** Mean loss per labelled step / sequence (cross-entropy) or per element (MSE). */
  loss: number;
  /** Classifiers: fraction of labelled steps (or sequences) predicted right. */
  accuracy?: number;
  /** Cross-entropy models: exp(loss), and loss in bits (bits per character for character models). */
  perplexity?: number;
  bitsPerToken?: number;
  /** MSE models: the loss, named. */
  mse?: number;
  count: number;
}

export type FitEvent =
  /** epoch: numbered from 1, as in the history; step: from 0 within the epoch. */
  | { type: 'step'; epoch: number; step: number; stepsPerEpoch: number; globalStep: number; loss: number; tokens: number; tokensPerSecond: number; lr: number; etaSeconds: number }
  | { type: 'epoch'; epoch: number; loss: number; seconds: number; tokensPerSecond: number; lr: number; validation?: Metrics }
  | { type: 'end'; reason: 'completed' | 'early-stopping' | 'interrupted'; epochs: number };
