// What every model shares: the parameter table, the flat parameter and gradient
// buffers, state-dict access, the flag that says packed weights are stale, and the
// model's lifecycle. Everything the model and its parts allocate (parameters,
// gradients, packed weights, workspaces, its optimizer's state, its streams) is
// recorded in one Ledger, so dispose() — or the garbage collector, for a model
// dropped without dispose() — gives all of it back at once.
import { Runtime } from '../runtime/runtime.js';
import type { Ledger } from '../runtime/ledger.js';
import type { Region } from '../runtime/memory-planner.js';
import { ParameterTable, type StateDict } from '../runtime/parameter-table.js';
import { ArgumentError, describeValue, DisposedError, NonFiniteError, RnnWasmError, WeightFileError } from '../errors.js';
import { requireOptimizer, type Optimizer } from '../optim/optimizer.js';
import { clipGradNorm, clipGradValue } from '../optim/clip.js';
import type { StepOptions } from './trainable.js';

// The safety net: a model that becomes unreachable without dispose() frees its ledger.
// The held value (the ledger) never references the model, so the model can be collected.
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Ledger>((ledger) => ledger.releaseAll()) : undefined;

/** Throws ArgumentError unless `rt` is a runtime from loadRuntime(). */
export function requireRuntime(rt: unknown, what = 'the first argument'): asserts rt is Runtime {
  if (!(rt instanceof Runtime)) {
    throw new ArgumentError(`${what} must be a runtime from loadRuntime() or loadRuntimeSync(), got ${describeValue(rt)}`);
  }
}


export abstract class ParameterizedModel {
  readonly table = new ParameterTable();
  /** The runtime the model runs in (shared with other models). */
  readonly rt: Runtime;
  params!: Region;
  grads!: Region;
  /** Your JSON metadata from the model file ('rnn-wasm.user'), or given to saveModel. */
  metadata?: Record<string, unknown>;
  /** True when the parameters changed since the weights were last packed. */
  protected packedDirty = true;
  /** Set by dispose(): the memory is gone, every further use is an error. */
  protected disposed = false;
  /** The runtime as this model's parts see it: its planner records into the ledger. */
  protected readonly owned: Runtime;
  private readonly ledger: Ledger;

  constructor(rt: Runtime) {
    requireRuntime(rt);
    this.rt = rt.root;
    ({ rt: this.owned, ledger: this.ledger } = this.rt.owned());
    finalizer?.register(this, this.ledger, this);
  }

  /** Call once every layer has added its parameters to the table. */
  protected allocateParameters(): void {
    this.params = this.owned.planner.alloc(this.table.total);
    this.grads = this.owned.planner.alloc(this.table.total);
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    let n = 0;
    for (const e of this.table.entries) n += e.size;
    return n;
  }

  /** A copy of every parameter under its state_dict name. */
  stateDict(): StateDict {
    this.checkAlive();
    return this.table.toStateDict(this.params.f32());
  }

  /** Replaces every parameter; names, shapes and finiteness are checked first. */
  loadStateDict(dict: StateDict): void {
    this.checkAlive();
    // Staged in wasm memory so one SIMD pass checks finiteness before anything changes.
    const stage = this.owned.planner.alloc(this.table.total);
    try {
      this.table.loadStateDict(stage.f32(), dict);
      if (this.rt.kernels.hasNonFinite(stage.ptr, this.table.total)) throw this.table.nonFiniteError(stage.f32());
      this.params.f32().set(stage.f32());
    } finally {
      this.owned.planner.release(stage);
    }
    this.packedDirty = true;
  }

  /** Marks the parameters as changed after writing them directly (re-pack before the next forward). */
  parametersChanged(): void {
    this.packedDirty = true;
  }

  /**
   * Applies clipping and the optimizer to the gradients in `grads` (whose norm,
   * measured before clipping, is gradNormBefore): the update step every model shares.
   */
  applyGradients(optimizer: Optimizer, gradNormBefore: number, options: StepOptions = {}): void {
    this.checkAlive();
    requireOptimizer(optimizer);
    if (!Number.isFinite(gradNormBefore)) throw new NonFiniteError(`the gradient norm is ${gradNormBefore}: the parameters were not updated`);
    if (options.clipValue !== undefined) clipGradValue(this.rt, this.grads, options.clipValue);
    // The norm already measured still holds unless clipping by value changed the gradients.
    if (options.clipNorm !== undefined) clipGradNorm(this.rt, this.grads, options.clipNorm, options.clipValue === undefined ? gradNormBefore : undefined);
    optimizer.step(this.rt, this.params, this.grads, (i) => this.table.describe(i));
    this.packedDirty = true;
  }

  /** Loads tensors read from a weight file: float dtypes only; any mismatch is a WeightFileError. */
  loadWeightTensors(tensors: Record<string, { dtype: string; shape: number[]; data: Float32Array }>): void {
    const dict: StateDict = {};
    for (const [name, t] of Object.entries(tensors)) {
      if (!['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) throw new WeightFileError(`'${name}' has dtype ${t.dtype}: weights must be F32, F16, BF16 or F64`);
      dict[name] = { shape: t.shape, data: t.data };
    }
    try {
      this.loadStateDict(dict);
    } catch (e) {
      if (e instanceof RnnWasmError && !(e instanceof WeightFileError)) throw new WeightFileError(`weights do not fit this model: ${e.message}`);
      throw e;
    }
  }

  /** Gradients from the last backward pass, by parameter name. */
  gradientDict(): StateDict {
    this.checkAlive();
    return this.table.toStateDict(this.grads.f32());
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Frees the model's memory and everything it owns (workspaces, streams, the state of
   * the optimizer that trained it); any further use throws DisposedError. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ledger.releaseAll();
    finalizer?.unregister(this);
  }

  /** `using model = …` disposes the model at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Frees what a constructor allocated before it failed, then rethrows. */
  protected abandon(e: unknown): never {
    this.dispose();
    throw e;
  }

  protected checkAlive(): void {
    if (this.disposed) throw new DisposedError(`this ${this.constructor.name} was disposed: its memory has been released`);
  }
}
