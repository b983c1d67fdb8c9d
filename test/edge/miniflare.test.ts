// The inference entry in the Cloudflare Workers runtime (miniflare 4 runs the real
// workerd binary): a worker importing the precompiled .wasm module and a bundled model
// serves the scenario's results, which must equal Node's.
import { afterAll, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { join } from 'node:path';
import * as lib from '../../src/index.js';
import { inference } from './scenario.js';
import { bundle, maxAbsDiff, root, scenarioModelBytes, wasmBytes } from './bundle.js';

let mf: Miniflare | undefined;
afterAll(async () => { await mf?.dispose(); });

describe('Cloudflare Workers runtime (workerd via miniflare)', () => {
  it('serves predictions with Node\'s results from the imported wasm module', async () => {
    const bytes = scenarioModelBytes();
    const expected = await inference(lib, bytes);
    const { code } = await bundle({
      entryPoints: [join(root, 'test/edge/entries/workerd.js')], format: 'esm', platform: 'browser',
      external: ['./rnn-simd.wasm', './model.safetensors'],
    });
    mf = new Miniflare({
      compatibilityDate: '2025-01-01',
      modules: [
        { type: 'ESModule', path: 'worker.js', contents: code },
        { type: 'CompiledWasm', path: 'rnn-simd.wasm', contents: wasmBytes() },
        { type: 'Data', path: 'model.safetensors', contents: bytes },
      ],
    });
    const res = await mf.dispatchFetch('http://localhost/');
    const got = await res.json() as Record<string, unknown>;
    expect(got.error).toBeUndefined();
    expect(got.generated).toEqual(expected.generated);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);
    // Without the imported module the runtime forbids compiling: a typed error that says what to do.
    const refused = await (await mf.dispatchFetch('http://localhost/embedded')).json() as { error: string };
    expect(refused.error).toMatch(/^WasmLoadError: .*pass the precompiled module/);
  }, 60_000);
});
