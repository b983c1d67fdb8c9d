// Edge figures (issue 7): the inference entry's bundle size (wasm included), and cold
// start — import → first prediction of the W3 model (embedding 64, LSTM 128, head 64,
// one stream step) — in a fresh Node process, in workerd (miniflare), and in headless
// Chromium. Medians of a few fresh starts each.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { loadRuntimeSync, Sequential, layers, saveModel } from '../dist/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';
import { chromiumAvailable, launchChromium, serve } from '../scripts/chromium.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const RUNS = 5;

function w3Model() {
  const { V, E, H, C } = referenceWorkload();
  const m = new Sequential(loadRuntimeSync(), [layers.embedding({ vocabSize: V, dim: E }), layers.lstm({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
  const bytes = saveModel(m);
  m.dispose();
  return bytes;
}

async function bundleSize() {
  const r = await esbuild.build({ entryPoints: [join(here, '../dist/inference.js')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false });
  const code = r.outputFiles[0].contents;
  return { minifiedKB: code.length / 1024, gzipKB: gzipSync(code, { level: 9 }).length / 1024 };
}

function nodeCold(modelPath) {
  const inner = [], outer = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    inner.push(JSON.parse(execFileSync(process.execPath, [join(here, 'edge/node-cold.mjs'), modelPath], { encoding: 'utf8' })).ms);
    outer.push(performance.now() - t0);
  }
  return { firstPredictionMs: median(inner), processMs: median(outer) };
}

async function miniflareCold(model) {
  const { Miniflare } = await import('miniflare');
  const r = await esbuild.build({ entryPoints: [join(here, 'edge/worker.js')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, external: ['./rnn-simd-forward.wasm', './model.safetensors'] });
  const start = [], first = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const mf = new Miniflare({ compatibilityDate: '2025-01-01', modules: [
      { type: 'ESModule', path: 'worker.js', contents: r.outputFiles[0].text },
      { type: 'CompiledWasm', path: 'rnn-simd-forward.wasm', contents: readFileSync(join(here, '../dist/wasm/rnn-simd-forward.wasm')) },
      { type: 'Data', path: 'model.safetensors', contents: model },
    ] });
    await mf.ready;
    const t1 = performance.now();
    await (await mf.dispatchFetch('http://localhost/')).json();
    first.push(performance.now() - t1);
    start.push(t1 - t0);
    await mf.dispose();
  }
  return { runtimeStartMs: median(start), firstRequestMs: median(first) };
}

async function chromiumCold(model) {
  if (!chromiumAvailable()) return null;
  const lib = (await esbuild.build({ entryPoints: [join(here, '../dist/inference.js')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false })).outputFiles[0].text;
  const page = `<!doctype html><script type="module">
    const t0 = performance.now();
    const { loadRuntime, loadModelFrom } = await import('./lib.js');
    const m = await loadModelFrom(await loadRuntime(), fetch('./model.safetensors'));
    m.stream(1).step([1]);
    globalThis.coldMs = performance.now() - t0;
  </script>`;
  const server = await serve(new Map([['/index.html', page], ['/lib.js', lib], ['/model.safetensors', model]]));
  const browser = await launchChromium();
  const times = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext(); // fresh cache and compiled-code cache each time
      const p = await ctx.newPage();
      await p.goto(`${server.base}/index.html`);
      times.push(await (await p.waitForFunction('globalThis.coldMs')).jsonValue());
      await ctx.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { firstPredictionMs: median(times) };
}

export async function edgeBench() {
  const model = w3Model();
  const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-edge-'));
  writeFileSync(join(dir, 'w3.safetensors'), model);
  const r = { bundle: await bundleSize(), node: nodeCold(join(dir, 'w3.safetensors')), miniflare: await miniflareCold(model), chromium: await chromiumCold(model) };
  console.log('Edge: the inference entry and cold starts (import → first prediction of the W3 model; medians of 5 fresh starts)');
  console.log(`  bundle (esbuild, minified, wasm included): ${r.bundle.minifiedKB.toFixed(1)} KB, ${r.bundle.gzipKB.toFixed(1)} KB gzipped`);
  console.log(`  Node: ${r.node.firstPredictionMs.toFixed(1)} ms in the process (${r.node.processMs.toFixed(0)} ms for the whole process)`);
  console.log(`  workerd (miniflare): first request ${r.miniflare.firstRequestMs.toFixed(1)} ms after a ${r.miniflare.runtimeStartMs.toFixed(0)} ms runtime start`);
  console.log(r.chromium ? `  Chromium: ${r.chromium.firstPredictionMs.toFixed(1)} ms from the page's module to the first prediction` : '  Chromium: skipped (no /usr/bin/chromium)');
  return r;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await edgeBench();
