// Lays out regions (params, grads, optimizer state, workspaces) in the module's one
// linear memory. Regions are 64-byte aligned (a cache line; v128 needs 16), freed
// space is reused first-fit, and memory grows only when no free block is big enough.
// Growing detaches every existing ArrayBuffer view, so views are only ever handed
// out by Region accessors that re-create them when memory.buffer has changed.

const ALIGN = 64;
const PAGE = 65536;

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export class Region {
  private f32View?: Float32Array;
  private i32View?: Int32Array;

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
    const buf = this.memory.buffer;
    if (!this.f32View || this.f32View.buffer !== buf) this.f32View = new Float32Array(buf, this.ptr, this.length);
    return this.f32View;
  }

  i32(): Int32Array {
    const buf = this.memory.buffer;
    if (!this.i32View || this.i32View.buffer !== buf) this.i32View = new Int32Array(buf, this.ptr, this.length);
    return this.i32View;
  }

  /** Byte offset of element i (for pointers into the middle of a region). */
  at(i: number): number {
    return this.ptr + i * 4;
  }
}

interface FreeBlock {
  ptr: number;
  bytes: number;
}

export class MemoryPlanner {
  private top: number;
  private readonly free: FreeBlock[] = [];

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = alignUp(base);
  }

  /** Bytes currently reserved below the top of the heap (for reporting). */
  get highWater(): number {
    return this.top;
  }

  /** A zero-filled region of `floats` 4-byte elements. */
  alloc(floats: number): Region {
    if (!Number.isInteger(floats) || floats < 0) throw new RangeError(`alloc: element count must be a non-negative integer, got ${floats}`);
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
    return new Region(this.memory, ptr, floats * 4);
  }

  /** Returns a region's space for reuse; the region must not be used afterwards. */
  release(region: Region): void {
    const bytes = alignUp(Math.max(region.byteLength, ALIGN));
    const end = region.ptr + bytes;
    if (end > this.top || this.free.some((b) => region.ptr < b.ptr + b.bytes && b.ptr < end)) {
      throw new RangeError(`release: the region at ${region.ptr} (${bytes} bytes) is not allocated (released twice?)`);
    }
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

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow geometrically so a run of slightly larger batches does not grow every time.
    const want = Math.max(end, Math.min(have * 2, have + 256 * 1024 * 1024));
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }
}
