// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
// then the raw little-endian tensor bytes. Reading converts F32, F16, BF16 and F64
// to Float32Array (integer dtypes to Float32Array too, exactly up to 2^24); writing
// emits F32, or F16 to halve the size of a model sent over the network.
// The reader is as strict as the format: a damaged file is a WeightFileError, never
// a trap, a hang or weights read from the wrong bytes. The tensors' byte ranges must
// tile the data region exactly (so a header length off by one, overlapping or
// swapped ranges, gaps and trailing bytes are caught), no JSON key may repeat, and
// dtypes and shapes are checked with overflow in mind. Files we write also carry a
// CRC-32C under the metadata key 'rnn-wasm.checksum', verified when present (files
// from other writers, e.g. PyTorch, have none and still load).
import { ArgumentError, WeightFileError } from '../errors.js';
import { editDistance } from '../data/edit-distance.js';
import { halfToFloat, floatToHalf, halfTable } from './half.js';
import { crc32c, formatCrc32c } from './checksum.js';
import { findDuplicateKey } from './json-keys.js';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** A tensor written as I8 (int8 model files: quantized weights). */
export interface Int8TensorData {
  shape: number[];
  data: Int8Array;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor & { dtype: string }>;
  /** The file's metadata, less 'rnn-wasm.checksum' (verified while reading). */
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers over 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Metadata key of the checksum writeSafetensors stores: 'crc32c:' and 8 hex digits. */
export const CHECKSUM_KEY = 'rnn-wasm.checksum';

const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  count: number;
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new WeightFileError('safetensors: expected the file contents as a Uint8Array');
  if (bytes.length < 8) throw new WeightFileError(`safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES) throw new WeightFileError(`safetensors: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  if (8 + n > bytes.length) throw new WeightFileError(`safetensors: header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let text: string, header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (e) {
    throw new WeightFileError(`safetensors: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw new WeightFileError('safetensors: header must be a JSON object');
  const dup = findDuplicateKey(text);
  if (dup) throw new WeightFileError(`safetensors: the header has the key ${JSON.stringify(dup.key)} twice${dup.parent === undefined ? '' : ` in ${JSON.stringify(dup.parent)}`}; expected every key once`);
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, entry] of Object.entries(header)) {
    checkName(name, 'tensor name');
    if (name === '__metadata__') {
      if (!isPlainObject(entry)) throw new WeightFileError('safetensors: __metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry)) {
        checkName(k, 'metadata key');
        if (typeof v !== 'string') throw new WeightFileError(`safetensors: __metadata__.${k} must be a string, found ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
    } else {
      entries.push(checkEntry(name, entry, data.length));
    }
  }
  checkTiling(entries, data.length);
  for (const k of Object.keys(metadata)) {
    if (k !== CHECKSUM_KEY && editDistanceAtMost(k, CHECKSUM_KEY, 3)) {
      throw new WeightFileError(`safetensors: metadata key ${JSON.stringify(k)} looks like a damaged ${JSON.stringify(CHECKSUM_KEY)}; expected that key exactly (or none)`);
    }
  }
  if (Object.hasOwn(metadata, CHECKSUM_KEY)) {
    verifyChecksum(metadata[CHECKSUM_KEY], entries, metadata, data);
    delete metadata[CHECKSUM_KEY];
  }
  const out: SafetensorsFile = { tensors: {}, metadata };
  for (const e of entries) out.tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: convert(e, data, dv, 8 + n) };
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// JSON.parse makes '__proto__' an own key, but assigning it to a result object would
// set that object's prototype instead: refuse it rather than lose or misplace it.
function checkName(name: string, what: string): void {
  if (name === '__proto__') throw new WeightFileError(`safetensors: '__proto__' is not allowed as a ${what}`);
}

function checkEntry(name: string, entry: unknown, dataBytes: number): Entry {
  if (!isPlainObject(entry)) throw new WeightFileError(`safetensors: entry '${name}' must be an object {dtype, shape, data_offsets}, found ${JSON.stringify(entry)}`);
  for (const k of Object.keys(entry)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw new WeightFileError(`safetensors: '${name}' has an unknown field ${JSON.stringify(k)}; expected dtype, shape and data_offsets`);
  }
  const dtype = entry.dtype;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw new WeightFileError(`safetensors: '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  const shape = entry.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new WeightFileError(`safetensors: '${name}' has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
  }
  const offs = entry.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
    throw new WeightFileError(`safetensors: '${name}' has data_offsets ${JSON.stringify(offs)}, expected [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offs as number[];
  if (end > dataBytes) throw new WeightFileError(`safetensors: '${name}' ends at byte ${end} of the data, but the data has only ${dataBytes} bytes (truncated file)`);
  // The product can pass 2^53 long before any real file could; past it, equality
  // with the byte span would be meaningless.
  let count = 1;
  for (const d of shape as number[]) count *= d;
  const size = DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(count * size)) throw new WeightFileError(`safetensors: '${name}' has shape ${JSON.stringify(shape)}, too many elements for any file`);
  if (end - begin !== count * size) {
    throw new WeightFileError(`safetensors: '${name}' (${dtype} [${shape}]) needs ${count * size} bytes but its data_offsets span ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end, count };
}

/** The byte ranges, sorted, must cover the data region exactly: from 0, no gaps, no overlaps, nothing after. */
function checkTiling(entries: Entry[], dataBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0, prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin > at) {
      throw new WeightFileError(`safetensors: bytes ${at}..${e.begin} of the data belong to no tensor (${prev ? `between '${prev.name}' and '${e.name}'` : `before '${e.name}'`}); expected the tensors to cover the data exactly`);
    }
    if (e.begin < at) {
      throw new WeightFileError(`safetensors: '${e.name}' (data_offsets [${e.begin}, ${e.end}]) overlaps '${prev!.name}' (which ends at ${at}); expected every byte to belong to one tensor`);
    }
    at = e.end;
    prev = e;
  }
  if (at !== dataBytes) {
    throw new WeightFileError(`safetensors: the data region has ${dataBytes} bytes but the tensors end at ${at}: ${dataBytes - at} bytes belong to no tensor (a wrong header length, or bytes appended)`);
  }
}

/**
 * CRC-32C of the header's contents in a canonical form (tensor names, dtypes, shapes
 * and offsets; metadata but the checksum), then of the data region. Covering the
 * header too catches what a data-only checksum cannot: two same-sized tensors'
 * offsets swapped, or a config value changed, with every data byte intact.
 */
function digest(entries: Entry[], metadata: Record<string, string>, data: Uint8Array): number {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const canonical = JSON.stringify({
    tensors: entries.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end]).sort((a, b) => byName(a[0] as string, b[0] as string)),
    metadata: Object.entries(metadata).filter(([k]) => k !== CHECKSUM_KEY).sort((a, b) => byName(a[0], b[0])),
  });
  return crc32c(data, crc32c(new TextEncoder().encode(canonical)));
}

// A damaged checksum key would turn verification off, and with it the check of any
// other damage in the file: a key a few edits from it is treated as damage.
function editDistanceAtMost(a: string, b: string, k: number): boolean {
  return Math.abs(a.length - b.length) <= k && editDistance(a, b) <= k; // the length test first: keys may be long
}

function verifyChecksum(stored: string, entries: Entry[], metadata: Record<string, string>, data: Uint8Array): void {
  const m = /^([^:]*):(.*)$/s.exec(stored);
  if (!m || m[1] !== 'crc32c') {
    throw new WeightFileError(`safetensors: ${CHECKSUM_KEY} is ${JSON.stringify(stored)}: unknown checksum algorithm ${JSON.stringify(m ? m[1] : stored)}, expected 'crc32c:' and 8 hex digits`);
  }
  if (!/^[0-9a-f]{8}$/.test(m[2])) throw new WeightFileError(`safetensors: ${CHECKSUM_KEY} is ${JSON.stringify(stored)}, expected 'crc32c:' and 8 lowercase hex digits`);
  const actual = formatCrc32c(digest(entries, metadata, data));
  if (actual !== stored) throw new WeightFileError(`safetensors: checksum mismatch: the file says ${stored}, its contents give ${actual} (the file is damaged)`);
}

function convert(e: Entry, data: Uint8Array, dv: DataView, base: number): Float32Array {
  const { dtype, begin, end, count } = e;
  const size = DTYPE_BYTES[dtype];
  const out = new Float32Array(count);
  const at = base + begin;
  // F32 on a little-endian machine is a byte copy (the common case, and cold-start time).
  if (dtype === 'F32' && littleEndian) new Uint8Array(out.buffer).set(data.subarray(begin, end));
  else if (dtype === 'F16' && littleEndian) {
    const table = halfTable(), bits = new Uint16Array(data.slice(begin, end).buffer);
    for (let i = 0; i < count; i++) out[i] = table[bits[i]];
  } else for (let i = 0; i < count; i++) out[i] = readValue(dv, dtype, at + i * size);
  return out;
}

function readValue(dv: DataView, dtype: string, p: number): number {
  switch (dtype) {
    case 'F32': return dv.getFloat32(p, true);
    case 'F64': return dv.getFloat64(p, true);
    case 'F16': return halfToFloat(dv.getUint16(p, true));
    case 'BF16': return new Float32Array(new Uint32Array([dv.getUint16(p, true) << 16]).buffer)[0];
    case 'I64': return Number(dv.getBigInt64(p, true));
    case 'I32': return dv.getInt32(p, true);
    case 'I16': return dv.getInt16(p, true);
    case 'I8': return dv.getInt8(p);
    default: return dv.getUint8(p); // U8, BOOL
  }
}

export interface WriteOptions {
  /** Storage type of the tensors: F32 (exact, default) or F16 (half the bytes, ≈ 3 significant digits). */
  dtype?: 'F32' | 'F16';
}

/**
 * Serialises tensors (in the given order) and string metadata, adding a checksum
 * under 'rnn-wasm.checksum' (after the other metadata, which is kept as given).
 * Float32Array data is written in options.dtype, Int8Array data as I8.
 */
export function writeSafetensors(tensors: Record<string, Tensor | Int8TensorData>, metadata: Record<string, string> = {}, options: WriteOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16') throw new WeightFileError(`safetensors: cannot write dtype '${dtype}': expected 'F32' or 'F16'`);
  const width = dtype === 'F16' ? 2 : 4;
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    checkName(k, 'metadata key');
    if (typeof v !== 'string') throw new WeightFileError(`safetensors: metadata '${k}' must be a string, got ${typeof v}`);
    if (k !== CHECKSUM_KEY) meta[k] = v;
  }
  const entries: Entry[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    checkName(name, 'tensor name');
    if (!t || !(t.data instanceof Float32Array || t.data instanceof Int8Array)) throw new ArgumentError(`safetensors: tensor '${name}' must be { shape, data: Float32Array } (or Int8Array for I8)`);
    if (name === '__metadata__') throw new WeightFileError("safetensors: '__metadata__' is reserved and cannot name a tensor");
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new WeightFileError(`safetensors: '${name}' has shape ${JSON.stringify(t.shape)}, expected an array of non-negative integers`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new WeightFileError(`safetensors: '${name}' has shape [${t.shape}] (${count} values) but ${t.data.length} values`);
    const int8 = t.data instanceof Int8Array, w = int8 ? 1 : width;
    entries.push({ name, dtype: int8 ? 'I8' : dtype, shape: t.shape, begin: offset, end: offset + w * count, count });
    offset += w * count;
  }
  // The digest has a fixed width, so the header's length is known before the data
  // is written: lay out with a placeholder, write the data, then the real digest.
  const headerJson = (checksum: string): Uint8Array => {
    const header: Record<string, unknown> = { __metadata__: { ...meta, [CHECKSUM_KEY]: checksum } };
    for (const e of entries) header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
    const json = new TextEncoder().encode(JSON.stringify(header));
    // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
    const p = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    p.set(json);
    return p;
  };
  const placeholder = headerJson(formatCrc32c(0));
  const start = 8 + placeholder.length;
  const out = new Uint8Array(start + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(placeholder.length), true);
  let p = start;
  for (const t of Object.values(tensors)) {
    if (t.data instanceof Int8Array) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
      p += t.data.length;
      continue;
    }
    if (dtype === 'F16') for (let i = 0; i < t.data.length; i++) dv.setUint16(p + 2 * i, floatToHalf(t.data[i]), true);
    else if (littleEndian) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(p + 4 * i, t.data[i], true);
    p += width * t.data.length;
  }
  out.set(headerJson(formatCrc32c(digest(entries, meta, out.subarray(start)))), 8);
  return out;
}
