import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import type { Int8Weights } from '../runtime/int8-weights.js';
import type { ParameterTable } from '../runtime/parameter-table.js';
import { Workspace } from '../runtime/workspace.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { isCellType } from '../cells/index.js';
import { Recurrent, type RecurrentConfig } from './recurrent.js';
import { check } from '../config/schema.js';
import { recurrentSchema } from '../config/layer-schemas.js';

export type RecurrentOptions = Omit<RecurrentConfig, 'inputSize'> & {
  /** true (default): every step's output; false: the last layer's final states (directions merged), one row per sequence. */
  returnSequences?: boolean;
  /**
   * Keras' stateful: each batch starts from the previous batch's final states
   * (row b continues row b), for truncated BPTT over long streams; gradients stop at
   * batch borders. Sequential.resetStates() starts afresh.
   */
  stateful?: boolean;
  name?: string;
};

/** nn.RNN / nn.LSTM / nn.GRU as a Sequential layer. */
export class RecurrentLayer extends Layer {
  core!: Recurrent;
  private rt!: Runtime;
  private ws!: Workspace;
  /** Carried states of a stateful layer: h [L·D][B][stateSize] then (LSTM) c [L·D][B][H]. */
  private state?: { B: number; h: Region; c: Region };
  /**
   * Initial states for the next forward (h [L·D][B][stateSize], c [L·D][B][H] for the LSTM only), e.g.
   * an encoder's final states; after backward, dh0 / dc0 hold their gradients.
   */
  initialStates?: { h: number; c: number };
  /** Final states of the last forward (pointers, shaped as initialStates; cn is 0 unless LSTM). */
  finalStates = { hn: 0, cn: 0 };

  readonly options: RecurrentOptions;

  constructor(options: RecurrentOptions) {
    super();
    const cell = options?.cell;
    this.options = check(recurrentSchema, options, isCellType(cell) ? cell : 'recurrent layer');
  }

  get returnSequences(): boolean {
    return this.options.returnSequences ?? true;
  }

  spec(): LayerSpec {
    return { type: this.options.cell, ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo, table: ParameterTable): ShapeInfo {
    if (input.tokens) throw new ConfigError(`layer '${this.name}': a recurrent layer cannot take token ids; put an embedding first`);
    if (!input.seq) throw new ConfigError(`layer '${this.name}': a recurrent layer needs a sequence as input`);
    this.rt = rt;
    const { returnSequences: _r, name: _n, stateful: _s, ...cfg } = this.options;
    this.core = new Recurrent(rt, { ...cfg, inputSize: input.features }, table, `${this.name}.`);
    this.ws = new Workspace(rt.planner);
    return { seq: this.returnSequences, features: this.core.outputSize, tokens: false };
  }

  initialise(params: Float32Array, rng: Rng): void {
    this.core.initialise(params, rng);
  }

  pack(params: Region, int8?: Int8Weights): void {
    this.core.pack(params, int8);
  }

  /** Floats of all h states ([L·D][B][stateSize]) and all c states ([L·D][B][H]) for B rows. */
  private stateFloats(B: number): { nh: number; nc: number } {
    const c = this.core.config, rows = c.numLayers * (c.bidirectional ? 2 : 1) * B;
    return { nh: rows * this.core.stateSize, nc: rows * c.hiddenSize };
  }

  private slots(ctx: Context) {
    const { nh, nc } = this.stateFloats(ctx.B);
    return this.ws.layout({ last: ctx.B * this.core.outputSize, dhn: nh, ones: ctx.B, h0: nh, c0: nc, dh0: nh, dc0: nc });
  }

  /** Forgets the carried states (stateful layers). */
  resetStates(): void {
    if (!this.state) return;
    this.rt.planner.release(this.state.h);
    this.rt.planner.release(this.state.c);
    this.state = undefined;
  }

  /** Moves the last layer's final states to/from [B][outputSize] rows (directions concatenated or merged). */
  private statesRows(ctx: Context, hn: number, rows: number, toRows: boolean): void {
    const k = this.rt.kernels;
    const { numLayers: L, merge } = this.core.config;
    const H = this.core.stateSize, D = this.core.config.bidirectional ? 2 : 1, F = this.core.outputSize;
    const ws = this.slots(ctx);
    this.rt.i32(ws.ones, ctx.B).fill(1); // a one-step "sequence": every row valid
    for (let d = 0; d < D; d++) {
      const concat = merge === 'concat' || D === 1;
      const state = hn + ((L - 1) * D + d) * ctx.B * H * 4;
      const col = concat ? rows + d * H * 4 : rows;
      const scale = concat || merge === 'sum' ? 1 : 0.5;
      if (toRows) k.gatherSteps(state, H, col, F, H, 1, ctx.B, ws.ones, 0, scale, !concat && d === 1 ? 1 : 0);
      else k.gatherSteps(col, F, state, H, H, 1, ctx.B, ws.ones, 0, scale, 0);
    }
  }

  forward(ctx: Context, x: Activation): Activation {
    let h0 = 0, c0 = 0;
    const { nh, nc } = this.stateFloats(ctx.B);
    if (this.options.stateful && this.state) {
      if (this.state.B !== ctx.B) {
        throw new ConfigError(`layer '${this.name}' is stateful with ${this.state.B} streams but got a batch of ${ctx.B}: keep the batch size, or call resetStates()`);
      }
      // Copy the carried states in: the backward needs them after this forward overwrites the carry.
      const ws = this.slots(ctx);
      this.rt.f32(ws.h0, nh).set(this.state.h.f32());
      this.rt.f32(ws.c0, nc).set(this.state.c.f32());
      h0 = ws.h0;
      c0 = ws.c0;
    }
    if (this.initialStates) {
      h0 = this.initialStates.h;
      c0 = this.initialStates.c;
    }
    const r = this.core.forward(ctx.T, ctx.B, x.ptr, ctx.lengths, h0, c0, ctx.training, ctx.rng, ctx.params);
    this.finalStates = { hn: r.hn, cn: r.cn };
    if (this.options.stateful) {
      this.state ??= { B: ctx.B, h: this.rt.planner.alloc(nh), c: this.rt.planner.alloc(nc) };
      this.state.h.f32().set(this.rt.f32(r.hn, nh));
      if (r.cn) this.state.c.f32().set(this.rt.f32(r.cn, nc));
    }
    if (this.returnSequences) return { ptr: r.output, seq: true, features: this.core.outputSize };
    const ws = this.slots(ctx);
    this.statesRows(ctx, r.hn, ws.last, true);
    return { ptr: ws.last, seq: false, features: this.core.outputSize };
  }

  /** Gradients w.r.t. the initial states after a backward ([L·D][B][H] pointers), when initialStates were given. */
  initialStateGrads(ctx: Context): { dh0: number; dc0: number } {
    const ws = this.slots(ctx);
    return { dh0: ws.dh0, dc0: ws.dc0 };
  }

  /** Backward from gradients w.r.t. the final states only (an encoder whose outputs are unused). */
  backwardFromStates(ctx: Context, dhn: number, dcn: number): number {
    return this.core.backward(0, dhn, dcn, ctx.grads, 0, 0);
  }

  backward(ctx: Context, dy: number): number {
    if (this.initialStates) {
      const g = this.initialStateGrads(ctx);
      return this.core.backward(this.returnSequences ? dy : 0, this.returnSequences ? 0 : this.rowsToStates(ctx, dy), 0, ctx.grads, g.dh0, this.core.cell.hasCellState ? g.dc0 : 0);
    }
    if (this.returnSequences) return this.core.backward(dy, 0, 0, ctx.grads, 0, 0);
    return this.core.backward(0, this.rowsToStates(ctx, dy), 0, ctx.grads, 0, 0);
  }

  /** The gradient w.r.t. the [B][F] final-state rows as a gradient w.r.t. h_n ([L·D][B][H], zero below the last layer). */
  private rowsToStates(ctx: Context, dy: number): number {
    const ws = this.slots(ctx);
    this.rt.f32(ws.dhn, this.stateFloats(ctx.B).nh).fill(0);
    this.statesRows(ctx, ws.dhn, dy, false);
    return ws.dhn;
  }
}
