// Float64 references of torch.optim.SGD and torch.optim.Adam / AdamW, one parameter
// at a time, following the pseudo-code in PyTorch's documentation.

export interface SgdRefOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

export class SgdRef {
  private buf: Float64Array | null = null;
  constructor(private o: SgdRefOptions) {}
  step(p: Float64Array, g: ArrayLike<number>): void {
    const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = this.o;
    const first = this.buf === null;
    if (first) this.buf = new Float64Array(p.length);
    const buf = this.buf!;
    for (let i = 0; i < p.length; i++) {
      let d = g[i] + weightDecay * p[i];
      if (momentum !== 0) {
        buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
}

export interface AdamRefOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }

export class AdamRef {
  private m: Float64Array | null = null;
  private v: Float64Array | null = null;
  private t = 0;
  constructor(private o: AdamRefOptions) {}
  step(p: Float64Array, g: ArrayLike<number>): void {
    const { lr, beta1, beta2, eps, weightDecay, decoupled } = this.o;
    this.m ??= new Float64Array(p.length);
    this.v ??= new Float64Array(p.length);
    this.t++;
    for (let i = 0; i < p.length; i++) {
      let gi = g[i];
      if (decoupled) p[i] *= 1 - lr * weightDecay;
      else gi += weightDecay * p[i];
      this.m[i] = beta1 * this.m[i] + (1 - beta1) * gi;
      this.v[i] = beta2 * this.v[i] + (1 - beta2) * gi * gi;
      const mHat = this.m[i] / (1 - beta1 ** this.t);
      const vHat = this.v[i] / (1 - beta2 ** this.t);
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
}

export interface RmspropRefOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }

/** torch.optim.RMSprop's documented algorithm. */
export class RmspropRef {
  private v: Float64Array | null = null;
  private gAvg: Float64Array | null = null;
  private buf: Float64Array | null = null;
  constructor(private o: RmspropRefOptions) {}
  step(p: Float64Array, g: ArrayLike<number>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = this.o;
    this.v ??= new Float64Array(p.length);
    this.gAvg ??= new Float64Array(p.length);
    this.buf ??= new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] + weightDecay * p[i];
      this.v[i] = alpha * this.v[i] + (1 - alpha) * gi * gi;
      let avg: number;
      if (centered) {
        this.gAvg[i] = alpha * this.gAvg[i] + (1 - alpha) * gi;
        avg = Math.sqrt(this.v[i] - this.gAvg[i] ** 2) + eps;
      } else avg = Math.sqrt(this.v[i]) + eps;
      if (momentum > 0) {
        this.buf[i] = momentum * this.buf[i] + gi / avg;
        p[i] -= lr * this.buf[i];
      } else p[i] -= (lr * gi) / avg;
    }
  }
}

export interface AdagradRefOptions { lr: number; lrDecay: number; weightDecay: number; initialAccumulatorValue: number; eps: number }

/** torch.optim.Adagrad's documented algorithm. */
export class AdagradRef {
  private sum: Float64Array | null = null;
  private t = 0;
  constructor(private o: AdagradRefOptions) {}
  step(p: Float64Array, g: ArrayLike<number>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps } = this.o;
    this.sum ??= new Float64Array(p.length).fill(initialAccumulatorValue);
    this.t++;
    const clr = lr / (1 + (this.t - 1) * lrDecay);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] + weightDecay * p[i];
      this.sum[i] += gi * gi;
      p[i] -= (clr * gi) / (Math.sqrt(this.sum[i]) + eps);
    }
  }
}
