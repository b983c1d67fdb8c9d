// rnn-wasm in headless Chromium, on the page's main thread and in a module Web Worker:
// load a saved model over fetch, predict, stream, generate, and train a few steps,
// with Node's results. Then the web demo (examples/web), built with esbuild, tags a
// sentence as Node tags it; its screenshot is saved to test-artifacts/web-demo.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import * as lib from '../../src/index.js';
import { words } from '../../src/data/tokenize.js';
import { buildTaggerPipeline, buildTaggerModel } from '../../src/cli/tasks/pos-tagger.js';
import { toyPosCorpus } from '../../src/data/toy-pos.js';
import { inference, training } from './scenario.js';
import { bundle, entry, maxAbsDiff, root, scenarioInt8ModelBytes, scenarioModelBytes } from './bundle.js';
import { chromiumMissing, launchChromium, serve } from './browser.js';
import { runtime } from '../helpers/wasm.js';

const WORKER = `import * as lib from './lib.js';
import { inference, training } from './scenario.js';
onmessage = async () => {
  try {
    postMessage({ inference: await inference(lib, fetch('/model.safetensors')), training: await training(lib, fetch('/model.safetensors')), int8: await inference(lib, fetch('/model-int8.safetensors')) });
  } catch (e) { postMessage({ error: String(e) }); }
};`;

// A module worker serving a WebPredictor's shares of rows.
const PREDICT_WORKER = `import { servePredictions } from './lib.js';
servePredictions(self);`;

// On the page: the scenario's model (its JSON and weights), a WebPredictor with module
// workers, its outputs and one thread's for 40 rows.
const PREDICT_PAGE = `(async () => {
  const lib = await import('/lib.js');
  const rt = await lib.loadRuntime();
  const model = await lib.loadModelFrom(rt, fetch('/model.safetensors'));
  const rows = Array.from({ length: 40 }, (_, i) => Array.from({ length: 1 + (i * 7) % 9 }, (_, t) => (i + 3 * t) % 10));
  const p = await lib.WebPredictor.create(model, { threads: 3, worker: () => new Worker('/predict-worker.js', { type: 'module' }) });
  const out = { isolated: globalThis.crossOriginIsolated, threads: p.threads, fallbackReason: p.fallbackReason ?? null,
    outputs: await p.predictOutputs(rows), classes: await p.predict(rows), one: model.predictOutputs(rows), oneClasses: model.predict(rows) };
  p.close();
  return out;
})()`;

let browser: Browser | undefined;
let server: Awaited<ReturnType<typeof serve>> | undefined;
let isolatedServer: Awaited<ReturnType<typeof serve>> | undefined;
const modelBytes = scenarioModelBytes(), int8Bytes = scenarioInt8ModelBytes();

describe.skipIf(chromiumMissing)('Chromium (headless, Debian package)', () => {
  beforeAll(async () => {
    const { code } = await bundle({ entryPoints: [entry('index')], format: 'esm', platform: 'browser' });
    const { code: lean } = await bundle({ entryPoints: [entry('inference')], format: 'esm', platform: 'browser' });
    // The web demo with a small tagger (untrained weights are enough to compare outputs).
    const { buildWebDemo } = await import('../../examples/web/build.mjs');
    const sentences = toyPosCorpus().map((s) => ({ words: s.words, tags: s.tags }));
    const t = buildTaggerModel(runtime(), buildTaggerPipeline(sentences, { minFrequency: 1 }), { wordDim: 16, hiddenSize: 16, seed: 5 });
    const demoDir = await buildWebDemo({ outdir: mkdtempSync(join(tmpdir(), 'rnn-wasm-web-')), model: lib.saveModel(t) });
    t.dispose();
    const files = new Map<string, string | Uint8Array>([
      ['/index.html', '<!doctype html><title>rnn-wasm test</title>'],
      ['/lib.js', code],
      ['/lean.js', lean],
      ['/scenario.js', readFileSync(join(root, 'test/edge/scenario.js'), 'utf8')],
      ['/worker.js', WORKER],
      ['/predict-worker.js', PREDICT_WORKER],
      ['/model.safetensors', modelBytes],
      ['/model-int8.safetensors', int8Bytes],
    ]);
    for (const f of readdirSync(demoDir)) files.set(`/demo/${f}`, new Uint8Array(readFileSync(join(demoDir, f))));
    server = await serve(files);
    // The same files with COOP/COEP: a cross-origin isolated page, where SharedArrayBuffer exists.
    isolatedServer = await serve(files, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await isolatedServer?.close();
  });

  it('main thread: load over fetch, predict, stream, generate, train, an int8 model — as in Node; rnn-wasm/inference (forward-only module) too', async () => {
    const expected = { inference: await inference(lib, modelBytes), training: await training(lib, modelBytes), int8: await inference(lib, int8Bytes), lean: await inference(lib, modelBytes) };
    const page = await browser!.newPage();
    await page.goto(`${server!.base}/index.html`);
    const got = await page.evaluate(`(async () => {
      const lib = await import('/lib.js'), lean = await import('/lean.js');
      const { inference, training } = await import('/scenario.js');
      return { inference: await inference(lib, fetch('/model.safetensors')), training: await training(lib, fetch('/model.safetensors')), int8: await inference(lib, fetch('/model-int8.safetensors')),
        lean: await inference(lean, fetch('/model.safetensors')) };
    })()`) as typeof expected;
    expect(got.inference.generated).toEqual(expected.inference.generated);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);
    await page.close();
  }, 60_000);

  it('a module Web Worker: the same results', async () => {
    const expected = { inference: await inference(lib, modelBytes), training: await training(lib, modelBytes), int8: await inference(lib, int8Bytes) };
    const page = await browser!.newPage();
    await page.goto(`${server!.base}/index.html`);
    const got = await page.evaluate(`new Promise((resolve) => {
      const w = new Worker('/worker.js', { type: 'module' });
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => resolve({ error: e.message });
      w.postMessage('go');
    })`) as typeof expected & { error?: string };
    expect(got.error).toBeUndefined();
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);
    await page.close();
  }, 60_000);

  it('WebPredictor on a page that is not cross-origin isolated: one thread, saying why, with one thread\'s outputs', async () => {
    const page = await browser!.newPage();
    await page.goto(`${server!.base}/index.html`);
    const got = await page.evaluate(PREDICT_PAGE) as { isolated: boolean; threads: number; fallbackReason: string | null; outputs: unknown; one: unknown; classes: unknown; oneClasses: unknown };
    expect(got.isolated).toBe(false);
    expect(got.threads).toBe(1);
    expect(got.fallbackReason).toMatch(/cross-origin isolated/);
    expect(got.outputs).toEqual(got.one);
    expect(got.classes).toEqual(got.oneClasses);
    await page.close();
  }, 60_000);

  it('WebPredictor on a cross-origin isolated page: three threads (module workers, SharedArrayBuffer weights), outputs identical to one thread\'s', async () => {
    const page = await browser!.newPage();
    await page.goto(`${isolatedServer!.base}/index.html`);
    const got = await page.evaluate(PREDICT_PAGE) as { isolated: boolean; threads: number; fallbackReason: string | null; outputs: unknown; one: unknown; classes: unknown; oneClasses: unknown };
    expect(got.isolated).toBe(true);
    expect(got.fallbackReason).toBeNull();
    expect(got.threads).toBe(3);
    expect(got.outputs).toEqual(got.one);
    expect(got.classes).toEqual(got.oneClasses);
    await page.close();
  }, 60_000);

  it('the web demo tags a typed sentence as Node does (screenshot in test-artifacts/)', async () => {
    const page = await browser!.newPage({ viewport: { width: 900, height: 420 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server!.base}/demo/index.html`);
    await page.waitForFunction('globalThis.demoResult !== undefined');
    const sentence = 'The quick brown fox jumps over the lazy dog near 42 houses.';
    await page.fill('#text', sentence);
    await page.waitForFunction(`globalThis.demoResult?.words?.length === ${words(sentence).length}`);
    const shown = await page.evaluate('globalThis.demoResult') as { words: string[]; tags: string[]; error?: string };
    expect(errors).toEqual([]);
    expect(shown.error).toBeUndefined();
    // Node loads the very file the page fetched (F16 weights) and tags the same words.
    const served = await (await fetch(`${server!.base}/demo/model.safetensors`)).arrayBuffer();
    const node = lib.loadModel(runtime(), new Uint8Array(served));
    expect(shown.words).toEqual(words(sentence));
    expect(shown.tags).toEqual(node.predictStepClasses([node.preprocessing!.encode(words(sentence))])[0].map((i) => node.preprocessing!.label(i)));
    node.dispose();
    expect(await page.locator('#tags .tok').count()).toBe(words(sentence).length);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts/web-demo.png') });
    await page.close();
  }, 60_000);
});
