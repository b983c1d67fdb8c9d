// The safetensors reader and writer: round trips, dtype conversion against values
// worked out by hand, and every kind of damaged file giving a WeightFileError.
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, WeightFileError } from '../src/index.js';

/** Builds a file byte by byte (independently of the writer under test). */
function build(header: object, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32 tensors and metadata; the data starts 8-byte aligned', () => {
    const t = { a: { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) }, 'b.c_l0': { shape: [1], data: Float32Array.from([42]) }, empty: { shape: [0, 4], data: new Float32Array(0) } };
    const bytes = writeSafetensors(t, { config: '{"x":1}' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const r = readSafetensors(bytes);
    expect(r.metadata).toEqual({ config: '{"x":1}' });
    for (const [k, v] of Object.entries(t)) {
      expect(r.tensors[k].shape).toEqual(v.shape);
      expect(Array.from(r.tensors[k].data)).toEqual(Array.from(v.data));
      expect(r.tensors[k].dtype).toBe('F32');
    }
  });

  it('reads F16, BF16, F64 and I64 and converts them to float32', () => {
    const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555]; // 1, -2, 65504, 2^-24, Inf, 0.333251953125
    const bf16 = [0x3f80, 0x4049, 0xbf00]; // 1, 3.140625, -0.5
    const data = new Uint8Array(12 + 6 + 16 + 8);
    const dv = new DataView(data.buffer);
    f16.forEach((h, i) => dv.setUint16(2 * i, h, true));
    bf16.forEach((h, i) => dv.setUint16(12 + 2 * i, h, true));
    dv.setFloat64(18, Math.PI, true);
    dv.setFloat64(26, -1e-3, true);
    dv.setBigInt64(34, 123456789n, true);
    const r = readSafetensors(build({
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
      d: { dtype: 'F64', shape: [2, 1], data_offsets: [18, 34] },
      i: { dtype: 'I64', shape: [], data_offsets: [34, 42] },
    }, data));
    expect(Array.from(r.tensors.h.data)).toEqual([1, -2, 65504, 2 ** -24, Infinity, 0.333251953125]);
    expect(Array.from(r.tensors.b.data)).toEqual([1, 3.140625, -0.5]);
    expect(Array.from(r.tensors.d.data)).toEqual([Math.fround(Math.PI), Math.fround(-1e-3)]);
    expect(Array.from(r.tensors.i.data)).toEqual([123456792]); // nearest float32
  });

  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const bad: [string, () => Uint8Array, RegExp][] = [
    ['shorter than the length field', () => new Uint8Array(5), /too short/],
    ['header length past the end (truncated)', () => build(good, new Uint8Array(8), 10_000), /runs past the end/],
    ['header length over the 100 MB limit', () => build(good, new Uint8Array(8), 2 ** 40), /exceeds/],
    ['header that is not JSON', () => { const b = build(good, new Uint8Array(8)); b[8] = 0x7b; b[9] = 0x7b; return b; }, /not valid UTF-8 JSON/],
    ['header that is a JSON array', () => build([1, 2] as unknown as object, new Uint8Array(0)), /must be a JSON object/],
    ['unknown dtype', () => build({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), /dtype "F8_E4M3"/],
    ['negative dimension', () => build({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, new Uint8Array(8)), /non-negative integers/],
    ['data shorter than the offsets (truncated data)', () => build(good, new Uint8Array(4)), /truncated file/],
    ['offsets that do not match the shape', () => build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs 12 bytes/],
    ['reversed offsets', () => build({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, new Uint8Array(8)), /begin <= end/],
    ['non-string metadata', () => build({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__\.a must be a string/],
  ];
  for (const [name, make, msg] of bad) {
    it(`rejects a file with ${name}`, () => {
      const bytes = make();
      expect(() => readSafetensors(bytes)).toThrow(WeightFileError);
      expect(() => readSafetensors(bytes)).toThrow(msg);
    });
  }

  it('rejects a tensor whose data does not match its shape when writing', () => {
    expect(() => writeSafetensors({ w: { shape: [3], data: new Float32Array(2) } })).toThrow(WeightFileError);
  });
});
