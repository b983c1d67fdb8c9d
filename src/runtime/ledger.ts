// The regions one owner holds (a model with its layers, workspaces, optimizer state and
// streams), recorded as they are allocated so that dispose(), a failed constructor or
// the garbage collector can give every one of them back in one call.
import type { Planner, Region } from './memory-planner.js';

export class Ledger implements Planner {
  private readonly held = new Set<Region>();

  constructor(private readonly planner: Planner) {}

  get limit(): number { return this.planner.limit; }
  set limit(bytes: number) { this.planner.limit = bytes; }
  get available(): number { return this.planner.available; }
  get inUse(): number { return this.planner.inUse; }
  get highWater(): number { return this.planner.highWater; }

  alloc(floats: number): Region {
    const r = this.planner.alloc(floats);
    r.allocator = this;
    this.held.add(r);
    return r;
  }

  release(region: Region): void {
    this.held.delete(region);
    this.planner.release(region);
  }

  /** Bytes held (for tests and reporting). */
  get bytes(): number {
    let n = 0;
    for (const r of this.held) n += r.byteLength;
    return n;
  }

  /** Gives back every region still held. Idempotent. */
  releaseAll(): void {
    for (const r of this.held) this.planner.release(r);
    this.held.clear();
  }
}
