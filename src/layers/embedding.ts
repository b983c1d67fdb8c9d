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
  /** Distinct words the character BiLSTM ran on in the last forward. */
  private charWords = 0;

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
      charIds: ch ? R * ch.maxChars : 0, charRow: ch ? R : 0,
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

  /**
   * Character ids arrive as maxChars more fields: [char][T·B], i.e. time-major for a
   * batch of T·B words. The character BiLSTM runs once per distinct word of the batch
   * (its U distinct non-empty character sequences as one batch of U rows: a batch of
   * 32 sentences repeats "the", ",", "." and the like many times, and padded steps
   * have no word), and each step's representation is copied from its word's row.
   */
  private charsForward(ctx: Context, charIds: number, ws: Record<string, number>): void {
    const ch = this.options.chars!, k = this.rt.kernels, R = ctx.T * ctx.B, H = ch.hiddenSize, C = ch.maxChars;
    const ids = this.rt.i32(charIds, C * R), rowOf = this.rt.i32(ws.charRow, R);
    const seen = new Map<string, number>();
    let words: number[] = [];
    const wordLength: number[] = [];
    for (let r = 0; r < R; r++) {
      let n = 0;
      while (n < C && ids[n * R + r] !== 0) n++;
      if (n === 0) { rowOf[r] = -1; continue; } // a padded step has no characters: its representation stays zero
      let key = '';
      for (let t = 0; t < n; t++) key += String.fromCharCode(ids[t * R + r] & 0xffff, ids[t * R + r] >>> 16);
      let u = seen.get(key);
      if (u === undefined) { u = words.length; seen.set(key, u); words.push(r); wordLength.push(n); }
      rowOf[r] = u;
    }
    const U = this.charWords = words.length;
    // The words longest first: the LSTM kernel then runs each step on the words still
    // going (a prefix of the rows) and skips the padded steps (assembly/lstm.ts).
    const order = Array.from({ length: U }, (_, u) => u).sort((a, b) => wordLength[b] - wordLength[a] || a - b);
    const place = new Int32Array(U);
    order.forEach((u, i) => { place[u] = i; });
    words = order.map((u) => words[u]);
    for (let r = 0; r < R; r++) if (rowOf[r] >= 0) rowOf[r] = place[rowOf[r]];
    const out = this.rt.f32(ws.out, R * this.dim);
    if (U === 0) {
      for (let r = 0; r < R; r++) out.fill(0, r * this.dim + this.wordDim, (r + 1) * this.dim);
      return;
    }
    const uIds = this.rt.i32(ws.charIds, C * U), lengths = this.rt.i32(ws.charLengths, U);
    words.forEach((r, u) => {
      let n = 0;
      for (let t = 0; t < C; t++) { const id = ids[t * R + r]; uIds[t * U + u] = id; if (id !== 0 && n === t) n++; }
      lengths[u] = n;
    });
    k.embeddingForward(ws.charIds, C * U, ch.dim, ctx.params.at(this.charTable!.offset), ws.charX);
    const f = this.charRnn!.forward(C, U, ws.charX, ws.charLengths, 0, 0, ctx.training, ctx.rng, ctx.params);
    const hn = this.rt.f32(f.hn, 2 * U * H), o = this.rt.f32(ws.out, R * this.dim), rows = this.rt.i32(ws.charRow, R);
    for (let r = 0; r < R; r++) {
      const u = rows[r], at = r * this.dim + this.wordDim;
      if (u < 0) { o.fill(0, at, at + 2 * H); continue; }
      for (let d = 0; d < 2; d++) o.set(hn.subarray((d * U + u) * H, (d * U + u + 1) * H), at + d * H);
    }
  }

  /** The character BiLSTM's backward: each step's gradient summed into its word's row, then one backward over the U words. */
  private charsBackward(ctx: Context, dy: number, ws: Record<string, number>): void {
    const ch = this.options.chars!, k = this.rt.kernels, R = ctx.T * ctx.B, H = ch.hiddenSize, U = this.charWords;
    if (U === 0) return;
    const dhn = this.rt.f32(ws.dhn, 2 * U * H), g = this.rt.f32(dy, R * this.dim), rows = this.rt.i32(ws.charRow, R);
    dhn.fill(0);
    for (let r = 0; r < R; r++) {
      const u = rows[r];
      if (u < 0) continue;
      for (let d = 0; d < 2; d++) {
        const to = (d * U + u) * H, from = r * this.dim + this.wordDim + d * H;
        for (let j = 0; j < H; j++) dhn[to + j] += g[from + j];
      }
    }
    const dCharX = this.charRnn!.backward(0, ws.dhn, 0, ctx.grads, 0, 0);
    k.embeddingBackward(ws.charIds, ch.maxChars * U, ch.dim, dCharX, ctx.grads.at(this.charTable!.offset));
  }

  backward(ctx: Context, dy: number): number {
    const ws = this.slots(ctx), k = this.rt.kernels, R = ctx.T * ctx.B;
    if (this.fields.length === 1 && !this.options.chars) {
      k.embeddingBackward(this.ids, R, this.dim, dy, ctx.grads.at(this.tables[0].offset));
      return 0;
    }
    if (this.options.chars) this.charsBackward(ctx, dy, ws);
    let col = 0;
    this.fields.forEach((f, i) => {
      k.gatherSteps(dy + col * 4, this.dim, ws.part, f.dim, f.dim, 1, R, ws.ones, 0, 1, 0);
      k.embeddingBackward(this.ids + i * R * 4, R, f.dim, ws.part, ctx.grads.at(this.tables[i].offset));
      col += f.dim;
    });
    return 0;
  }
}
