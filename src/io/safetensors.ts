// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
// then the raw little-endian tensor bytes. Reading converts F32, F16, BF16 and F64
// to Float32Array (integer dtypes to Float32Array too, exactly up to 2^24); writing
// emits F32, or F16 to halve the size of a model sent over the network. Every structural problem is a WeightFileError, never a trap or a hang.
import { WeightFileError } from '../errors.js';
import { halfToFloat, floatToHalf, halfTable } from './half.js';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor & { dtype: string }>;
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers over 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new WeightFileError('safetensors: expected the file contents as a Uint8Array');
  if (bytes.length < 8) throw new WeightFileError(`safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES) throw new WeightFileError(`safetensors: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  if (8 + n > bytes.length) throw new WeightFileError(`safetensors: header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new WeightFileError(`safetensors: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new WeightFileError('safetensors: header must be a JSON object');
  const data = bytes.subarray(8 + n);
  const out: SafetensorsFile = { tensors: {}, metadata: {} };
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object') throw new WeightFileError('safetensors: __metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new WeightFileError(`safetensors: __metadata__.${k} must be a string`);
        out.metadata[k] = v;
      }
      continue;
    }
    out.tensors[name] = readTensor(name, entry, data, dv, 8 + n);
  }
  return out;
}

function readTensor(name: string, entry: unknown, data: Uint8Array, dv: DataView, base: number): Tensor & { dtype: string } {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!e || typeof e !== 'object') throw new WeightFileError(`safetensors: entry '${name}' must be an object`);
  const dtype = e.dtype;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new WeightFileError(`safetensors: '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  const shape = e.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new WeightFileError(`safetensors: '${name}' has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
  }
  const offs = e.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
    throw new WeightFileError(`safetensors: '${name}' has data_offsets ${JSON.stringify(offs)}, expected [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offs as number[];
  if (end > data.length) throw new WeightFileError(`safetensors: '${name}' ends at byte ${end} of the data, but the data has only ${data.length} bytes (truncated file)`);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const size = DTYPE_BYTES[dtype];
  if (end - begin !== count * size) {
    throw new WeightFileError(`safetensors: '${name}' (${dtype} [${shape}]) needs ${count * size} bytes but its data_offsets span ${end - begin}`);
  }
  const out = new Float32Array(count);
  const at = base + begin;
  // F32 on a little-endian machine is a byte copy (the common case, and cold-start time).
  if (dtype === 'F32' && littleEndian) new Uint8Array(out.buffer).set(data.subarray(begin, end));
  else if (dtype === 'F16' && littleEndian) {
    const table = halfTable(), bits = new Uint16Array(data.slice(begin, end).buffer);
    for (let i = 0; i < count; i++) out[i] = table[bits[i]];
  } else for (let i = 0; i < count; i++) out[i] = readValue(dv, dtype, at + i * size);
  return { dtype, shape: shape as number[], data: out };
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

/** Serialises tensors (in the given order) and string metadata. */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}, options: WriteOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16') throw new WeightFileError(`safetensors: cannot write dtype '${dtype}': expected 'F32' or 'F16'`);
  const width = dtype === 'F16' ? 2 : 4;
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new WeightFileError(`safetensors: '${name}' has shape [${t.shape}] (${count} values) but ${t.data.length} values`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + width * count] };
    offset += width * count;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  const dv = new DataView(out.buffer);
  for (const t of Object.values(tensors)) {
    if (dtype === 'F16') for (let i = 0; i < t.data.length; i++) dv.setUint16(p + 2 * i, floatToHalf(t.data[i]), true);
    else if (littleEndian) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(p + 4 * i, t.data[i], true);
    p += width * t.data.length;
  }
  return out;
}
