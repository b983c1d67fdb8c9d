// An optimizer updates one model's flat parameter buffer from its parallel gradient
// buffer in one kernel pass. Its state (moments) is laid out like the parameters and
// allocated on the first step.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import { ConfigError } from '../errors.js';

export abstract class Optimizer {
  /** Number of steps taken. */
  stepCount = 0;
  private bound?: { rt: Runtime; params: Region; state: Region[] };

  constructor(public lr: number) {
    requireFinite('lr', lr, 0);
  }

  /** The optimizer's type and options as JSON (optim.fromSpec rebuilds it). */
  abstract spec(): { type: string; [option: string]: unknown };

  /** Moments per parameter (SGD with momentum: 1, Adam: 2). */
  protected abstract readonly stateSlots: number;

  /** Value the state buffers start at (Adagrad's initial_accumulator_value). */
  protected initialState(_slot: number): number {
    return 0;
  }

  /** Runs the update kernel; state holds stateSlots regions the size of params. */
  protected abstract update(rt: Runtime, params: Region, grads: Region, state: Region[]): void;

  step(rt: Runtime, params: Region, grads: Region): void {
    if (!this.bound) {
      const state = Array.from({ length: this.stateSlots }, (_, i) => {
        const r = rt.planner.alloc(params.length);
        const v = this.initialState(i);
        if (v !== 0) r.f32().fill(v);
        return r;
      });
      this.bound = { rt, params, state };
    } else if (this.bound.params !== params) {
      throw new ConfigError('this optimizer is already bound to another model\'s parameters: create one optimizer per model');
    }
    this.stepCount++;
    this.update(rt, params, grads, this.bound.state);
  }

  /** The step count and copies of the state buffers (for checkpoints). */
  getState(): { stepCount: number; lr: number; buffers: Float32Array[] } {
    return { stepCount: this.stepCount, lr: this.lr, buffers: this.bound ? this.bound.state.map((r) => r.f32().slice()) : [] };
  }

  /** Restores getState()'s result; binds to params if not bound yet. */
  setState(rt: Runtime, params: Region, s: { stepCount: number; lr: number; buffers: Float32Array[] }): void {
    if (s.buffers.length && s.buffers.length !== this.stateSlots) {
      throw new ConfigError(`optimizer state has ${s.buffers.length} buffers, this optimizer keeps ${this.stateSlots}`);
    }
    if (!this.bound) this.bound = { rt, params, state: Array.from({ length: this.stateSlots }, () => rt.planner.alloc(params.length)) };
    s.buffers.forEach((b, i) => {
      if (b.length !== params.length) throw new ConfigError(`optimizer state buffer ${i} has ${b.length} values, the model has ${params.length}`);
      this.bound!.state[i].f32().set(b);
    });
    this.stepCount = s.stepCount;
    this.lr = s.lr;
  }

  /** Frees the optimizer state. */
  dispose(): void {
    if (this.bound) for (const r of this.bound.state) this.bound.rt.planner.release(r);
    this.bound = undefined;
  }
}

export function requireFinite(name: string, v: number, min: number, max = Infinity, minOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (minOpen && v === min)) {
    const range = `${minOpen ? '(' : '['}${min}, ${max === Infinity ? '∞)' : max + ']'}`;
    throw new ConfigError(`${name} = ${String(v)} is invalid: expected a finite number in ${range}`);
  }
}
