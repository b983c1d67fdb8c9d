// Loading a model from wherever it is: bytes, an ArrayBuffer, a Response, a URL served
// on localhost, a file path (Node entry); and F16 model files, with the accuracy cost
// of rounding the weights measured against the F32 model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelSourceError, WeightFileError, loadModel, loadModelFrom, readSafetensors, saveModel } from '../src/index.js';
import { loadModelFrom as loadModelFromNode } from '../src/node/index.js';
import { runtime } from './helpers/wasm.js';
import { simpleModel } from './helpers/models.js';

const rt = runtime();
const model = simpleModel(rt, { vocabSize: 50, embeddingDim: 16, hiddenSize: 32, numClasses: 7, cell: 'lstm', numLayers: 2, seed: 3 });
const probe = [[1, 2, 3, 4, 5, 6], [7, 8, 9]];
const expected = model.predictOutputs(probe);
const bytes = saveModel(model);

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/model.safetensors') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(bytes);
    } else {
      res.writeHead(404);
      res.end('no such file');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('loadModelFrom', () => {
  it('takes a Uint8Array, an ArrayBuffer, a DataView and a Response', async () => {
    const copy = bytes.slice().buffer;
    for (const source of [bytes, copy, new DataView(copy), new Response(bytes.slice())]) {
      const m = await loadModelFrom(rt, source);
      expect(m.predictOutputs(probe)).toEqual(expected);
      m.dispose();
    }
  });

  it('fetches a URL string, a URL object and a pending fetch', async () => {
    for (const source of [`${base}/model.safetensors`, new URL('/model.safetensors', base), fetch(`${base}/model.safetensors`)]) {
      const m = await loadModelFrom(rt, source);
      expect(m.predictOutputs(probe)).toEqual(expected);
      m.dispose();
    }
  });

  it('reports a failed fetch, an error status and an unsupported source with ModelSourceError', async () => {
    await expect(loadModelFrom(rt, `${base}/missing.safetensors`)).rejects.toThrow(/HTTP 404/);
    await expect(loadModelFrom(rt, `${base}/missing.safetensors`)).rejects.toBeInstanceOf(ModelSourceError);
    await expect(loadModelFrom(rt, 'http://127.0.0.1:1/model.safetensors')).rejects.toBeInstanceOf(ModelSourceError);
    await expect(loadModelFrom(rt, 42 as unknown as ArrayBuffer)).rejects.toThrow(/expected an ArrayBuffer, a typed array, a Response, a URL/);
  });

  it('the Node entry also reads a path or a file: URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-src-'));
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, bytes);
    for (const source of [path, pathToFileURL(path), pathToFileURL(path).href, `${base}/model.safetensors`]) {
      const m = await loadModelFromNode(rt, source);
      expect(m.predictOutputs(probe)).toEqual(expected);
      m.dispose();
    }
    await expect(loadModelFromNode(rt, join(dir, 'absent.safetensors'))).rejects.toThrow(/ENOENT/);
  });

  it('a damaged file is still a WeightFileError', async () => {
    await expect(loadModelFrom(rt, bytes.subarray(0, 100))).rejects.toBeInstanceOf(WeightFileError);
  });
});

describe('F16 model files', () => {
  it('are about half the size, store F16 tensors, and predict close to the F32 model', () => {
    const half = saveModel(model, { dtype: 'F16' });
    const weightBytes = Object.values(readSafetensors(bytes).tensors).reduce((n, t) => n + 4 * t.data.length, 0);
    // The weights take half the bytes; the header (config, names, shapes) stays.
    expect(half.length).toBeLessThanOrEqual(bytes.length - weightBytes / 2 + 8);
    const file = readSafetensors(half);
    for (const t of Object.values(file.tensors)) expect(t.dtype).toBe('F16');
    // Each weight moved by at most half a binary16 ulp (relative 2^-11), nothing more.
    const f32 = readSafetensors(bytes).tensors;
    for (const [name, t] of Object.entries(file.tensors)) {
      const ref = f32[name].data;
      for (let i = 0; i < ref.length; i++) expect(Math.abs(t.data[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -11 + 2 ** -25);
    }
    const m = loadModel(rt, half);
    const out = m.predictOutputs(probe);
    let worst = 0;
    out.forEach((seq, s) => seq.forEach((step, t) => step.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - expected[s][t][k])); })));
    // The accuracy cost of F16 storage, reported (≈ 5e-6 on these logits).
    console.log(`F16 model file: ${half.length} bytes vs ${bytes.length} (F32); worst logit difference ${worst.toExponential(2)}`);
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(5e-3);
    expect(m.predict(probe)).toEqual(model.predict(probe));
    m.dispose();
  });
});
