// Typed arrays carved one after another from one reusable ArrayBuffer. Fresh large
// typed arrays cost a page fault per 4 KB on first touch (measured: ≈ 13 ms for the
// 4 MB of a W4 batch's two shares on this VM, against 0.1 ms to copy into warm
// memory), so per-step copies go into an arena that is reset, not reallocated.
export class Arena {
  private buf = new ArrayBuffer(0);
  private at = 0;

  /** Makes every earlier array invalid for reuse; call once per step. */
  reset(): void {
    this.at = 0;
  }

  i32(n: number): Int32Array {
    const at = this.take(n);
    return new Int32Array(this.buf, at, n);
  }

  f32(n: number): Float32Array {
    const at = this.take(n);
    return new Float32Array(this.buf, at, n);
  }

  /** Byte offset of n more 4-byte elements; a larger buffer when they do not fit (earlier arrays keep the old one). */
  private take(n: number): number {
    if (this.at + n * 4 > this.buf.byteLength) {
      this.buf = new ArrayBuffer(Math.max(n * 4, Math.ceil(this.buf.byteLength * 1.5)));
      this.at = 0;
    }
    const at = this.at;
    this.at += n * 4;
    return at;
  }
}
