import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import { Workspace } from '../runtime/workspace.js';
import { ConfigError } from '../errors.js';
import { check } from '../config/schema.js';
import { poolingSchema } from '../config/layer-schemas.js';

const MODES = { last: 0, mean: 1, max: 2 } as const;

export interface PoolingOptions { mode: keyof typeof MODES; name?: string }

/** Sequence → one row per sequence: the last valid step, or the mean / max over valid steps. */
export class Pooling extends Layer {
  private rt!: Runtime;
  private ws!: Workspace;
  private F = 0;

  readonly options: PoolingOptions;

  constructor(options: PoolingOptions) {
    super();
    this.options = check(poolingSchema, options, 'pooling');
  }

  spec(): LayerSpec {
    return { type: 'pooling', ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo): ShapeInfo {
    if (!input.seq || input.tokens) throw new ConfigError(`layer '${this.name}': pooling needs a sequence of vectors as input`);
    this.rt = rt;
    this.F = input.features;
    this.ws = new Workspace(rt.planner);
    return { seq: false, features: input.features, tokens: false };
  }

  private slots(ctx: Context) {
    return this.ws.layout({ y: ctx.B * this.F, argmax: ctx.B * this.F, dx: ctx.T * ctx.B * this.F });
  }

  forward(ctx: Context, x: Activation): Activation {
    const ws = this.slots(ctx);
    this.rt.kernels.poolForward(MODES[this.options.mode], ctx.T, ctx.B, this.F, x.ptr, ctx.lengths, ws.y, ws.argmax);
    return { ptr: ws.y, seq: false, features: this.F };
  }

  backward(ctx: Context, dy: number): number {
    const ws = this.slots(ctx);
    this.rt.kernels.poolBackward(MODES[this.options.mode], ctx.T, ctx.B, this.F, dy, ctx.lengths, ws.argmax, ws.dx);
    return ws.dx;
  }
}
