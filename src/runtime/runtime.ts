import type { Kernels } from './kernels.js';
import { FORWARD_KERNELS, KERNEL_ARITY } from './kernels.generated.js';
import { MemoryPlanner, type Planner } from './memory-planner.js';
import { Ledger } from './ledger.js';
import { InferenceOnlyError, WasmLoadError } from '../errors.js';

const TO_TRAIN = "load the runtime with loadRuntime from 'rnn-wasm' (or 'rnn-wasm/node'), or pass it the full module, rnn-wasm/wasm/rnn-simd.wasm";

/** An instantiated kernel module with its memory planner. Models share one runtime. */
export class Runtime {
  readonly kernels: Kernels;
  /** Hands out regions of linear memory; in an owner's view (owned()), records them in its Ledger. */
  readonly planner: Planner;
  /**
   * The kernels this runtime's module leaves out: none for the full module; the
   * backward and optimizer kernels for the forward-only one (rnn-wasm/inference), which
   * predicts but cannot train.
   */
  readonly missingKernels: readonly string[];

  /**
   * Takes an instance of the full module or of the forward-only one; anything lacking a
   * forward kernel is refused with WasmLoadError. Each kernel the module leaves out is a
   * function that throws InferenceOnlyError, so no call reaches `undefined`.
   */
  constructor(instance: WebAssembly.Instance) {
    const exports = instance.exports as Record<string, unknown>;
    const missing = Object.keys(KERNEL_ARITY).filter((n) => typeof exports[n] !== 'function');
    const lacking = FORWARD_KERNELS.filter((n) => missing.includes(n));
    if (lacking.length || !(exports.memory instanceof WebAssembly.Memory)) {
      const absent = [...lacking, ...(exports.memory instanceof WebAssembly.Memory ? [] : ['memory'])];
      throw new WasmLoadError(`could not instantiate the rnn-wasm kernel module: this WebAssembly module does not export ${absent.join(', ')}; pass rnn-wasm/wasm/rnn-simd.wasm or rnn-simd-forward.wasm of the same release`);
    }
    this.missingKernels = missing;
    const refuse = (name: string) => () => {
      throw new InferenceOnlyError([name], `the kernel ${name} is not in this runtime's forward-only module (it predicts, streams and generates, but cannot train): ${TO_TRAIN}`);
    };
    this.kernels = (missing.length ? { ...exports, ...Object.fromEntries(missing.map((n) => [n, refuse(n)])) } : exports) as unknown as Kernels;
    this.planner = new MemoryPlanner(this.kernels.memory, this.kernels.heapBase());
    this.warmUp();
  }

  /** True when this runtime's module is the forward-only one (missingKernels is not empty). */
  get forwardOnly(): boolean {
    return this.missingKernels.length > 0;
  }

  /**
   * Throws InferenceOnlyError, naming `what` and the missing kernels, when this
   * runtime cannot train; called before a training call changes anything.
   */
  requireTraining(what: string): void {
    if (!this.forwardOnly) return;
    throw new InferenceOnlyError(this.missingKernels, `${what} needs the backward and optimizer kernels (${this.missingKernels.join(', ')}), which this runtime's forward-only module leaves out (rnn-wasm/inference predicts, streams and generates, but cannot train): ${TO_TRAIN}`);
  }

  /**
   * A view of this runtime whose planner records every allocation in a new Ledger, so
   * its owner (a model) can free everything it and its parts allocated in one call.
   */
  owned(): { rt: Runtime; ledger: Ledger } {
    const root = this.root;
    const ledger = new Ledger(root.planner);
    const rt = Object.create(root, { planner: { value: ledger }, root: { value: root } }) as Runtime;
    return { rt, ledger };
  }

  /** The runtime an owned() view was made from (itself for a runtime from loadRuntime). */
  get root(): Runtime {
    return this;
  }

  /**
   * A view of `length` f32 values at byte pointer `ptr`: the one way src/ looks into
   * linear memory outside a Region. Valid until the next call that may grow memory
   * (growth detaches it): take it, use it, never keep it across a kernel call that allocates.
   */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /** As f32, for i32 values (token ids, lengths, targets). */
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  get memory(): WebAssembly.Memory {
    return this.kernels.memory;
  }

  /**
   * The most wasm memory this runtime's models may use together, in bytes (default
   * 4 GiB, all wasm32 can address). Configs that need more are refused with
   * MemoryLimitError before anything is allocated; allocations past it throw
   * OutOfMemoryError.
   */
  get memoryLimit(): number {
    return this.planner.limit;
  }

  set memoryLimit(bytes: number) {
    this.planner.limit = bytes;
  }

  /**
   * V8 runs the first calls of a wasm function on its baseline compiler (3–12 GFLOP/s
   * for GEMM); a few small calls at load bring the optimized code in before real work.
   */
  private warmUp(): void {
    const k = this.kernels;
    const M = 4, N = 16, K = 16;
    const a = this.planner.alloc(M * K), b = this.planner.alloc(k.packedSize(K, N)), c = this.planner.alloc(M * N);
    for (let i = 0; i < 16; i++) {
      k.gemmPacked(M, N, K, a.ptr, K, 1, b.ptr, c.ptr, N, 0);
      k.tanhArray(c.ptr, c.ptr, M * N);
    }
    this.planner.release(c);
    this.planner.release(b);
    this.planner.release(a);
  }
}
