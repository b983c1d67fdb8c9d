import { Optimizer, requireFinite } from './optimizer.js';
import type { Runtime } from '../runtime/runtime.js';

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

/** torch.optim.Adagrad, with its defaults (lr 1e-2, eps 1e-10). */
export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
  protected readonly stateSlots = 1;

  constructor(o: AdagradOptions = {}) {
    super(o.lr ?? 1e-2);
    this.lrDecay = o.lrDecay ?? 0;
    this.weightDecay = o.weightDecay ?? 0;
    this.initialAccumulatorValue = o.initialAccumulatorValue ?? 0;
    this.eps = o.eps ?? 1e-10;
    requireFinite('lrDecay', this.lrDecay, 0);
    requireFinite('weightDecay', this.weightDecay, 0);
    requireFinite('initialAccumulatorValue', this.initialAccumulatorValue, 0);
    requireFinite('eps', this.eps, 0, Infinity, true);
  }

  spec() {
    return { type: 'adagrad', lr: this.lr, lrDecay: this.lrDecay, weightDecay: this.weightDecay, initialAccumulatorValue: this.initialAccumulatorValue, eps: this.eps };
  }

  protected initialState(): number {
    return this.initialAccumulatorValue;
  }

  protected update(rt: Runtime, p: number, g: number, [sum]: number[], n: number): void {
    const clr = this.lr / (1 + (this.stepCount - 1) * this.lrDecay);
    rt.kernels.adagradStep(p, g, sum, n, clr, this.eps, this.weightDecay);
  }
}
