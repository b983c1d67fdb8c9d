// Loads the forward-only kernel module (assembly/forward.ts: what loading weights,
// predicting, streaming, generating and translating call; no backward or optimizer
// kernel), embedded as hex. rnn-wasm/inference exports these loaders, so its bundle
// carries 25 KB of wasm instead of 41 KB; a runtime from them refuses training with
// InferenceOnlyError (src/runtime/runtime.ts).
import { WASM_SIMD_FORWARD_HEX } from './wasm-forward-bytes.generated.js';
import { decodeHex, instantiate, instantiateSync, type EmbeddedModule, type LoadOptions } from './instantiate.js';
import type { Runtime } from './runtime.js';

export type { LoadOptions } from './instantiate.js';

let embedded: Uint8Array | undefined;

/**
 * The embedded wasm bytes (decoded once): in rnn-wasm/inference, the forward-only
 * module, the same as rnn-wasm/wasm/rnn-simd-forward.wasm.
 */
export function embeddedWasmBytes(): Uint8Array {
  return (embedded ??= decodeHex(WASM_SIMD_FORWARD_HEX));
}

const FORWARD: EmbeddedModule = { bytes: embeddedWasmBytes, file: 'rnn-wasm/wasm/rnn-simd-forward.wasm' };

/**
 * Loads the kernels asynchronously (works in browsers, workers, Node, Deno, Bun). In
 * rnn-wasm/inference: the forward-only module, which predicts, streams and generates;
 * training on its runtime throws InferenceOnlyError (load from 'rnn-wasm' to train).
 */
export function loadRuntime(options: LoadOptions = {}): Promise<Runtime> {
  return instantiate(options, FORWARD);
}

/**
 * Loads the kernels synchronously (Node, Deno, Bun, workers; use loadRuntime on a
 * browser's main thread). In rnn-wasm/inference: the forward-only module, as loadRuntime.
 */
export function loadRuntimeSync(options: LoadOptions = {}): Runtime {
  return instantiateSync(options, FORWARD);
}
