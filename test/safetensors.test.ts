// The safetensors reader and writer: round trips, dtype conversion against values
// worked out by hand, and every kind of damaged file giving a WeightFileError: byte
// ranges that do not tile the data region, repeated keys, odd dtypes, a checksum
// that does not match (issue 11, defect 1, with its reproducers on real model files).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import {
  readSafetensors, writeSafetensors, WeightFileError, ArgumentError, Sequential, layers, optim, saveModel, loadModel, saveCheckpoint, loadCheckpoint,
} from '../src/index.js';
import { runtime } from './helpers/wasm.js';

/** Builds a file byte by byte (independently of the writer under test). */
function build(header: object, data: Uint8Array, headerLength?: number): Uint8Array {
  return buildRaw(JSON.stringify(header), data, headerLength);
}

function buildRaw(headerText: string, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(headerText);
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

  it('refuses to write data that is not a Float32Array, or names the format reserves, with typed errors', () => {
    expect(() => writeSafetensors({ w: { shape: [2], data: [1, 2] as unknown as Float32Array } })).toThrow(ArgumentError);
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
    expect(() => writeSafetensors({}, { a: 1 as unknown as string })).toThrow(/metadata 'a' must be a string/);
  });

  const strict: [string, () => Uint8Array, RegExp][] = [
    ['a gap between two tensors', () => build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)), /bytes 4\.\.8 of the data belong to no tensor \(between 'a' and 'b'\)/],
    ['data before the first tensor', () => build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /bytes 0\.\.4 of the data belong to no tensor \(before 'a'\)/],
    ['trailing bytes after the last tensor', () => build(good, new Uint8Array(9)), /9 bytes but the tensors end at 8: 1 bytes belong to no tensor/],
    ['data but no tensors', () => build({}, new Uint8Array(4)), /4 bytes but the tensors end at 0/],
    ['overlapping tensors', () => build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), /'b' \(data_offsets \[4, 12\]\) overlaps 'a'/],
    ['two tensors on the same bytes', () => build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /overlaps/],
    ['a repeated tensor name', () => buildRaw('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), /the key "w" twice; expected every key once/],
    ['a repeated key inside an entry', () => buildRaw('{"w":{"dtype":"F32","shape":[2],"dtype":"F16","data_offsets":[0,4]}}', new Uint8Array(4)), /the key "dtype" twice in "w"/],
    ['a repeated metadata key', () => buildRaw('{"__metadata__":{"a":"1","a":"2"}}', new Uint8Array(0)), /the key "a" twice in "__metadata__"/],
    ['a repeated key spelled with an escape', () => buildRaw('{"__metadata__":{"ab":"1","a\\u0062":"2"}}', new Uint8Array(0)), /the key "ab" twice/],
    ['dtype "__proto__"', () => build({ w: { dtype: '__proto__', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype "__proto__"; supported: F64/],
    ['dtype "toString"', () => build({ w: { dtype: 'toString', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype "toString"; supported: F64/],
    ['dtype "constructor"', () => build({ w: { dtype: 'constructor', shape: [], data_offsets: [0, 0] } }, new Uint8Array(0)), /dtype "constructor"; supported/],
    ['a shape whose element count passes 2^53', () => build({ w: { dtype: 'F32', shape: [2 ** 26, 2 ** 26, 2 ** 26], data_offsets: [0, 8] } }, new Uint8Array(8)), /too many elements/],
    ['a fractional dimension', () => build({ w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 10] } }, new Uint8Array(10)), /non-negative integers/],
    ['a tensor named __proto__', () => buildRaw('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /'__proto__' is not allowed as a tensor name/],
    ['__metadata__ that is an array', () => build({ __metadata__: ['x'] }, new Uint8Array(0)), /__metadata__ must be an object of strings/],
    ['an unknown field in an entry', () => build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], offset: 3 } }, new Uint8Array(8)), /unknown field "offset"/],
    ['an unknown checksum algorithm', () => build({ __metadata__: { 'rnn-wasm.checksum': 'md5:00000000' }, ...good }, new Uint8Array(8)), /unknown checksum algorithm "md5"/],
    ['a damaged checksum key (which would turn the check off)', () => build({ __metadata__: { 'rnn-wasm.chec\u00ebsum': 'crc32c:00000000' }, ...good }, new Uint8Array(8)), /"rnn-wasm.chec\u00ebsum" looks like a damaged "rnn-wasm.checksum"/],
    ['a malformed checksum', () => build({ __metadata__: { 'rnn-wasm.checksum': 'crc32c:E3069283' }, ...good }, new Uint8Array(8)), /8 lowercase hex digits/],
  ];
  for (const [name, make, msg] of strict) {
    it(`rejects a file with ${name}`, () => {
      const bytes = make();
      expect(() => readSafetensors(bytes)).toThrow(WeightFileError);
      expect(() => readSafetensors(bytes)).toThrow(msg);
    });
  }

  it('accepts zero-sized tensors anywhere in the tiling', () => {
    const r = readSafetensors(build({ e: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, z: { dtype: 'F16', shape: [3, 0], data_offsets: [4, 4] } }, new Uint8Array(4)));
    expect(Object.keys(r.tensors).sort()).toEqual(['a', 'e', 'z']);
  });

  it('stores a CRC-32C of the canonical header and the data after the other metadata, and does not return it', () => {
    const bytes = writeSafetensors({ w: { shape: [2], data: Float32Array.from([1, -2]) } }, { b: 'x', a: 'y' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(Object.keys(header.__metadata__)).toEqual(['b', 'a', 'rnn-wasm.checksum']);
    // Worked out here: names, dtypes, shapes, offsets and metadata sorted by name, then the data.
    const canonical = '{"tensors":[["w","F32",[2],0,8]],"metadata":[["a","y"],["b","x"]]}';
    const data = new Uint8Array(new Float32Array([1, -2]).buffer);
    const all = new Uint8Array([...new TextEncoder().encode(canonical), ...data]);
    let c = 0xffffffff;
    for (const b of all) { c ^= b; for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; }
    expect(header.__metadata__['rnn-wasm.checksum']).toBe(`crc32c:${((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0')}`);
    expect(readSafetensors(bytes).metadata).toEqual({ b: 'x', a: 'y' });
  });

  it('refuses a flipped data byte, naming both digests', () => {
    const bytes = writeSafetensors({ w: { shape: [2], data: Float32Array.from([1, -2]) } });
    bytes[bytes.length - 1] ^= 0x01;
    expect(() => readSafetensors(bytes)).toThrow(WeightFileError);
    expect(() => readSafetensors(bytes)).toThrow(/checksum mismatch: the file says crc32c:[0-9a-f]{8}, its contents give crc32c:[0-9a-f]{8}/);
  });

  it('loads every PyTorch fixture (exactly tiled, no checksum)', () => {
    const dir = new URL('./fixtures/pytorch/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const r = readSafetensors(new Uint8Array(readFileSync(new URL(f, dir))));
      expect(Object.keys(r.tensors).length).toBeGreaterThan(0);
    }
  });
});

describe('damaged rnn-wasm model files (issue 11, defect 1)', () => {
  const rt = runtime();
  // vocabSize = 4 · hiddenSize, so embedding.weight and lstm.weight_ih_l0 have the same byte size.
  const make = () => new Sequential(rt, [layers.embedding({ vocabSize: 16, dim: 3 }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 3 })], { seed: 5 });

  /** The header as an object, and the file rebuilt from an edited header with the same data region. */
  function headerOf(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
  }
  function edited(bytes: Uint8Array, edit: (h: Record<string, any>) => void, keepChecksum = false): Uint8Array {
    const { header, data } = headerOf(bytes);
    if (!keepChecksum) delete header.__metadata__['rnn-wasm.checksum']; // as from a writer without one
    edit(header);
    let text = JSON.stringify(header);
    text += ' '.repeat(8 - (text.length % 8)); // 1–8 spaces: always some padding
    return buildRaw(text, data);
  }

  it('refuses a header length one short (every tensor read one byte off)', () => {
    const m = make();
    const bytes = edited(saveModel(m), () => {}); // padded with spaces, as the writer does
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(bytes[8 + n - 1]).toBe(0x20);
    const off = bytes.slice();
    new DataView(off.buffer).setBigUint64(0, BigInt(n - 1), true);
    expect(() => loadModel(rt, off)).toThrow(WeightFileError);
    expect(() => loadModel(rt, off)).toThrow(/1 bytes belong to no tensor \(a wrong header length/);
    const withChecksum = saveModel(m).slice();
    new DataView(withChecksum.buffer).setBigUint64(0, BigInt(Number(new DataView(withChecksum.buffer).getBigUint64(0, true)) - 1), true);
    expect(() => loadModel(rt, withChecksum)).toThrow(WeightFileError);
    m.dispose();
  });

  it("refuses lstm.weight_ih_l0 pointed at embedding.weight's bytes", () => {
    const m = make();
    const bytes = edited(saveModel(m), (h) => { h['lstm.weight_ih_l0'].data_offsets = [...h['embedding.weight'].data_offsets]; });
    expect(() => loadModel(rt, bytes)).toThrow(WeightFileError);
    expect(() => loadModel(rt, bytes)).toThrow(/overlaps/);
    m.dispose();
  });

  it('refuses two same-sized tensors with swapped offsets, and a changed config value, by the checksum', () => {
    const m = make();
    const swapped = edited(saveModel(m), (h) => {
      const a = h['lstm.bias_ih_l0'].data_offsets;
      h['lstm.bias_ih_l0'].data_offsets = h['lstm.bias_hh_l0'].data_offsets;
      h['lstm.bias_hh_l0'].data_offsets = a;
    }, true);
    expect(() => loadModel(rt, swapped)).toThrow(/checksum mismatch/);
    const reseeded = edited(saveModel(m), (h) => {
      const cfg = JSON.parse(h.__metadata__['rnn-wasm.config']);
      cfg.options.seed = 6;
      h.__metadata__['rnn-wasm.config'] = JSON.stringify(cfg);
    }, true);
    expect(() => loadModel(rt, reseeded)).toThrow(/checksum mismatch/);
    m.dispose();
  });

  it('checks F16 model files and checkpoints too; a checkpoint with a changed training value is refused', () => {
    const m = make();
    const f16 = saveModel(m, { dtype: 'F16' });
    expect(headerOf(f16).header.__metadata__['rnn-wasm.checksum']).toMatch(/^crc32c:[0-9a-f]{8}$/);
    const flipped = f16.slice();
    flipped[flipped.length - 3] ^= 0x40;
    expect(() => loadModel(rt, flipped)).toThrow(/checksum mismatch/);
    const opt = optim.adam({ lr: 0.01 });
    m.trainStep({ inputs: [[1, 2, 3]], targets: [[0, 1, 2]] }, opt);
    const ckpt = saveCheckpoint(m, opt, { epoch: 1, stepInEpoch: 0, globalStep: 1, history: [] });
    const lr = edited(ckpt, (h) => {
      const t = JSON.parse(h.__metadata__['rnn-wasm.training']);
      t.lr = 0.02;
      h.__metadata__['rnn-wasm.training'] = JSON.stringify(t);
    }, true);
    expect(() => loadCheckpoint(rt, lr)).toThrow(WeightFileError);
    expect(() => loadCheckpoint(rt, lr)).toThrow(/checksum mismatch/);
    const ok = loadCheckpoint(rt, ckpt);
    expect(ok.optimizer.lr).toBe(0.01);
    ok.model.dispose();
    ok.optimizer.dispose();
    opt.dispose();
    m.dispose();
  });
});
