// A bare recurrent stack on arrays, as torch.nn.RNN / LSTM / GRU: forward on
// { data, shape } arrays (time-major or batch-first, packed-sequence lengths, initial
// states), backward from the gradients of the outputs and final states, parameter
// gradients by state_dict name accumulated until zeroGrad(), and state dicts under
// PyTorch's names. It drives the pointer-level core (src/layers/recurrent.ts) and owns
// everything it allocates through one Ledger: parameters, gradients, the core's packed
// weights and workspace, and its own input/output slots. dispose() — or the garbage
// collector, for a module dropped without it — gives all of it back at once.
import type { Runtime } from '../runtime/runtime.js';
import type { Ledger } from '../runtime/ledger.js';
import type { Region } from '../runtime/memory-planner.js';
import { Recurrent, type CellType } from '../layers/recurrent.js';
import { ParameterTable, type StateDict } from '../runtime/parameter-table.js';
import { requireRuntime } from '../model/parameterized.js';
import { modelFootprint, requireMemory } from '../config/footprint.js';
import { nearest } from '../config/schema.js';
import { Rng } from '../random.js';
import { ArgumentError, DisposedError, EmptySequenceError, NonFiniteError, ShapeError, describeValue } from '../errors.js';
import { checkArray, copyArray, nonFinite, type ArrayInput, type NdArray } from './array.js';
import type { Resolved } from './options.js';

// The safety net: a module that becomes unreachable without dispose() frees its ledger.
// The held value (the ledger) never references the module, so the module can be collected.
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Ledger>((ledger) => ledger.releaseAll()) : undefined;

export interface ForwardOptions {
  /**
   * Valid steps per sequence (B integers in [1, T]), as PyTorch's packed sequences:
   * outputs are zero past a sequence's length, final states are those after its last
   * valid step, the reverse direction reads its valid steps backwards. Default: all T.
   */
  lengths?: ArrayLike<number>;
  /** Initial hidden states [L·D, B, H] (zeros when absent). */
  h0?: ArrayInput;
  /** LSTM only: initial cell states [L·D, B, H] (zeros when absent). */
  c0?: ArrayInput;
  /** Dropout between layers, and what backward() needs is kept (default false: inference). */
  training?: boolean;
}

export interface ForwardResult {
  /** Every step's output, shape [T, B, D·H] ([B, T, D·H] with batchFirst), zero at padded steps. */
  output: NdArray;
  /** Every layer's and direction's final hidden state, shape [L·D, B, H]. */
  hn: NdArray;
  /** LSTM only: [L·D, B, H] final cell states. */
  cn?: NdArray;
}

export interface BackwardInput {
  /** Gradient of the loss with respect to `output` (shape as output); absent: zero. */
  dOutput?: ArrayInput;
  /** Gradient with respect to `hn` [L·D, B, H]; absent: zero. */
  dhn?: ArrayInput;
  /** LSTM only: gradient with respect to `cn` [L·D, B, H]; absent: zero. */
  dcn?: ArrayInput;
}

export interface BackwardResult {
  /** Gradient with respect to x (shape as x). */
  dx: NdArray;
  /** Gradient with respect to h0 [L·D, B, H] (zeros as h0 when none was given). */
  dh0: NdArray;
  /** LSTM only: gradient with respect to c0 [L·D, B, H]. */
  dc0?: NdArray;
}

/** What loadStateDict(dict, { strict: false }) did not match, as PyTorch's load_state_dict returns. */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** What a training forward leaves for backward(). */
interface Saved {
  T: number;
  B: number;
}

type Slot = 'x' | 'lengths' | 'h0' | 'c0' | 'dOutput' | 'dhn' | 'dcn' | 'dh0' | 'dc0';

export class RecurrentModule {
  readonly cell: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** LSTM with projections (proj_size): h has projSize features; 0 without. */
  readonly projSize: number;
  /** Features per step of the output: D·H (D·projSize with projections). */
  readonly outputSize: number;
  /** The runtime the module runs in (shared with other models). */
  readonly rt: Runtime;

  private readonly owned: Runtime;
  private readonly ledger: Ledger;
  private readonly table = new ParameterTable();
  private readonly core!: Recurrent;
  private readonly params!: Region;
  private readonly grads!: Region;
  private readonly slots = new Map<Slot, Region>();
  private readonly rng: Rng;
  private packedDirty = true;
  private disposed = false;
  private saved?: Saved;

  /** @internal Built by nn.lstm / nn.gru / nn.rnn. */
  constructor(rt: Runtime, options: Resolved) {
    requireRuntime(rt);
    this.rt = rt.root;
    const o = options;
    this.cell = o.cell;
    this.inputSize = o.inputSize;
    this.hiddenSize = o.hiddenSize;
    this.numLayers = o.numLayers;
    this.bidirectional = o.bidirectional;
    this.batchFirst = o.batchFirst;
    this.dropout = o.dropout;
    this.projSize = o.core.projSize ?? 0;
    this.outputSize = (o.bidirectional ? 2 : 1) * (this.projSize || o.hiddenSize);
    this.rng = new Rng(o.seed);
    const { cell: type, inputSize: _i, ...spec } = o.core;
    requireMemory(this.rt, modelFootprint([{ ...spec, type }],
      { seq: true, features: o.inputSize }), `nn.${o.cell}`);
    ({ rt: this.owned, ledger: this.ledger } = this.rt.owned());
    finalizer?.register(this, this.ledger, this);
    try {
      this.core = new Recurrent(this.owned, o.core, this.table, '');
      this.params = this.owned.planner.alloc(this.table.total);
      this.grads = this.owned.planner.alloc(this.table.total);
      this.core.initialise(this.params.f32(), this.rng);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    let n = 0;
    for (const e of this.table.entries) n += e.size;
    return n;
  }

  /** The parameters' state_dict names, in PyTorch's order. */
  get parameterNames(): string[] {
    return this.table.entries.map((e) => e.name);
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Runs the stack over x: [T, B, inputSize] ([B, T, inputSize] with batchFirst).
   * Returns copies the caller owns. A training forward keeps what backward() needs.
   */
  forward(x: ArrayInput, options: ForwardOptions = {}): ForwardResult {
    this.checkAlive();
    knownKeys(options, ['lengths', 'h0', 'c0', 'training'], 'forward options');
    const I = this.inputSize, H = this.hiddenSize, W = this.stateWidth, F = this.outputSize, bf = this.batchFirst;
    const xa = checkArray(x, 'x', bf ? ['B', 'T', 'I'] : ['T', 'B', 'I'], [undefined, undefined, I]);
    // h (and its gradients) has W = projSize || H features; c has H.
    const T = xa.shape[bf ? 1 : 0], B = xa.shape[bf ? 0 : 1], LD = this.numLayers * this.directions, S = LD * B * H, Sh = LD * B * W;
    const training = options.training ?? false;
    if (typeof training !== 'boolean') throw new ArgumentError(`training must be true or false, got ${describeValue(training)}`);
    if (training) this.rt.requireTraining('a training forward');
    const lengths = this.checkLengths(options.lengths, T, B);
    const h0 = options.h0 === undefined ? undefined : this.stateArray(options.h0, 'h0', B, W);
    if (options.c0 !== undefined && this.cell !== 'lstm') throw new ArgumentError(`c0 is an LSTM's initial cell state; this is an nn.${this.cell}, which has no cell state`);
    const c0 = options.c0 === undefined ? undefined : this.stateArray(options.c0, 'c0', B, H);
    this.saved = undefined;

    const X = this.put('x', xa.data, 'x', T, B, I, bf);
    const Lg = this.slot('lengths', B);
    Lg.i32().set(lengths);
    const H0 = h0 && this.put('h0', h0, 'h0', 1, 1, Sh, false);
    const C0 = c0 && this.put('c0', c0, 'c0', 1, 1, S, false);
    this.pack();
    const r = this.core.forward(T, B, X.ptr, Lg.ptr, H0?.ptr ?? 0, C0?.ptr ?? 0, training, this.rng, this.params);
    const result: ForwardResult = {
      output: { data: this.take(r.output, T, B, F, bf), shape: bf ? [B, T, F] : [T, B, F] },
      hn: { data: this.take(r.hn, 1, 1, Sh, false), shape: [LD, B, W] },
    };
    if (this.cell === 'lstm') result.cn = { data: this.take(r.cn, 1, 1, S, false), shape: [LD, B, H] };
    if (training) this.saved = { T, B };
    return result;
  }

  /**
   * Backward through the last training forward, from the gradients of its outputs
   * (any of them may be absent: zero). Adds the parameter gradients to gradients()
   * (as PyTorch accumulates .grad) and returns the input and initial-state gradients.
   * One backward per training forward, as PyTorch frees the graph.
   */
  backward(grads: BackwardInput): BackwardResult {
    this.checkAlive();
    this.rt.requireTraining('backward()');
    if (grads === null || typeof grads !== 'object') throw new ArgumentError(`backward takes { dOutput, dhn, dcn }, got ${describeValue(grads)}`);
    knownKeys(grads, ['dOutput', 'dhn', 'dcn'], 'backward gradients');
    const s = this.saved;
    if (!s) throw new ArgumentError('backward() needs a preceding forward(x, { training: true }) (an inference forward keeps nothing, and each training forward allows one backward)');
    const { T, B } = s;
    const I = this.inputSize, H = this.hiddenSize, W = this.stateWidth, F = this.outputSize, bf = this.batchFirst, L = this.numLayers * this.directions;
    const S = L * B * H, Sh = L * B * W;
    const dOut = grads.dOutput === undefined ? undefined
      : checkArray(grads.dOutput, 'dOutput', bf ? ['B', 'T', 'D·H'] : ['T', 'B', 'D·H'], bf ? [B, T, F] : [T, B, F]).data;
    const dhn = grads.dhn === undefined ? undefined : this.stateArray(grads.dhn, 'dhn', B, W);
    if (grads.dcn !== undefined && this.cell !== 'lstm') throw new ArgumentError(`dcn is the gradient of an LSTM's final cell state; this is an nn.${this.cell}, which has none`);
    const dcn = grads.dcn === undefined ? undefined : this.stateArray(grads.dcn, 'dcn', B, H);

    const DO = dOut && this.put('dOutput', dOut, 'dOutput', T, B, F, bf);
    const DHN = dhn && this.put('dhn', dhn, 'dhn', 1, 1, Sh, false);
    const DCN = dcn && this.put('dcn', dcn, 'dcn', 1, 1, S, false);
    const DH0 = this.slot('dh0', Sh), DC0 = this.cell === 'lstm' ? this.slot('dc0', S) : undefined;
    this.saved = undefined;
    const dx = this.core.backward(DO?.ptr ?? 0, DHN?.ptr ?? 0, DCN?.ptr ?? 0, this.grads, DH0.ptr, DC0?.ptr ?? 0);
    const result: BackwardResult = {
      dx: { data: this.take(dx, T, B, I, bf), shape: bf ? [B, T, I] : [T, B, I] },
      dh0: { data: DH0.f32().slice(0, Sh), shape: [L, B, W] },
    };
    if (DC0) result.dc0 = { data: DC0.f32().slice(0, S), shape: [L, B, H] };
    return result;
  }

  /** The accumulated parameter gradients by state_dict name (copies), as each parameter's .grad. */
  gradients(): StateDict {
    this.checkAlive();
    return this.table.toStateDict(this.grads.f32());
  }

  /** Sets every parameter gradient to zero (optimizer.zero_grad()). */
  zeroGrad(): void {
    this.checkAlive();
    this.grads.f32().fill(0);
  }

  /** A copy of every parameter under its PyTorch state_dict name (weight_ih_l0, …, bias_hh_l1_reverse). */
  stateDict(): StateDict {
    this.checkAlive();
    return this.table.toStateDict(this.params.f32());
  }

  /**
   * Replaces parameters by state_dict name. strict (default, as PyTorch): every name
   * present and no other, else ShapeError listing them; strict false: the names that
   * match are loaded and the others returned. Shapes and finiteness are checked before
   * anything changes. A pending backward is dropped (its forward used the old weights).
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    this.checkAlive();
    if (dict === null || typeof dict !== 'object') throw new ArgumentError(`loadStateDict takes { name: { data, shape } }, got ${describeValue(dict)}`);
    knownKeys(options, ['strict'], 'loadStateDict options');
    const strict = options.strict ?? true;
    if (typeof strict !== 'boolean') throw new ArgumentError(`strict must be true or false, got ${describeValue(strict)}`);
    const names = this.parameterNames;
    const missingKeys = names.filter((n) => !Object.hasOwn(dict, n));
    const unexpectedKeys = Object.keys(dict).filter((n) => !names.includes(n));
    // Staged in wasm memory so one SIMD pass checks finiteness before anything changes.
    const stage = this.owned.planner.alloc(this.table.total);
    try {
      const s = stage.f32();
      if (strict) {
        this.table.loadStateDict(s, dict);
      } else {
        s.set(this.params.f32());
        for (const e of this.table.entries) {
          if (!Object.hasOwn(dict, e.name)) continue;
          const t = checkArray(dict[e.name], `'${e.name}'`, e.shape.map((_, i) => `d${i}`), e.shape);
          s.set(t.data, e.offset);
        }
      }
      if (this.rt.kernels.hasNonFinite(stage.ptr, this.table.total)) throw this.table.nonFiniteError(stage.f32());
      this.params.f32().set(stage.f32());
    } finally {
      this.owned.planner.release(stage);
    }
    this.packedDirty = true;
    this.saved = undefined;
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
  }

  /**
   * Frees the module's memory (parameters, gradients, packed weights, workspaces); any
   * further use throws DisposedError. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.saved = undefined;
    this.slots.clear();
    this.ledger.releaseAll();
    finalizer?.unregister(this);
  }

  /** `using lstm = nn.lstm(…)` disposes the module at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  private get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  private checkAlive(): void {
    if (this.disposed) throw new DisposedError(`this nn.${this.cell} module was disposed: its memory has been released`);
  }

  private pack(): void {
    if (!this.packedDirty) return;
    this.core.pack(this.params);
    this.packedDirty = false;
  }

  private checkLengths(v: ArrayLike<number> | undefined, T: number, B: number): Int32Array {
    if (v === undefined) return new Int32Array(B).fill(T);
    if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<number>).length !== 'number') {
      throw new ArgumentError(`lengths must be an array of ${B} integers (one per sequence), got ${describeValue(v)}`);
    }
    if (v.length !== B) throw new ShapeError(`lengths holds ${v.length} values, expected ${B} (B: one per sequence)`);
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const n = Number(v[b]);
      if (n === 0) throw new EmptySequenceError(`lengths[${b}] = 0: every sequence needs at least one step (lengths in [1, ${T}])`);
      if (!Number.isInteger(n) || n < 1 || n > T) throw new ShapeError(`lengths[${b}] = ${String(v[b])}: expected an integer in [1, ${T}] (T, the steps in x)`);
      out[b] = n;
    }
    return out;
  }

  /** Features of h: projSize for a projected LSTM, else hiddenSize. */
  private get stateWidth(): number {
    return this.projSize || this.hiddenSize;
  }

  /** A state or state gradient: [L·D, B, width] (width: h's or c's). */
  private stateArray(v: ArrayInput, what: string, B: number, width: number): ArrayLike<number> {
    return checkArray(v, what, ['L·D', 'B', width === this.hiddenSize ? 'H' : 'P'], [this.numLayers * this.directions, B, width]).data;
  }

  /** A slot of at least `floats` floats, reallocated only to grow. */
  private slot(name: Slot, floats: number): Region {
    let r = this.slots.get(name);
    if (!r || r.length < floats) {
      if (r) this.owned.planner.release(r);
      this.slots.delete(name);
      r = this.owned.planner.alloc(Math.max(floats, 1));
      this.slots.set(name, r);
    }
    return r;
  }

  /** Copies an input array [A][Bn][C] into its slot (time-major: swapped when `swap`), checking finiteness there. */
  private put(name: Slot, data: ArrayLike<number>, what: string, A: number, Bn: number, C: number, swap: boolean): Region {
    const n = A * Bn * C, r = this.slot(name, n);
    copyArray(data, r.f32(), swap ? Bn : A, swap ? A : Bn, C, swap);
    if (this.rt.kernels.hasNonFinite(r.ptr, n)) throw nonFinite(what, data) ?? new NonFiniteError(`${what} holds a NaN or an infinity: values must be finite`);
    return r;
  }

  /** A copy of [T][B][C] floats the core wrote at `ptr` (batch-first: transposed to [B][T][C]). */
  private take(ptr: number, T: number, B: number, C: number, batchFirst: boolean): Float32Array {
    // The core hands out byte pointers into its own workspace; this is the one place they are read.
    const src = this.rt.f32(ptr, T * B * C);
    if (!batchFirst) return src.slice();
    const out = new Float32Array(T * B * C);
    copyArray(src, out, T, B, C, true);
    return out;
  }
}

/** ArgumentError for a key the call does not know, with the nearest known one suggested. */
function knownKeys(o: unknown, known: readonly string[], what: string): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ArgumentError(`${what} must be an object, got ${describeValue(o)}`);
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const near = nearest(k, known);
    throw new ArgumentError(`unknown key ${JSON.stringify(k)} in ${what}: ${near ? `did you mean ${JSON.stringify(near)}? ` : ''}(known keys: ${known.join(', ')})`);
  }
}
