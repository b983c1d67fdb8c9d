import { Optimizer, requireFinite } from './optimizer.js';
import type { Runtime } from '../runtime/runtime.js';
import { ConfigError } from '../errors.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Stochastic gradient descent with torch.optim.SGD's semantics and defaults. */
export class Sgd extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  protected readonly stateSlots: number;

  constructor(o: SgdOptions) {
    super(o.lr);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
    requireFinite('momentum', this.momentum, 0);
    requireFinite('dampening', this.dampening, 0, 1);
    requireFinite('weightDecay', this.weightDecay, 0);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ConfigError('nesterov momentum requires momentum > 0 and dampening = 0');
    }
    this.stateSlots = this.momentum > 0 ? 1 : 0;
  }

  spec() {
    return { type: 'sgd', lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected update(rt: Runtime, p: number, g: number, state: number[], n: number): void {
    rt.kernels.sgdStep(p, g, state[0] ?? 0, n, this.lr, this.momentum,
      this.dampening, this.weightDecay, this.nesterov ? 1 : 0, this.stepCount === 1 ? 1 : 0);
  }
}
