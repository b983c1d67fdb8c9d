// Learning-rate schedules, as torch.optim.lr_scheduler computes them, in units of
// optimizer steps (or epochs: whatever the caller counts). A schedule maps the
// count t (0, 1, 2, …) and the base rate to the rate for that step; fit() applies it
// before each update. ReduceLROnPlateau is driven by a validation metric instead.
import { ConfigError } from '../errors.js';
import type { Optimizer } from './optimizer.js';

export type Schedule = (t: number, baseLr: number) => number;

const check = (name: string, v: number, ok: boolean) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok) throw new ConfigError(`${name} = ${String(v)} is invalid`);
};

/** StepLR: lr · gamma^⌊t / stepSize⌋. */
export function stepDecay(stepSize: number, gamma = 0.1): Schedule {
  check('stepSize', stepSize, Number.isInteger(stepSize) && stepSize > 0);
  check('gamma', gamma, gamma > 0);
  return (t, lr) => lr * gamma ** Math.floor(t / stepSize);
}

/** ExponentialLR: lr · gamma^t. */
export function exponentialDecay(gamma: number): Schedule {
  check('gamma', gamma, gamma > 0);
  return (t, lr) => lr * gamma ** t;
}

/** CosineAnnealingLR: etaMin + (lr − etaMin)(1 + cos(π·t/tMax))/2, held at etaMin after tMax. */
export function cosineDecay(tMax: number, etaMin = 0): Schedule {
  check('tMax', tMax, tMax > 0);
  check('etaMin', etaMin, etaMin >= 0);
  return (t, lr) => etaMin + ((lr - etaMin) * (1 + Math.cos(Math.PI * Math.min(t, tMax) / tMax))) / 2;
}

/** Linear warm-up from startFactor·lr to lr over `steps`, then `after` (counted from the end of the warm-up). */
export function linearWarmup(steps: number, after?: Schedule, startFactor = 1 / 3): Schedule {
  check('steps', steps, Number.isInteger(steps) && steps > 0);
  check('startFactor', startFactor, startFactor > 0 && startFactor <= 1);
  return (t, lr) => (t < steps ? lr * (startFactor + ((1 - startFactor) * t) / steps) : after ? after(t - steps, lr) : lr);
}

export interface PlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  minLr?: number;
}

/** ReduceLROnPlateau (relative threshold): multiplies the optimizer's lr by factor after `patience` epochs without improvement. */
export class ReduceLROnPlateau {
  private best: number;
  private bad = 0;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly minLr: number;

  constructor(private readonly optimizer: Optimizer, o: PlateauOptions = {}) {
    this.mode = o.mode ?? 'min';
    this.factor = o.factor ?? 0.1;
    this.patience = o.patience ?? 10;
    this.threshold = o.threshold ?? 1e-4;
    this.minLr = o.minLr ?? 0;
    check('factor', this.factor, this.factor > 0 && this.factor < 1);
    check('patience', this.patience, Number.isInteger(this.patience) && this.patience >= 0);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Reports the epoch's metric; returns true when the learning rate was reduced. */
  step(metric: number): boolean {
    const better = this.mode === 'min' ? metric < this.best * (1 - this.threshold) : metric > this.best * (1 + this.threshold);
    if (better) {
      this.best = metric;
      this.bad = 0;
      return false;
    }
    if (++this.bad <= this.patience) return false;
    this.bad = 0;
    const next = Math.max(this.optimizer.lr * this.factor, this.minLr);
    const reduced = next < this.optimizer.lr;
    this.optimizer.lr = next;
    return reduced;
  }
}
