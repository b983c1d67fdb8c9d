import { Optimizer, requireFinite } from './optimizer.js';
import type { Runtime } from '../runtime/runtime.js';
import { ConfigError } from '../errors.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam with torch.optim.Adam's semantics and defaults (lr 1e-3, betas (0.9, 0.999),
 * eps 1e-8, L2 weight decay added to the gradient); decoupled = true is AdamW.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly stateSlots = 2;

  constructor(o: AdamOptions = {}, readonly decoupled = false) {
    super(o.lr ?? 1e-3);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new ConfigError(`betas = ${JSON.stringify(betas)} is invalid: expected [beta1, beta2]`);
    [this.beta1, this.beta2] = betas;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? (decoupled ? 1e-2 : 0);
    // beta = 1 divides by a zero bias correction; eps = 0 divides 0 by 0 where a gradient is zero.
    requireFinite('betas[0]', this.beta1, 0, 1, false, true);
    requireFinite('betas[1]', this.beta2, 0, 1, false, true);
    requireFinite('eps', this.eps, 0, Infinity, true);
    requireFinite('weightDecay', this.weightDecay, 0);
  }

  spec() {
    return { type: this.decoupled ? 'adamw' : 'adam', lr: this.lr, betas: [this.beta1, this.beta2], eps: this.eps, weightDecay: this.weightDecay };
  }

  protected update(rt: Runtime, p: number, g: number, [m, v]: number[], n: number): void {
    const t = this.stepCount;
    rt.kernels.adamStep(p, g, m, v, n, this.lr, this.beta1, this.beta2,
      this.eps, this.weightDecay, this.decoupled ? 1 : 0, 1 - this.beta1 ** t, Math.sqrt(1 - this.beta2 ** t));
  }
}
