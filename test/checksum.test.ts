// CRC-32C against published check values (the CRC catalogue's "123456789" and the
// iSCSI vectors of RFC 3720 B.4), against a bit-at-a-time reference for every tail
// length the slicing-by-8 loop can leave, and its speed on a 10 MB buffer.
import { describe, expect, it } from 'vitest';
import { crc32c, formatCrc32c } from '../src/io/checksum.js';

/** One bit per step, straight from the definition (reflected 0x82F63B78). */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('agrees with the bitwise definition for every length and offset, and chains', () => {
    const bytes = Uint8Array.from({ length: 67 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end++) {
        const part = bytes.subarray(start, end);
        expect(crc32c(part)).toBe(crc32cBitwise(part));
      }
    }
    for (let cut = 0; cut <= bytes.length; cut++) expect(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut)))).toBe(crc32cBitwise(bytes));
  });

  it('formats a digest as crc32c: and 8 hex digits', () => {
    expect(formatCrc32c(0xe3069283)).toBe('crc32c:e3069283');
    expect(formatCrc32c(0x1f)).toBe('crc32c:0000001f');
  });

  it('checks 10 MB in well under 50 ms', () => {
    const big = new Uint8Array(10_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    crc32c(big); // warm up the JIT
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      crc32c(big);
      best = Math.min(best, performance.now() - t0);
    }
    console.log(`crc32c: 10 MB in ${best.toFixed(1)} ms`);
    expect(best).toBeLessThan(50);
  });
});
