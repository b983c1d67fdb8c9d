// Model bytes from wherever a JavaScript runtime keeps them: memory (ArrayBuffer, typed
// arrays), a fetch Response, or a URL fetched with the global fetch (browsers, workers,
// Node ≥ 18). Web-standard only; the Node entry adds file paths (src/node/files.ts).
import type { Runtime } from '../runtime/runtime.js';
import type { Sequential } from '../model/sequential.js';
import { loadModel } from './model-file.js';
import { ModelSourceError } from '../errors.js';

export type ModelSource = ArrayBuffer | ArrayBufferView | Response | URL | string;

function isResponse(x: unknown): x is Response {
  return typeof Response !== 'undefined' && x instanceof Response;
}

function isUrl(x: unknown): x is URL {
  return typeof URL !== 'undefined' && x instanceof URL;
}

/** The bytes of a model file (or any file) from memory, a Response, or a URL. */
export async function readModelSource(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source === 'string' || isUrl(source)) {
    if (typeof fetch !== 'function') throw new ModelSourceError(`cannot fetch '${String(source)}': this runtime has no global fetch (pass the bytes instead)`);
    let res: Response;
    try {
      res = await fetch(source);
    } catch (e) {
      throw new ModelSourceError(`could not fetch the model from '${String(source)}': ${(e as Error).message}`);
    }
    return readModelSource(res);
  }
  if (isResponse(source)) {
    if (!source.ok) throw new ModelSourceError(`fetching the model from '${source.url || 'a Response'}' failed: HTTP ${source.status} ${source.statusText}`.trim());
    return new Uint8Array(await source.arrayBuffer());
  }
  throw new ModelSourceError(`unsupported model source (${Object.prototype.toString.call(source)}): expected an ArrayBuffer, a typed array, a Response, a URL or a URL string`);
}

/** Loads a model file from memory, a Response or a URL: `await loadModelFrom(rt, fetch('/model.safetensors'))` works too. */
export async function loadModelFrom(rt: Runtime, source: ModelSource | Promise<ModelSource>): Promise<Sequential> {
  return loadModel(rt, await readModelSource(await source));
}
