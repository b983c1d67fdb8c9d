// The inference entry in the Cloudflare Workers runtime (miniflare 4 runs the real
// workerd binary): a worker importing the precompiled forward-only .wasm module and a
// bundled model serves the scenario's results, which must equal Node's (full module).
import { afterAll, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { join } from 'node:path';
import * as lib from '../../src/index.js';
import { inference } from './scenario.js';
import { bundle, maxAbsDiff, root, scenarioInt8ModelBytes, scenarioModelBytes, wasmBytes } from './bundle.js';

let mf: Miniflare | undefined;
afterAll(async () => { await mf?.dispose(); });

describe('Cloudflare Workers runtime (workerd via miniflare)', () => {
  it('serves predictions with Node\'s results from the imported wasm module', async () => {
    const bytes = scenarioModelBytes();
    const expected = await inference(lib, bytes);
    const int8 = scenarioInt8ModelBytes(), expectedInt8 = await inference(lib, int8);
    const { code } = await bundle({
      entryPoints: [join(root, 'test/edge/entries/workerd.js')], format: 'esm', platform: 'browser',
      external: ['./rnn-simd-forward.wasm', './model.safetensors', './model-int8.safetensors'],
    });
    mf = new Miniflare({
      compatibilityDate: '2025-01-01',
      modules: [
        { type: 'ESModule', path: 'worker.js', contents: code },
        { type: 'CompiledWasm', path: 'rnn-simd-forward.wasm', contents: wasmBytes('rnn-simd-forward') },
        { type: 'Data', path: 'model.safetensors', contents: bytes },
        { type: 'Data', path: 'model-int8.safetensors', contents: int8 },
      ],
    });
    const res = await mf.dispatchFetch('http://localhost/');
    const got = await res.json() as Record<string, unknown>;
    expect(got.error).toBeUndefined();
    expect(got.generated).toEqual(expected.generated);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);
    // The int8 model file: the integer kernels in workerd give Node's results.
    const gotInt8 = await (await mf.dispatchFetch('http://localhost/int8')).json() as Record<string, unknown>;
    expect(gotInt8.error).toBeUndefined();
    expect(maxAbsDiff(gotInt8, expectedInt8)).toBeLessThanOrEqual(1e-6);
    // Without the imported module the runtime forbids compiling: a typed error that says what to do.
    const refused = await (await mf.dispatchFetch('http://localhost/embedded')).json() as { error: string };
    expect(refused.error).toMatch(/^WasmLoadError: .*pass the precompiled module, e\.g\. import wasm from 'rnn-wasm\/wasm\/rnn-simd-forward\.wasm'/);
    // Training on the inference entry's runtime: a typed error naming what to load instead.
    const train = await (await mf.dispatchFetch('http://localhost/train')).json() as { error: string };
    expect(train.error).toMatch(/^InferenceOnlyError: training needs the backward and optimizer kernels .*loadRuntime from 'rnn-wasm'/);
  }, 60_000);
});
