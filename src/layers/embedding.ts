import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ParameterEntry, ParameterTable } from '../model/parameter-table.js';
import { Workspace } from '../runtime/workspace.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { positiveInt } from './validate.js';

export interface EmbeddingOptions { vocabSize: number; dim: number; name?: string }

/** nn.Embedding: token ids → vectors. Must come first; the model's inputs are token ids. */
export class Embedding extends Layer {
  private rt!: Runtime;
  private w!: ParameterEntry;
  private ws!: Workspace;
  private ids = 0;

  constructor(readonly options: EmbeddingOptions) {
    super();
    positiveInt('embedding', 'vocabSize', options.vocabSize);
    positiveInt('embedding', 'dim', options.dim);
  }

  spec(): LayerSpec {
    return { type: 'embedding', ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo, table: ParameterTable): ShapeInfo {
    if (!input.tokens) throw new ConfigError(`layer '${this.name}': an embedding must be the first layer (it takes token ids)`);
    this.rt = rt;
    this.w = table.add(`${this.name}.weight`, [this.options.vocabSize, this.options.dim]);
    this.ws = new Workspace(rt.planner);
    return { seq: true, features: this.options.dim, tokens: false };
  }

  initialise(params: Float32Array, rng: Rng): void {
    for (let i = 0; i < this.w.size; i++) params[this.w.offset + i] = rng.normal();
  }

  forward(ctx: Context, x: Activation): Activation {
    const { out } = this.ws.layout({ out: ctx.T * ctx.B * this.options.dim });
    this.ids = x.ptr;
    this.rt.kernels.embeddingForward(x.ptr, ctx.T * ctx.B, this.options.dim, ctx.params.at(this.w.offset), out);
    return { ptr: out, seq: true, features: this.options.dim };
  }

  backward(ctx: Context, dy: number): number {
    this.rt.kernels.embeddingBackward(this.ids, ctx.T * ctx.B, this.options.dim, dy, ctx.grads.at(this.w.offset));
    return 0;
  }

  dispose(): void {
    this.ws.release();
  }
}
