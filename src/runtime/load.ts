// Loads the full kernel module (assembly/index.ts: forward, backward and optimizer
// kernels), embedded as hex; rnn-wasm and rnn-wasm/node export these loaders.
// rnn-wasm/inference exports load-forward.ts's instead, so its bundle carries only the
// forward-only module.
import { WASM_SIMD_HEX } from './wasm-bytes.generated.js';
import { decodeHex, instantiate, instantiateSync, type EmbeddedModule, type LoadOptions } from './instantiate.js';
import type { Runtime } from './runtime.js';

export type { LoadOptions } from './instantiate.js';

let embedded: Uint8Array | undefined;

/** The embedded wasm bytes (decoded once): the full module, the same as rnn-wasm/wasm/rnn-simd.wasm. */
export function embeddedWasmBytes(): Uint8Array {
  return (embedded ??= decodeHex(WASM_SIMD_HEX));
}

const FULL: EmbeddedModule = { bytes: embeddedWasmBytes, file: 'rnn-wasm/wasm/rnn-simd.wasm' };

/** Loads the kernels asynchronously (works in browsers, workers, Node, Deno, Bun). */
export function loadRuntime(options: LoadOptions = {}): Promise<Runtime> {
  return instantiate(options, FULL);
}

/**
 * Loads the kernels synchronously. Fine in Node, Deno, Bun and workers; browsers
 * may refuse synchronous compilation on the main thread (older Chromium above 4 KB;
 * Chromium 150 accepts this module), so use loadRuntime there.
 */
export function loadRuntimeSync(options: LoadOptions = {}): Runtime {
  return instantiateSync(options, FULL);
}
