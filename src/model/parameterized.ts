// What every model shares: the parameter table, the flat parameter and gradient
// buffers, state-dict access, and the flag that says packed weights are stale.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import { ParameterTable, type StateDict } from './parameter-table.js';
import { ConfigError } from '../errors.js';

export abstract class ParameterizedModel {
  readonly table = new ParameterTable();
  params!: Region;
  grads!: Region;
  /** True when the parameters changed since the weights were last packed. */
  protected packedDirty = true;
  /** Set by dispose(): the memory is gone, every further use is an error. */
  protected disposed = false;

  constructor(readonly rt: Runtime) {}

  /** Call once every layer has added its parameters to the table. */
  protected allocateParameters(): void {
    this.params = this.rt.planner.alloc(this.table.total);
    this.grads = this.rt.planner.alloc(this.table.total);
  }

  /** A copy of every parameter under its state_dict name. */
  stateDict(): StateDict {
    return this.table.toStateDict(this.params.f32());
  }

  /** Replaces every parameter; names, shapes and finiteness are checked first. */
  loadStateDict(dict: StateDict): void {
    this.checkAlive();
    // Staged in wasm memory so one SIMD pass checks finiteness before anything changes.
    const stage = this.rt.planner.alloc(this.table.total);
    try {
      this.table.loadStateDict(stage.f32(), dict);
      if (this.rt.kernels.hasNonFinite(stage.ptr, this.table.total)) throw this.table.nonFiniteError(stage.f32());
      this.params.f32().set(stage.f32());
    } finally {
      this.rt.planner.release(stage);
    }
    this.packedDirty = true;
  }

  /** Gradients from the last backward pass, by parameter name. */
  gradientDict(): StateDict {
    return this.table.toStateDict(this.grads.f32());
  }

  /** Releases the parameter buffers once; returns false when the model was already disposed. */
  protected releaseParameters(): boolean {
    if (this.disposed) return false;
    this.disposed = true;
    this.rt.planner.release(this.params);
    this.rt.planner.release(this.grads);
    return true;
  }

  protected checkAlive(): void {
    if (this.disposed) throw new ConfigError('this model was disposed: its memory has been released');
  }
}
