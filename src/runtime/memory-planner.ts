// Lays out regions (params, grads, optimizer state, workspaces) in the module's one
// linear memory. Regions are 64-byte aligned (a cache line; v128 needs 16), freed
// space is reused first-fit, and memory grows only when no free block is big enough.
// Growing detaches every existing ArrayBuffer view, so views are only ever handed
// out by Region accessors that re-create them when memory.buffer has changed.
// An allocation either succeeds whole or throws OutOfMemoryError having changed
// nothing (the engine refused to grow, or the runtime's limit would be passed).
import { ConfigError, DisposedError, OutOfMemoryError } from '../errors.js';

const ALIGN = 64;
const PAGE = 65536;
/** wasm32 addresses at most 65536 pages. */
export const MAX_WASM_BYTES = 65536 * PAGE;

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** What hands out and takes back regions: the planner itself, or a Ledger over it. */
export interface Allocator {
  alloc(floats: number): Region;
  release(region: Region): void;
}

/** An Allocator that also reports on the whole memory (what `rt.planner` is). */
export interface Planner extends Allocator {
  /** The most linear memory all regions together may use, in bytes. */
  limit: number;
  /** Bytes still allocatable under the limit. */
  readonly available: number;
  /** Bytes in use by live regions (all owners). */
  readonly inUse: number;
  /** Top of the heap in bytes. */
  readonly highWater: number;
}

export class Region {
  private f32View?: Float32Array;
  private i32View?: Int32Array;
  /** Set when the region's space is given back; every view request then throws. */
  released = false;
  /** Who allocated it (and so who releases it): the planner or a Ledger. */
  allocator?: Allocator;

  constructor(
    private readonly memory: WebAssembly.Memory,
    /** Byte offset in linear memory (what kernels take as a pointer). */
    readonly ptr: number,
    readonly byteLength: number,
  ) {}

  /** Number of 4-byte elements. */
  get length(): number {
    return this.byteLength >> 2;
  }

  /** A view valid until the next call that may grow memory; do not keep it across one. */
  f32(): Float32Array {
    if (this.released) throw released();
    const buf = this.memory.buffer;
    if (!this.f32View || this.f32View.buffer !== buf) this.f32View = new Float32Array(buf, this.ptr, this.length);
    return this.f32View;
  }

  i32(): Int32Array {
    if (this.released) throw released();
    const buf = this.memory.buffer;
    if (!this.i32View || this.i32View.buffer !== buf) this.i32View = new Int32Array(buf, this.ptr, this.length);
    return this.i32View;
  }

  /** Byte offset of element i (for pointers into the middle of a region). */
  at(i: number): number {
    return this.ptr + i * 4;
  }
}

function released(): DisposedError {
  return new DisposedError('this memory was released: the model, optimizer or stream that owned it was disposed');
}

interface FreeBlock {
  ptr: number;
  bytes: number;
}

export class MemoryPlanner implements Planner {
  private top: number;
  private readonly free: FreeBlock[] = [];
  private limitBytes = MAX_WASM_BYTES;

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = alignUp(base);
  }

  /** Bytes currently reserved below the top of the heap (for reporting). */
  get highWater(): number {
    return this.top;
  }

  /** The most linear memory this planner may use, in bytes (default: all wasm32 can address, 4 GiB). */
  get limit(): number {
    return this.limitBytes;
  }

  set limit(bytes: number) {
    if (!Number.isSafeInteger(bytes) || bytes < PAGE || bytes > MAX_WASM_BYTES) {
      throw new ConfigError(`memoryLimit = ${String(bytes)} is invalid: expected an integer number of bytes in [${PAGE}, ${MAX_WASM_BYTES}]`);
    }
    this.limitBytes = bytes;
  }

  /** Bytes still allocatable under the limit (free blocks plus room above the top; fragmentation aside). */
  get available(): number {
    let free = 0;
    for (const b of this.free) free += b.bytes;
    return Math.max(0, this.limitBytes - this.top) + free;
  }

  /** Bytes in use by live regions. */
  get inUse(): number {
    let free = 0;
    for (const b of this.free) free += b.bytes;
    return this.top - free;
  }

  /** A zero-filled region of `floats` 4-byte elements; OutOfMemoryError (nothing changed) when it cannot be had. */
  alloc(floats: number): Region {
    if (!Number.isSafeInteger(floats) || floats < 0) throw new RangeError(`alloc: element count must be a non-negative integer, got ${floats}`);
    const bytes = alignUp(Math.max(floats * 4, ALIGN));
    let ptr = -1;
    const i = this.free.findIndex((b) => b.bytes >= bytes);
    if (i >= 0) {
      const b = this.free[i];
      ptr = b.ptr;
      if (b.bytes === bytes) this.free.splice(i, 1);
      else { b.ptr += bytes; b.bytes -= bytes; }
    } else {
      ptr = this.top;
      this.ensure(ptr + bytes);
      this.top = ptr + bytes;
    }
    new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
    const region = new Region(this.memory, ptr, floats * 4);
    region.allocator = this;
    return region;
  }

  /** Returns a region's space for reuse; the region must not be used afterwards. */
  release(region: Region): void {
    if (region.released) throw new RangeError(`release: the region at ${region.ptr} was released twice`);
    const bytes = alignUp(Math.max(region.byteLength, ALIGN));
    const end = region.ptr + bytes;
    if (end > this.top || this.free.some((b) => region.ptr < b.ptr + b.bytes && b.ptr < end)) {
      throw new RangeError(`release: the region at ${region.ptr} (${bytes} bytes) is not allocated (released twice?)`);
    }
    region.released = true;
    this.free.push({ ptr: region.ptr, bytes });
    this.free.sort((a, b) => a.ptr - b.ptr);
    // Coalesce neighbours, then give a trailing block back to the top.
    for (let k = this.free.length - 1; k > 0; k--) {
      const a = this.free[k - 1], b = this.free[k];
      if (a.ptr + a.bytes === b.ptr) { a.bytes += b.bytes; this.free.splice(k, 1); }
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) { this.top = last.ptr; this.free.pop(); }
  }

  /** Makes linear memory reach `end` bytes, or throws OutOfMemoryError with nothing changed. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    const refuse = (why: string): never => {
      const requested = end - this.top;
      throw new OutOfMemoryError(requested, this.available,
        `out of wasm memory: ${mib(requested)} more needed, ${mib(this.available)} available (${why}); nothing was changed — dispose() models you no longer need, or use smaller batches`);
    };
    if (end > this.limitBytes) refuse(`the runtime's memoryLimit is ${mib(this.limitBytes)}`);
    if (end <= have) return;
    // Grow geometrically so a run of slightly larger batches does not grow every time;
    // if the engine refuses the generous size, try the exact one before giving up.
    const want = Math.min(this.limitBytes, Math.max(end, Math.min(have * 2, have + 256 * 1024 * 1024)));
    for (const target of want > end ? [want, end] : [end]) {
      try {
        this.memory.grow(Math.ceil((target - have) / PAGE));
        return;
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
      }
    }
    refuse('the engine refused to grow the memory');
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
