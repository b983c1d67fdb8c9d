import { Layer, type Activation, type Context, type LayerSpec, type ShapeInfo } from './layer.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import type { ParameterEntry, ParameterTable } from '../runtime/parameter-table.js';
import { Workspace } from '../runtime/workspace.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { check } from '../config/schema.js';
import { denseSchema } from '../config/layer-schemas.js';
import { packedFloats } from '../config/footprint.js';
import { xavierUniform } from '../init.js';
import { int8ScratchFloats, type Int8Operand, type Int8Weights } from '../runtime/int8-weights.js';

export interface DenseOptions {
  units: number;
  /** 'default' (nn.Linear: U(±1/√in)) or 'xavier' (Glorot uniform weight, zero bias). */
  init?: 'default' | 'xavier';
  name?: string;
}

/** nn.Linear over the last dimension: every step of a sequence, or every row. */
export class Dense extends Layer {
  private rt!: Runtime;
  private w!: ParameterEntry;
  private b!: ParameterEntry;
  private inFeatures = 0;
  private packedT!: Region;
  private packedN!: Region;
  private ws!: Workspace;
  private x: Activation = { ptr: 0, seq: false, features: 0 };
  /** int8 inference: the weight as integer panels, their scales, the integer GEMM's scratch. */
  private int8?: Int8Operand & { scratch: Region };

  readonly options: DenseOptions;

  constructor(options: DenseOptions) {
    super();
    this.options = check(denseSchema, options, 'dense');
  }

  spec(): LayerSpec {
    return { type: 'dense', ...this.options };
  }

  build(rt: Runtime, input: ShapeInfo, table: ParameterTable): ShapeInfo {
    if (input.tokens) throw new ConfigError(`layer '${this.name}': a dense layer cannot take token ids; put an embedding first`);
    this.rt = rt;
    const { units } = this.options, I = (this.inFeatures = input.features);
    this.w = table.add(`${this.name}.weight`, [units, I]);
    this.b = table.add(`${this.name}.bias`, [units]);
    this.packedT = rt.planner.alloc(packedFloats(I, units));
    this.packedN = rt.planner.alloc(packedFloats(units, I));
    this.ws = new Workspace(rt.planner);
    return { seq: input.seq, features: units, tokens: false };
  }

  /** nn.Linear's default, U(±1/√in) for weight and bias; or Glorot uniform weight and zero bias. */
  initialise(params: Float32Array, rng: Rng): void {
    if (this.options.init === 'xavier') {
      xavierUniform(params, this.w.offset, this.inFeatures, this.options.units, rng);
      params.fill(0, this.b.offset, this.b.offset + this.b.size);
      return;
    }
    const r = 1 / Math.sqrt(this.inFeatures);
    for (const e of [this.w, this.b]) for (let i = 0; i < e.size; i++) params[e.offset + i] = rng.uniform(-r, r);
  }

  pack(params: Region, int8?: Int8Weights): void {
    const k = this.rt.kernels, I = this.inFeatures, U = this.options.units;
    k.packB(params.at(this.w.offset), I, I, U, 1, this.packedT.ptr);
    k.packB(params.at(this.w.offset), I, U, I, 0, this.packedN.ptr);
    // int8 values never change: packed once, at fixed addresses (streams keep them).
    if (int8 && !this.int8) this.int8 = { ...int8.pack(k, this.rt.planner, this.w.name, 0, U), scratch: this.rt.planner.alloc(int8ScratchFloats(k, I)) };
  }

  /** Packed (transposed) weight and bias pointers, for the streaming step (int8: the row scales and scratch, else 0). */
  streamPointers(params: Region): { weightT: number; bias: number; scales: number; scratch: number } {
    const q = this.int8;
    return { weightT: q ? q.packed.ptr : this.packedT.ptr, bias: params.at(this.b.offset), scales: q?.scales ?? 0, scratch: q?.scratch.ptr ?? 0 };
  }

  private rows(ctx: Context, seq: boolean): number {
    return seq ? ctx.T * ctx.B : ctx.B;
  }

  forward(ctx: Context, x: Activation): Activation {
    const R = this.rows(ctx, x.seq), U = this.options.units;
    this.x = x;
    const ws = this.ws.layout({ y: R * U, dx: R * this.inFeatures, pack: packedFloats(R, this.inFeatures) });
    const q = this.int8;
    if (q) this.rt.kernels.denseForwardQ(R, this.inFeatures, U, x.ptr, q.packed.ptr, q.scales, ctx.params.at(this.b.offset), ws.y, q.scratch.ptr);
    else this.rt.kernels.denseForward(R, this.inFeatures, U, x.ptr, this.packedT.ptr, ctx.params.at(this.b.offset), ws.y);
    return { ptr: ws.y, seq: x.seq, features: U };
  }

  backward(ctx: Context, dy: number): number {
    const R = this.rows(ctx, this.x.seq);
    const ws = this.ws.layout({ y: R * this.options.units, dx: R * this.inFeatures, pack: packedFloats(R, this.inFeatures) });
    this.rt.kernels.denseBackward(R, this.inFeatures, this.options.units, this.x.ptr, this.packedN.ptr, dy, ws.dx, 0,
      ctx.grads.at(this.w.offset), ctx.grads.at(this.b.offset), ws.pack);
    return ws.dx;
  }
}
