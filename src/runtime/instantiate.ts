// Instantiates a kernel module for the two loaders, load.ts (the full module) and
// load-forward.ts (the forward-only module rnn-wasm/inference embeds): their embedded
// bytes by default, or a caller-supplied WebAssembly.Module (edge runtimes that forbid
// compiling from bytes import the precompiled .wasm) or raw bytes.
import { Runtime } from './runtime.js';
import { RnnWasmError, WasmLoadError } from '../errors.js';

export interface LoadOptions {
  /**
   * A compiled module, or the bytes of rnn-simd.wasm (or rnn-simd-forward.wasm, which
   * predicts but cannot train). Default: the module the entry embeds.
   */
  module?: WebAssembly.Module | ArrayBuffer | Uint8Array;
  /** Most wasm memory the runtime's models may use together, in bytes (default 4 GiB). */
  memoryLimit?: number;
}

/** A loader's embedded module: its bytes, and the package path of the same .wasm file (named in hints). */
export interface EmbeddedModule {
  bytes(): Uint8Array;
  file: string;
}

const imports = {
  env: {
    abort(): never {
      throw new WasmLoadError('rnn-wasm kernel aborted (a kernel was called with arguments its caller should have rejected)');
    },
  },
};

/**
 * Bytes from lowercase hex, as scripts/build-wasm.mjs embeds them: the engine's
 * Uint8Array.fromHex (ES2026) where it has one, else a loop (no Buffer, no atob).
 */
export function decodeHex(hex: string): Uint8Array {
  const U8 = Uint8Array as { fromHex?: (s: string) => Uint8Array };
  if (typeof U8.fromHex === 'function') return U8.fromHex(hex);
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
    // '0'–'9' (0x30–0x39) → 0–9, 'a'–'f' (0x61–0x66) → 10–15
    const hi = hex.charCodeAt(j), lo = hex.charCodeAt(j + 1);
    bytes[i] = (((hi & 15) + (hi >> 6) * 9) << 4) | ((lo & 15) + (lo >> 6) * 9);
  }
  return bytes;
}

function checkSimd(): void {
  // Smallest module using a v128 instruction: (func (result v128) v128.const 0).
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
  ]);
  if (!WebAssembly.validate(probe)) {
    throw new WasmLoadError('this JavaScript engine does not support WebAssembly SIMD (v128), which rnn-wasm requires (Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)');
  }
}

function withLimit(rt: Runtime, options: LoadOptions): Runtime {
  if (options.memoryLimit !== undefined) rt.memoryLimit = options.memoryLimit;
  return rt;
}

function wrap(e: unknown, embedded: EmbeddedModule): never {
  if (e instanceof RnnWasmError) throw e;
  const message = (e as Error).message;
  // Cloudflare Workers (and pages with a strict CSP) forbid compiling wasm from bytes.
  const hint = /disallowed|CompileError: WebAssembly\.(compile|Module)\(\)|Content Security Policy/i.test(`${e}`)
    ? ` — this runtime forbids compiling from bytes: pass the precompiled module, e.g. import wasm from '${embedded.file}' and loadRuntime({ module: wasm })`
    : '';
  throw new WasmLoadError(`could not instantiate the rnn-wasm kernel module: ${message}${hint}`);
}

/** The module from options (or the embedded one), compiled and instantiated asynchronously. */
export async function instantiate(options: LoadOptions, embedded: EmbeddedModule): Promise<Runtime> {
  checkSimd();
  try {
    const src = options.module ?? embedded.bytes();
    const module = src instanceof WebAssembly.Module ? src : await WebAssembly.compile(src as BufferSource);
    return withLimit(new Runtime(await WebAssembly.instantiate(module, imports)), options);
  } catch (e) {
    return wrap(e, embedded);
  }
}

/** As instantiate, synchronously. */
export function instantiateSync(options: LoadOptions, embedded: EmbeddedModule): Runtime {
  checkSimd();
  try {
    const src = options.module ?? embedded.bytes();
    const module = src instanceof WebAssembly.Module ? src : new WebAssembly.Module(src as BufferSource);
    return withLimit(new Runtime(new WebAssembly.Instance(module, imports)), options);
  } catch (e) {
    return wrap(e, embedded);
  }
}
