import type { Kernels } from './kernels.js';
import { MemoryPlanner } from './memory-planner.js';

/** An instantiated kernel module with its memory planner. Models share one runtime. */
export class Runtime {
  readonly kernels: Kernels;
  readonly planner: MemoryPlanner;

  constructor(instance: WebAssembly.Instance) {
    this.kernels = instance.exports as unknown as Kernels;
    this.planner = new MemoryPlanner(this.kernels.memory, this.kernels.heapBase());
    this.warmUp();
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
