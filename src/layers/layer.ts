// The contract between a Sequential model and its layers. Activations are byte
// pointers into wasm memory: sequences time-major [T][B][F] (seq = true) or one row
// per sequence [B][F]. A layer's forward saves what its backward needs; backward
// takes the gradient w.r.t. its output and returns one w.r.t. its input (0 when the
// input is token ids), accumulating parameter gradients into ctx.grads. A layer
// allocates through the runtime its model hands to build(), whose planner records
// every region in the model's ledger: the model frees them all, so layers have no
// dispose of their own.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import type { ParameterTable } from '../runtime/parameter-table.js';
import type { LayerSpec } from '../config/layer-schemas.js';
import type { Int8Weights } from '../runtime/int8-weights.js';
export type { LayerSpec } from '../config/layer-schemas.js';
import type { Rng } from '../random.js';

export interface Activation {
  ptr: number;
  seq: boolean;
  features: number;
}

/** What flows between layers at build time. tokens: the input is token ids (i32). */
export interface ShapeInfo {
  seq: boolean;
  features: number;
  tokens: boolean;
}

export interface Context {
  T: number;
  B: number;
  /** i32 [B] pointer: valid steps per sequence. */
  lengths: number;
  training: boolean;
  rng: Rng;
  params: Region;
  grads: Region;
}


export abstract class Layer {
  /** Prefix of this layer's parameter names (set by the model, unique within it). */
  name = '';

  abstract spec(): LayerSpec;

  /** Adds parameters to the table (names prefixed `${name}.`) and returns the output shape. */
  abstract build(rt: Runtime, input: ShapeInfo, table: ParameterTable): ShapeInfo;

  /** PyTorch's default initialisation for the layer's parameters. */
  initialise(_params: Float32Array, _rng: Rng): void {}

  /** Re-derives packed weights after the parameters changed; int8: the model's quantized weights, for inference. */
  pack(_params: Region, _int8?: Int8Weights): void {}

  abstract forward(ctx: Context, x: Activation): Activation;

  abstract backward(ctx: Context, dy: number): number;
}
