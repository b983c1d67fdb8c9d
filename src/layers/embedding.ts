import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ParameterEntry, ParameterTable } from '../runtime/parameter-table.js';
import { Workspace } from '../runtime/workspace.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { check } from '../config/schema.js';
import { embeddingSchema } from '../config/layer-schemas.js';
import { Recurrent } from './recurrent.js';
import type { Region } from '../runtime/memory-planner.js';
import type { Int8Weights } from '../runtime/int8-weights.js';

export interface EmbeddingField { vocabSize: number; dim: number }

/**
 * A character-level representation of each step's word: the last `maxChars` ids of
 * every step are the word's characters (0 = padding, at the end), read by a
 * bidirectional LSTM whose final states (2 × hiddenSize) are appended to the vector.
 */
export interface CharacterEncoder { vocabSize: number; dim: number; hiddenSize: number; maxChars: number }

export interface EmbeddingOptions {
  vocabSize?: number;
  dim?: number;
  /**
   * Several categorical inputs per step (e.g. a word, its suffix, its shape), each
   * with its own table; the vectors are concatenated. Inputs are then [b][t][field].
   */
  fields?: EmbeddingField[];
  /** Character BiLSTM over each word (ids after the fields' ids). */
  chars?: CharacterEncoder;
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

  readonly options: EmbeddingOptions;

  constructor(options: EmbeddingOptions) {
    super();
    const o = (this.options = check<EmbeddingOptions>(embeddingSchema, options, 'embedding'));
    this.fields = o.fields ?? [{ vocabSize: o.vocabSize!, dim: o.dim! }];
    const ch = o.chars;
    this.wordDim = this.fields.reduce((a, f) => a + f.dim, 0);
    this.dim = this.wordDim + (ch ? 2 * ch.hiddenSize : 0);
  }

  private readonly wordDim: number;
  private charTable?: ParameterEntry;
  private charRnn?: Recurrent;

  /** Vocabulary size of each field (what input validation checks ids against). */
  get vocabSizes(): number[] {
    const ch = this.options.chars;
    return [...this.fields.map((f) => f.vocabSize), ...(ch ? Array(ch.maxChars).fill(ch.vocabSize) : [])];
  }

  spec(): LayerSpec {
    return { type: 'embedding', ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo, table: ParameterTable): ShapeInfo {
    if (!input.tokens) throw new ConfigError(`layer '${this.name}': an embedding must be the first layer (it takes token ids)`);
    this.rt = rt;
    const one = this.fields.length === 1;
    this.tables = this.fields.map((f, i) => table.add(`${this.name}.weight${one ? '' : `_${i}`}`, [f.vocabSize, f.dim]));
    const ch = this.options.chars;
    if (ch) {
      this.charTable = table.add(`${this.name}.char_weight`, [ch.vocabSize, ch.dim]);
      this.charRnn = new Recurrent(rt, { cell: 'lstm', inputSize: ch.dim, hiddenSize: ch.hiddenSize, bidirectional: true }, table, `${this.name}.char_lstm.`);
    }
    this.ws = new Workspace(rt.planner);
    return { seq: true, features: this.dim, tokens: false };
  }

  initialise(params: Float32Array, rng: Rng): void {
    for (const w of [...this.tables, ...(this.charTable ? [this.charTable] : [])]) for (let i = 0; i < w.size; i++) params[w.offset + i] = rng.normal();
    this.charRnn?.initialise(params, rng);
  }

  // The tables themselves stay f32 in memory (the dequantized int8 values): a lookup only copies rows.
  pack(params: Region, int8?: Int8Weights): void {
    this.charRnn?.pack(params, int8);
  }

  private slots(ctx: Context) {
    const R = ctx.T * ctx.B, ch = this.options.chars;
    const multi = this.fields.length > 1 || !!ch;
    return this.ws.layout({
      out: R * this.dim, part: multi ? R * Math.max(...this.fields.map((f) => f.dim)) : 0, ones: multi ? R : 0,
      charLengths: ch ? R : 0, charX: ch ? R * ch.maxChars * ch.dim : 0, dhn: ch ? 2 * R * ch.hiddenSize : 0,
    });
  }

  /** Ids arrive field-major: [field][T][B]. */
  forward(ctx: Context, x: Activation): Activation {
    const ws = this.slots(ctx), k = this.rt.kernels, R = ctx.T * ctx.B;
    this.ids = x.ptr;
    if (this.fields.length === 1 && !this.options.chars) {
      k.embeddingForward(x.ptr, R, this.dim, ctx.params.at(this.tables[0].offset), ws.out);
    } else {
      this.rt.i32(ws.ones, R).fill(1);
      let col = 0;
      this.fields.forEach((f, i) => {
        k.embeddingForward(x.ptr + i * R * 4, R, f.dim, ctx.params.at(this.tables[i].offset), ws.part);
        // Rows of this field's vectors into their columns of the output (a one-step "sequence" of R rows).
        k.gatherSteps(ws.part, f.dim, ws.out + col * 4, this.dim, f.dim, 1, R, ws.ones, 0, 1, 0);
        col += f.dim;
      });
      if (this.options.chars) this.charsForward(ctx, x.ptr + this.fields.length * R * 4, ws);
    }
    return { ptr: ws.out, seq: true, features: this.dim };
  }

  /** Character ids arrive as maxChars more fields: [char][T·B], i.e. time-major for a batch of T·B words. */
  private charsForward(ctx: Context, charIds: number, ws: Record<string, number>): void {
    const ch = this.options.chars!, k = this.rt.kernels, R = ctx.T * ctx.B, H = ch.hiddenSize;
    const ids = this.rt.i32(charIds, ch.maxChars * R);
    const lengths = this.rt.i32(ws.charLengths, R);
    for (let r = 0; r < R; r++) {
      let n = 0;
      while (n < ch.maxChars && ids[n * R + r] !== 0) n++;
      lengths[r] = n; // a padded step has no characters: its representation stays zero
    }
    k.embeddingForward(charIds, ch.maxChars * R, ch.dim, ctx.params.at(this.charTable!.offset), ws.charX);
    const f = this.charRnn!.forward(ch.maxChars, R, ws.charX, ws.charLengths, 0, 0, ctx.training, ctx.rng, ctx.params);
    for (let d = 0; d < 2; d++) k.gatherSteps(f.hn + d * R * H * 4, H, ws.out + (this.wordDim + d * H) * 4, this.dim, H, 1, R, ws.ones, 0, 1, 0);
  }

  backward(ctx: Context, dy: number): number {
    const ws = this.slots(ctx), k = this.rt.kernels, R = ctx.T * ctx.B;
    if (this.fields.length === 1 && !this.options.chars) {
      k.embeddingBackward(this.ids, R, this.dim, dy, ctx.grads.at(this.tables[0].offset));
      return 0;
    }
    const ch = this.options.chars;
    if (ch) {
      const H = ch.hiddenSize;
      for (let d = 0; d < 2; d++) k.gatherSteps(dy + (this.wordDim + d * H) * 4, this.dim, ws.dhn + d * R * H * 4, H, H, 1, R, ws.ones, 0, 1, 0);
      const dCharX = this.charRnn!.backward(0, ws.dhn, 0, ctx.grads, 0, 0);
      k.embeddingBackward(this.ids + this.fields.length * R * 4, ch.maxChars * R, ch.dim, dCharX, ctx.grads.at(this.charTable!.offset));
    }
    let col = 0;
    this.fields.forEach((f, i) => {
      k.gatherSteps(dy + col * 4, this.dim, ws.part, f.dim, f.dim, 1, R, ws.ones, 0, 1, 0);
      k.embeddingBackward(this.ids + i * R * 4, R, f.dim, ws.part, ctx.grads.at(this.tables[i].offset));
      col += f.dim;
    });
    return 0;
  }
}
