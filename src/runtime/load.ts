// Instantiates the kernel module: the embedded bytes by default, or a caller-supplied
// WebAssembly.Module (edge runtimes that forbid compiling from bytes import the
// precompiled dist/wasm/rnn-simd.wasm) or raw bytes.
import { WASM_SIMD_BASE64 } from './wasm-bytes.generated.js';
import { Runtime } from './runtime.js';
import { RnnWasmError, WasmLoadError } from '../errors.js';

export interface LoadOptions {
  /** A compiled module, or the bytes of rnn-simd.wasm. Default: the embedded module. */
  module?: WebAssembly.Module | ArrayBuffer | Uint8Array;
  /** Most wasm memory the runtime's models may use together, in bytes (default 4 GiB). */
  memoryLimit?: number;
}

const imports = {
  env: {
    abort(): never {
      throw new WasmLoadError('rnn-wasm kernel aborted (a kernel was called with arguments its caller should have rejected)');
    },
  },
};

let embedded: Uint8Array | undefined;

/** The embedded wasm bytes (decoded once). */
export function embeddedWasmBytes(): Uint8Array {
  if (!embedded) {
    const bin = atob(WASM_SIMD_BASE64);
    embedded = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) embedded[i] = bin.charCodeAt(i);
  }
  return embedded;
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

function wrap(e: unknown): never {
  if (e instanceof RnnWasmError) throw e;
  const message = (e as Error).message;
  // Cloudflare Workers (and pages with a strict CSP) forbid compiling wasm from bytes.
  const hint = /disallowed|CompileError: WebAssembly\.(compile|Module)\(\)|Content Security Policy/i.test(`${e}`)
    ? " — this runtime forbids compiling from bytes: pass the precompiled module, e.g. import wasm from 'rnn-wasm/wasm/rnn-simd.wasm' and loadRuntime({ module: wasm })"
    : '';
  throw new WasmLoadError(`could not instantiate the rnn-wasm kernel module: ${message}${hint}`);
}

/** Loads the kernels asynchronously (works in browsers, workers, Node, Deno, Bun). */
export async function loadRuntime(options: LoadOptions = {}): Promise<Runtime> {
  checkSimd();
  try {
    const src = options.module ?? embeddedWasmBytes();
    const module = src instanceof WebAssembly.Module ? src : await WebAssembly.compile(src as BufferSource);
    return withLimit(new Runtime(await WebAssembly.instantiate(module, imports)), options);
  } catch (e) {
    return wrap(e);
  }
}

/**
 * Loads the kernels synchronously. Fine in Node, Deno, Bun and workers; browsers
 * may refuse synchronous compilation on the main thread (older Chromium above 4 KB;
 * Chromium 150 accepts this module), so use loadRuntime there.
 */
export function loadRuntimeSync(options: LoadOptions = {}): Runtime {
  checkSimd();
  try {
    const src = options.module ?? embeddedWasmBytes();
    const module = src instanceof WebAssembly.Module ? src : new WebAssembly.Module(src as BufferSource);
    return withLimit(new Runtime(new WebAssembly.Instance(module, imports)), options);
  } catch (e) {
    return wrap(e);
  }
}
