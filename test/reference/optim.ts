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
