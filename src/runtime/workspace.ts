// Scratch memory sized per call shape: named slices carved out of one region that
// is reallocated only when a larger shape (a longer or wider batch) needs more.
import type { Allocator, Region } from './memory-planner.js';

export class Workspace {
  private region?: Region;

  constructor(private readonly planner: Allocator) {}

  /** Byte pointers for slices of the given float counts (each 64-byte aligned). Previous pointers become invalid. */
  layout<K extends string>(sizes: Record<K, number>): Record<K, number> {
    let total = 0;
    const offs = {} as Record<K, number>;
    for (const name of Object.keys(sizes) as K[]) {
      offs[name] = total;
      total += Math.ceil(sizes[name] / 16) * 16;
    }
    if (!this.region || this.region.length < total) {
      // Forget the old region before allocating: if the allocation fails, this
      // workspace holds nothing rather than a region it has already given back.
      if (this.region) this.planner.release(this.region);
      this.region = undefined;
      this.region = this.planner.alloc(total);
    }
    const base = this.region.ptr;
    for (const name of Object.keys(offs) as K[]) offs[name] = base + offs[name] * 4;
    return offs;
  }

  release(): void {
    if (this.region) this.planner.release(this.region);
    this.region = undefined;
  }
}
