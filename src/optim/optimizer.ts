// An optimizer updates one model's flat parameter buffer from its parallel gradient
// buffer in one kernel pass. Its state (moments) is laid out like the parameters,
// allocated on the first step from the same owner as the parameters (so disposing the
// model frees it too). A step never leaves non-finite weights: the update is first
// run on copies, chunk by chunk, and applied only if every result is finite.
import type { Runtime } from '../runtime/runtime.js';
import type { Allocator, Region } from '../runtime/memory-planner.js';
import { ArgumentError, ConfigError, DisposedError, NonFiniteError, describeValue } from '../errors.js';

/** Floats per trial chunk: small enough that the copies stay in cache, a multiple of 16 for alignment. */
const CHUNK = 16384;

interface Bound {
  rt: Runtime;
  params: Region;
  allocator: Allocator;
  state: Region[];
  /** [1 + stateSlots][CHUNK]: copies of one chunk of params and state for the trial update. */
  trial: Region;
}

export abstract class Optimizer {
  /** Number of steps taken. */
  stepCount = 0;
  private rate = 0;
  private bound?: Bound;
  private disposed = false;

  constructor(lr: number) {
    this.lr = lr;
  }

  /** The learning rate (a schedule may change it between steps); finite and ≥ 0. */
  get lr(): number {
    return this.rate;
  }

  set lr(v: number) {
    requireFinite('lr', v, 0);
    this.rate = v;
  }

  /** The optimizer's type and options as JSON (optim.fromSpec rebuilds it). */
  abstract spec(): { type: string; [option: string]: unknown };

  /** Moments per parameter (SGD with momentum: 1, Adam: 2). */
  protected abstract readonly stateSlots: number;

  /** Value the state buffers start at (Adagrad's initial_accumulator_value). */
  protected initialState(_slot: number): number {
    return 0;
  }

  /** Runs the update kernel over n floats at byte pointers p (params), g (grads) and state (stateSlots buffers). */
  protected abstract update(rt: Runtime, p: number, g: number, state: number[], n: number): void;

  /** Number of state buffers this optimizer keeps (what a checkpoint must hold). */
  get stateBuffers(): number {
    return this.stateSlots;
  }

  private bind(rt: Runtime, params: Region): Bound {
    if (this.bound) {
      if (this.bound.params !== params) throw new ConfigError('this optimizer is already bound to another model\'s parameters: create one optimizer per model');
      return this.bound;
    }
    // The state belongs with the parameters: allocated by their owner, freed with the model.
    const allocator = params.allocator ?? rt.planner;
    const regions: Region[] = [];
    try {
      for (let i = 0; i < this.stateSlots; i++) {
        const r = allocator.alloc(params.length);
        regions.push(r);
        const v = this.initialState(i);
        if (v !== 0) r.f32().fill(v);
      }
      regions.push(allocator.alloc((1 + this.stateSlots) * Math.min(CHUNK, params.length)));
    } catch (e) {
      for (const r of regions) allocator.release(r);
      throw e;
    }
    const trial = regions.pop()!;
    return (this.bound = { rt, params, allocator, state: regions, trial });
  }

  private checkAlive(params?: Region): void {
    if (this.disposed) throw new DisposedError('this optimizer was disposed');
    if (params?.released || this.bound?.params.released) throw new DisposedError('the model this optimizer trains was disposed (its optimizer state went with it)');
  }

  /**
   * One update of params from grads. If any updated weight or state value would be
   * non-finite, throws NonFiniteError (naming the parameter through `nameOf`) with
   * params, state and stepCount exactly as before the call.
   */
  step(rt: Runtime, params: Region, grads: Region, nameOf: (index: number) => string = (i) => `parameter element ${i}`): void {
    this.checkAlive(params);
    rt.requireTraining('an optimizer step');
    const b = this.bind(rt, params);
    const k = rt.kernels, n = params.length, S = this.stateSlots;
    this.stepCount++;
    try {
      // Trial: copy each chunk of params and state, update the copies, check them.
      const u8 = new Uint8Array(rt.memory.buffer), tp = b.trial.ptr, width = Math.min(CHUNK, n);
      const tState = Array.from({ length: S }, (_, s) => tp + (s + 1) * width * 4);
      for (let off = 0; off < n; off += CHUNK) {
        const m = Math.min(CHUNK, n - off);
        u8.copyWithin(tp, params.ptr + off * 4, params.ptr + (off + m) * 4);
        b.state.forEach((r, s) => u8.copyWithin(tState[s], r.ptr + off * 4, r.ptr + (off + m) * 4));
        this.update(rt, tp, grads.ptr + off * 4, tState, m);
        const bad = [tp, ...tState].findIndex((p) => k.hasNonFinite(p, m));
        if (bad >= 0) {
          const view = rt.f32(bad === 0 ? tp : tState[bad - 1], m);
          const i = off + view.findIndex((v) => !Number.isFinite(v));
          const what = bad === 0 ? 'the updated weight' : 'the optimizer state of';
          throw new NonFiniteError(`this step would make ${what} ${nameOf(i)} non-finite: nothing was changed; lower the learning rate or clip gradients`);
        }
      }
    } catch (e) {
      this.stepCount--;
      throw e;
    }
    this.update(rt, params.ptr, grads.ptr, b.state.map((r) => r.ptr), n);
  }

  /** The step count and copies of the state buffers (for checkpoints). */
  getState(): { stepCount: number; lr: number; buffers: Float32Array[] } {
    this.checkAlive();
    return { stepCount: this.stepCount, lr: this.lr, buffers: this.bound ? this.bound.state.map((r) => r.f32().slice()) : [] };
  }

  /** Restores getState()'s result (every buffer finite, one per state slot); binds to params if not bound yet. */
  setState(rt: Runtime, params: Region, s: { stepCount: number; lr: number; buffers: Float32Array[] }): void {
    this.checkAlive(params);
    if (!s || !Array.isArray(s.buffers)) throw new ArgumentError('optimizer state must be { stepCount, lr, buffers: Float32Array[] }');
    if (!Number.isSafeInteger(s.stepCount) || s.stepCount < 0) throw new ConfigError(`optimizer stepCount = ${String(s.stepCount)} is invalid: expected a non-negative integer`);
    if (s.buffers.length !== this.stateSlots && !(s.buffers.length === 0 && s.stepCount === 0)) {
      throw new ConfigError(`optimizer state has ${s.buffers.length} buffers, this optimizer keeps ${this.stateSlots}`);
    }
    s.buffers.forEach((buf, i) => {
      if (!(buf instanceof Float32Array) || buf.length !== params.length) throw new ConfigError(`optimizer state buffer ${i} has ${buf?.length} values, the model has ${params.length}`);
      const j = buf.findIndex((v) => !Number.isFinite(v));
      if (j >= 0) throw new NonFiniteError(`optimizer state buffer ${i} holds ${buf[j]} at ${j}: optimizer state must be finite`);
    });
    this.lr = s.lr;
    const b = this.bind(rt, params);
    s.buffers.forEach((buf, i) => b.state[i].f32().set(buf));
    this.stepCount = s.stepCount;
  }

  /** Frees the optimizer state (the model's dispose() does too); using the optimizer afterwards throws DisposedError. Idempotent. */
  dispose(): void {
    if (this.bound) for (const r of [...this.bound.state, this.bound.trial]) if (!r.released) this.bound.allocator.release(r);
    this.bound = undefined;
    this.disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Throws ArgumentError unless `optimizer` is one of rnn-wasm's optimizers. */
export function requireOptimizer(optimizer: unknown): asserts optimizer is Optimizer {
  if (!(optimizer instanceof Optimizer)) {
    throw new ArgumentError(`expected an optimizer (optim.adam(), optim.sgd({ lr }), …), got ${describeValue(optimizer)}`);
  }
}

/** The largest finite f32: hyperparameters reach the kernels as f32, so anything larger is ±Infinity there. */
export const MAX_F32 = 3.4028234663852886e38;

/** Throws ConfigError unless v is a finite number in [min, max] (bounds made open by minOpen / maxOpen). */
export function requireFinite(name: string, v: number, min: number, max = MAX_F32, minOpen = false, maxOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (minOpen && v === min) || (maxOpen && v === max)) {
    const range = `${minOpen ? '(' : '['}${min}, ${max === MAX_F32 ? '3.4e38 (the largest f32)]' : max + (maxOpen ? ')' : ']')}`;
    throw new ConfigError(`${name} = ${String(v)} is invalid: expected a finite number in ${range}`);
  }
}
