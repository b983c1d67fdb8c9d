import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ParameterEntry, ParameterTable } from '../model/parameter-table.js';
import { Workspace } from '../runtime/workspace.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { positiveInt } from './validate.js';

export interface EmbeddingField { vocabSize: number; dim: number }

export interface EmbeddingOptions {
  vocabSize?: number;
  dim?: number;
  /**
   * Several categorical inputs per step (e.g. a word, its suffix, its shape), each
   * with its own table; the vectors are concatenated. Inputs are then [b][t][field].
   */
  fields?: EmbeddingField[];
  name?: string;
}

/**
 * nn.Embedding: token ids → vectors. Must come first; the model's inputs are token ids
 * (one per step, or one per field per step). Parameters: `weight` (one field) or
 * `weight_0`, `weight_1`, … (one table per field).
 */
export class Embedding extends Layer {
  readonly fields: EmbeddingField[];
  readonly dim: number;
  private rt!: Runtime;
  private tables: ParameterEntry[] = [];
  private ws!: Workspace;
  private ids = 0;

  constructor(readonly options: EmbeddingOptions) {
    super();
    this.fields = options?.fields ?? [{ vocabSize: options?.vocabSize as number, dim: options?.dim as number }];
    if (!Array.isArray(this.fields) || this.fields.length === 0) throw new ConfigError('embedding: fields must be a non-empty array of { vocabSize, dim }');
    this.fields.forEach((f, i) => {
      const where = options.fields ? `embedding field ${i}` : 'embedding';
      positiveInt(where, 'vocabSize', f?.vocabSize);
      positiveInt(where, 'dim', f?.dim);
    });
    this.dim = this.fields.reduce((a, f) => a + f.dim, 0);
  }

  /** Vocabulary size of each field (what input validation checks ids against). */
  get vocabSizes(): number[] {
    return this.fields.map((f) => f.vocabSize);
  }

  spec(): LayerSpec {
    return { type: 'embedding', ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo, table: ParameterTable): ShapeInfo {
    if (!input.tokens) throw new ConfigError(`layer '${this.name}': an embedding must be the first layer (it takes token ids)`);
    this.rt = rt;
    const one = this.fields.length === 1;
    this.tables = this.fields.map((f, i) => table.add(`${this.name}.weight${one ? '' : `_${i}`}`, [f.vocabSize, f.dim]));
    this.ws = new Workspace(rt.planner);
    return { seq: true, features: this.dim, tokens: false };
  }

  initialise(params: Float32Array, rng: Rng): void {
    for (const w of this.tables) for (let i = 0; i < w.size; i++) params[w.offset + i] = rng.normal();
  }

  private slots(ctx: Context) {
    const R = ctx.T * ctx.B;
    return this.ws.layout({ out: R * this.dim, part: this.fields.length > 1 ? R * Math.max(...this.fields.map((f) => f.dim)) : 0, ones: this.fields.length > 1 ? R : 0 });
  }

  /** Ids arrive field-major: [field][T][B]. */
  forward(ctx: Context, x: Activation): Activation {
    const ws = this.slots(ctx), k = this.rt.kernels, R = ctx.T * ctx.B;
    this.ids = x.ptr;
    if (this.fields.length === 1) {
      k.embeddingForward(x.ptr, R, this.dim, ctx.params.at(this.tables[0].offset), ws.out);
    } else {
      new Int32Array(this.rt.memory.buffer, ws.ones, R).fill(1);
      let col = 0;
      this.fields.forEach((f, i) => {
        k.embeddingForward(x.ptr + i * R * 4, R, f.dim, ctx.params.at(this.tables[i].offset), ws.part);
        // Rows of this field's vectors into their columns of the output (a one-step "sequence" of R rows).
        k.gatherSteps(ws.part, f.dim, ws.out + col * 4, this.dim, f.dim, 1, R, ws.ones, 0, 1, 0);
        col += f.dim;
      });
    }
    return { ptr: ws.out, seq: true, features: this.dim };
  }

  backward(ctx: Context, dy: number): number {
    const ws = this.slots(ctx), k = this.rt.kernels, R = ctx.T * ctx.B;
    if (this.fields.length === 1) {
      k.embeddingBackward(this.ids, R, this.dim, dy, ctx.grads.at(this.tables[0].offset));
      return 0;
    }
    let col = 0;
    this.fields.forEach((f, i) => {
      k.gatherSteps(dy + col * 4, this.dim, ws.part, f.dim, f.dim, 1, R, ws.ones, 0, 1, 0);
      k.embeddingBackward(this.ids + i * R * 4, R, f.dim, ws.part, ctx.grads.at(this.tables[i].offset));
      col += f.dim;
    });
    return 0;
  }

  dispose(): void {
    this.ws?.release();
  }
}
