// Size is deterministic, so it is enforced here (time is measured by `npm run bench`):
// the inference entry, bundled and minified with esbuild, wasm included, fits in
// 60 KB gzipped; neither it nor the full entry imports a Node built-in. It embeds the
// forward-only module (assembly/forward.ts, as hex), never the full one: 58.9 KB, where
// the full module as base64 made 67.8 KB.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { builtinModules } from 'node:module';
import { bundle, entry } from './bundle.js';

const LIMIT = 60 * 1024;
const nodeBuiltin = (path: string) => path.startsWith('node:') || builtinModules.includes(path.split('/')[0]);

describe('bundles', () => {
  it(`the inference entry is ≤ ${LIMIT / 1024} KB gzipped, wasm included`, async () => {
    const { code, metafile } = await bundle({ entryPoints: [entry('inference')], format: 'esm', platform: 'browser', minify: true });
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`rnn-wasm/inference: ${(code.length / 1024).toFixed(1)} KB minified, ${(gz / 1024).toFixed(1)} KB gzipped`);
    expect(Object.keys(metafile.inputs).some((p) => p.endsWith('wasm-forward-bytes.generated.ts'))).toBe(true);
    expect(Object.keys(metafile.inputs).some((p) => p.endsWith('wasm-bytes.generated.ts')), 'the full module').toBe(false);
    expect(Object.keys(metafile.inputs).some((p) => /optim\/(adam|sgd|rmsprop|adagrad)/.test(p))).toBe(false);
    expect(gz).toBeLessThanOrEqual(LIMIT);
  });

  for (const name of ['inference', 'index'] as const) {
    it(`the ${name} entry imports no Node built-in (bundles for a neutral platform with nothing external)`, async () => {
      const { metafile } = await bundle({ entryPoints: [entry(name)], format: 'esm', platform: 'neutral', mainFields: ['module', 'main'] });
      const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
      expect(imports.filter(nodeBuiltin)).toEqual([]);
      expect(Object.keys(metafile.inputs).filter((p) => /src\/(node|cli)\//.test(p))).toEqual([]);
      // the ONNX export and its optional peer stay in rnn-wasm/onnx
      expect(Object.keys(metafile.inputs).filter((p) => /onnx-proto|protobufjs|src\/io\/onnx-/.test(p))).toEqual([]);
    });
  }

  it('the onnx entry carries onnx-proto and imports no Node built-in', async () => {
    const { code, metafile } = await bundle({ entryPoints: [entry('onnx')], format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], minify: true });
    const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter(nodeBuiltin)).toEqual([]);
    expect(Object.keys(metafile.inputs).some((p) => p.includes('node_modules/onnx-proto/'))).toBe(true);
    console.log(`rnn-wasm/onnx: ${(code.length / 1024).toFixed(1)} KB minified, ${(gzipSync(code, { level: 9 }).length / 1024).toFixed(1)} KB gzipped with onnx-proto and protobufjs`);
  });

  it('the check notices a Node built-in (the Node entry has some)', async () => {
    const { metafile } = await bundle({ entryPoints: [entry('index').replace('index.ts', 'node/index.ts')], format: 'esm', platform: 'node' });
    const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter(nodeBuiltin).length).toBeGreaterThan(0);
  });
});
