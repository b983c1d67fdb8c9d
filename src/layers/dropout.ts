import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import { Workspace } from '../runtime/workspace.js';
import { ConfigError } from '../errors.js';
import { check } from '../config/schema.js';
import { dropoutSchema } from '../config/layer-schemas.js';
import { fillDropoutMask } from './dropout-mask.js';

export interface DropoutOptions { rate: number; name?: string }

/** Inverted dropout (nn.Dropout): in training, zero each value with probability `rate` and scale the rest by 1/(1 − rate). */
export class Dropout extends Layer {
  private rt!: Runtime;
  private ws!: Workspace;
  private n = 0;
  private active = false;

  readonly options: DropoutOptions;

  constructor(options: DropoutOptions) {
    super();
    this.options = check(dropoutSchema, options, 'dropout');
  }

  spec(): LayerSpec {
    return { type: 'dropout', ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo): ShapeInfo {
    if (input.tokens) throw new ConfigError(`layer '${this.name}': dropout cannot take token ids; put an embedding first`);
    this.rt = rt;
    this.ws = new Workspace(rt.planner);
    return input;
  }

  private slots(n: number) {
    return this.ws.layout({ mask: n, y: n, dx: n });
  }

  forward(ctx: Context, x: Activation): Activation {
    this.active = ctx.training && this.options.rate > 0;
    if (!this.active) return x;
    const n = (this.n = (x.seq ? ctx.T * ctx.B : ctx.B) * x.features);
    const ws = this.slots(n);
    fillDropoutMask(this.rt.f32(ws.mask, n), this.options.rate, ctx.rng);
    this.rt.kernels.multiply(x.ptr, ws.mask, ws.y, n);
    return { ...x, ptr: ws.y };
  }

  backward(_ctx: Context, dy: number): number {
    if (!this.active) return dy;
    const ws = this.slots(this.n);
    this.rt.kernels.multiply(dy, ws.mask, ws.dx, this.n);
    return ws.dx;
  }
}
