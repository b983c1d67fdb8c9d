// The package's exports map, resolved by name as a consumer would (the package refers
// to itself): the ES module entries, CommonJS require of them (Node ≥ 20.19), and the
// raw .wasm file, which must compile to the same kernels as the embedded bytes.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { root } from './bundle.js';

const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
const [major, minor] = process.versions.node.split('.').map(Number);
const requireEsm = major > 20 || (major === 20 && minor >= 19);

describe('package entry points', () => {
  it('import rnn-wasm, rnn-wasm/inference and rnn-wasm/node by name', () => {
    const out = JSON.parse(node(['--input-type=module', '-e', `
      const full = await import('rnn-wasm'), lean = await import('rnn-wasm/inference'), n = await import('rnn-wasm/node');
      console.log(JSON.stringify({ full: Object.keys(full), lean: Object.keys(lean), node: Object.keys(n) }));`]));
    for (const name of ['loadRuntime', 'loadModelFrom', 'Sequential', 'generate', 'WeightFileError']) expect(out.lean).toContain(name);
    expect(out.lean).not.toContain('optim');
    expect(out.lean).not.toContain('fit');
    for (const name of out.lean) expect(out.full).toContain(name);
    for (const name of ['saveModelFile', 'loadModelFile', 'writeFileAtomic', 'optim', 'fit']) expect(out.node).toContain(name);
  });

  it('import and require rnn-wasm/onnx by name (onnx-proto, its optional peer, is a devDependency here)', () => {
    const out = JSON.parse(node(['--input-type=module', '-e', `
      const o = await import('rnn-wasm/onnx');
      console.log(JSON.stringify({ onnx: Object.keys(o).sort(), opset: o.ONNX_OPSET }));`]));
    expect(out).toEqual({ onnx: ['ONNX_IR_VERSION', 'ONNX_OPSET', 'exportOnnx', 'importOnnx'], opset: 14 });
    if (requireEsm) expect(node(['-e', "console.log(typeof require('rnn-wasm/onnx').exportOnnx)"])).toBe('function');
  });

  it.skipIf(!requireEsm)('CommonJS require() of the entries works (Node ≥ 20.19 loads ES modules through require)', () => {
    expect(node(['-e', "const m = require('rnn-wasm/inference'); console.log(typeof m.loadModelFrom, typeof require('rnn-wasm').optim.adam)"])).toBe('function function');
  });

  it('rnn-wasm/wasm/rnn-simd.wasm is the embedded module', async () => {
    const path = createRequire(import.meta.url).resolve('rnn-wasm/wasm/rnn-simd.wasm');
    const bytes = new Uint8Array(readFileSync(path));
    const { embeddedWasmBytes } = await import('../../src/index.js');
    expect(bytes).toEqual(embeddedWasmBytes());
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it('rnn-wasm/wasm/rnn-simd-forward.wasm is the inference entry\'s embedded module, and smaller', async () => {
    const path = createRequire(import.meta.url).resolve('rnn-wasm/wasm/rnn-simd-forward.wasm');
    const bytes = new Uint8Array(readFileSync(path));
    const { embeddedWasmBytes } = await import('../../src/inference.js');
    const full = await import('../../src/index.js');
    expect(bytes).toEqual(embeddedWasmBytes());
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(full.embeddedWasmBytes().length);
  });
});
