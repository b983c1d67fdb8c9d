import { Optimizer, requireFinite } from './optimizer.js';
import type { Runtime } from '../runtime/runtime.js';

export interface RmspropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

/** torch.optim.RMSprop, with its defaults (lr 1e-2, alpha 0.99, eps 1e-8). */
export class Rmsprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  protected readonly stateSlots: number;

  constructor(o: RmspropOptions = {}) {
    super(o.lr ?? 1e-2);
    this.alpha = o.alpha ?? 0.99;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.momentum = o.momentum ?? 0;
    this.centered = o.centered ?? false;
    requireFinite('alpha', this.alpha, 0, 1);
    requireFinite('eps', this.eps, 0, Infinity, true);
    requireFinite('weightDecay', this.weightDecay, 0);
    requireFinite('momentum', this.momentum, 0);
    // square average, then the gradient average (centered) and the momentum buffer, as used
    this.stateSlots = 1 + (this.centered ? 1 : 0) + (this.momentum > 0 ? 1 : 0);
  }

  spec() {
    return { type: 'rmsprop', lr: this.lr, alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered };
  }

  protected update(rt: Runtime, p: number, g: number, state: number[], n: number): void {
    const m = this.centered ? state[1] : 0;
    const buf = this.momentum > 0 ? state[this.centered ? 2 : 1] : 0;
    rt.kernels.rmspropStep(p, g, state[0], m, buf, n, this.lr, this.alpha, this.eps,
      this.weightDecay, this.momentum);
  }
}
