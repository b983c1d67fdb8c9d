// Multi-step forecasting with a one-step model (feature sequence → next step's
// features, MSE): each prediction is appended to the window and fed back.
import type { Sequential } from './sequential.js';
import { ConfigError, ShapeError } from '../errors.js';

/**
 * Forecasts `steps` future steps after `history` ([t][f]), feeding back predictions.
 * window: how many most recent steps the model sees (default: the whole history).
 */
export function forecast(model: Sequential, history: number[][], steps: number, options: { window?: number } = {}): number[][] {
  const F = model.options.inputFeatures;
  if (model.input.tokens || model.output.seq || model.options.loss !== 'mse' || model.outputSize !== F) {
    throw new ConfigError(`forecast needs a one-step model: ${F}-feature sequences in, the next step's ${F} features out (MSE, one row per sequence)`);
  }
  if (!Array.isArray(history) || history.length === 0) throw new ShapeError('forecast needs a history of at least one step');
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError(`steps = ${steps} is invalid: expected a positive integer`);
  const window = options.window ?? history.length;
  const seq = history.map((v) => [...v]);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const next = Array.from(model.outputsView([seq.slice(-window)]).subarray(0, F));
    out.push(next);
    seq.push(next);
  }
  return out;
}
