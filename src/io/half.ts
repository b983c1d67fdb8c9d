// IEEE 754 binary16 ("f16") conversions, for weights stored at half size. Writing
// rounds to nearest, ties to even (as numpy and PyTorch do); reading is exact.

/** binary16 bits → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | undefined;

/** Every binary16 value as float32, indexed by its bits (256 KB, built on first use): F16 files decode by lookup. */
export function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  return table;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds to the nearest-even integer after dropping `shift` low bits of `m`. */
function roundShift(m: number, shift: number): number {
  const kept = m >>> shift, rest = m & ((1 << shift) - 1), half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1)) ? kept + 1 : kept;
}

/** number → binary16 bits (via float32; values beyond ±65504 round to ±Infinity). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  // A carry out of the mantissa rolls correctly into the exponent (up to Infinity).
  if (e > 0) return sign | ((e << 10) + roundShift(mant, 13));
  if (e < -10) return sign; // below half the smallest subnormal: ±0
  return sign | roundShift(mant | 0x800000, 14 - e); // subnormal
}
