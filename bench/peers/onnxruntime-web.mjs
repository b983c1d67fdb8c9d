// onnxruntime-web peer (issue 14): its WebAssembly backend (SIMD) in Node, one thread
// and its threaded build (numThreads 2, worker threads), on W2 (forward, batch 32 × 64
// steps) and W3 (one streaming step at batch 1, state fed back) for LSTM, GRU and Elman.
// It runs the very graphs the onnxruntime-node peer runs (bench/peers/pytorch_onnx.py →
// build/onnx); before timing, its outputs are checked against onnxruntime-node's on the
// same input (W2 probabilities and three W3 steps, ≤ 1e-5), and a cell that disagrees
// is not timed.
//
// onnxruntime-web fixes its thread count when its wasm module starts, so each thread
// count runs in a child process of its own (this file, run directly). The machine is
// shared, so inside that process rnn-wasm's own W2/W3 (one thread, same workload shape)
// are timed in alternated rounds with onnxruntime-web's: the ratio of each pair is what
// the report quotes, beside the medians. The frozen rnn-wasm model (freeze(): the
// embedding folded into the first layer's input projection, a table of E·W_ihᵀ + biases)
// is timed in the same rounds beside the plain one; onnxruntime-web runs the exported,
// unfolded graph (Gather → LSTM: it folds constants, not a Gather into an LSTM's weights).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { measure, scale, summarize } from '../timing.mjs';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const CELLS = ['lstm', 'gru', 'rnn'];

/** The installed package's folder (its package.json is not among its exports). */
export function onnxruntimeWebRoot() {
  let dir = dirname(require.resolve('onnxruntime-web'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/** The installed onnxruntime-web version, or null. */
export function onnxruntimeWebVersion() {
  try { return JSON.parse(readFileSync(join(onnxruntimeWebRoot(), 'package.json'), 'utf8')).version; } catch { return null; }
}

/**
 * Runs the peer for each thread count in a child process; returns
 * { version, threads: { 1: { cells: { lstm: { w2, w3, ours: { w2, w3 }, ratio: { w2, w3 }, diff } } } , 2: … } }
 * (ms; W3 in µs), or null with a notice. `dir` holds the onnxruntime-node peer's exported models.
 */
export function onnxruntimeWebPeer({ dir = 'build/onnx', threads = [1, 2], rounds = 3, seconds = 0.6, log = console.log } = {}) {
  const version = onnxruntimeWebVersion();
  if (!version) {
    log('  onnxruntime-web peer skipped: the package is not installed');
    return null;
  }
  if (!CELLS.every((c) => existsSync(`${dir}/${c}-w2.onnx`) && existsSync(`${dir}/${c}-w3.onnx`))) {
    log(`  onnxruntime-web peer skipped: the exported models are missing from ${dir} (the onnxruntime-node peer writes them)`);
    return null;
  }
  const out = { version, rounds, threads: {} };
  for (const n of threads) {
    const r = spawnSync(process.execPath, [here, '--threads', String(n), '--dir', dir, '--rounds', String(rounds), '--seconds', String(seconds)],
      { encoding: 'utf8', maxBuffer: 1 << 24 });
    for (const line of (r.stderr ?? '').trim().split('\n').filter(Boolean)) log(`  ${line}`);
    const last = (r.stdout ?? '').trim().split('\n').at(-1);
    if (r.status !== 0 || !last?.startsWith('{')) {
      log(`  onnxruntime-web, ${n} thread(s): failed (exit ${r.status})`);
      continue;
    }
    out.threads[n] = JSON.parse(last);
  }
  return Object.keys(out.threads).length ? out : null;
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

async function child({ threads, dir, rounds, seconds }) {
  const log = (s) => process.stderr.write(`${s}\n`);
  const ortWeb = await import('onnxruntime-web');
  const ortNode = require('onnxruntime-node');
  ortWeb.env.wasm.numThreads = threads;
  ortWeb.env.wasm.simd = true;
  const { loadRuntimeSync, Sequential, layers, freeze } = await import('../../dist/index.js');
  const { referenceWorkload } = await import('../../dist/cli/bench.js');
  const { T, B, H, V, E, C, batch } = referenceWorkload();
  const ids = new BigInt64Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids[t * B + b] = BigInt(batch.inputs[b][t]);
  const webOpts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const nodeOpts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const rt = loadRuntimeSync();
  const res = { threads, cells: {} };
  for (const cell of CELLS) {
    const names = cell === 'lstm' ? ['h', 'c'] : ['h'];
    const zeros = (ort) => Object.fromEntries(names.map((n) => [`${n}0`, new ort.Tensor('float32', new Float32Array(H), [1, 1, H])]));
    const web2 = await ortWeb.InferenceSession.create(`${dir}/${cell}-w2.onnx`, webOpts);
    const web3 = await ortWeb.InferenceSession.create(`${dir}/${cell}-w3.onnx`, webOpts);
    // The check: the same graph in onnxruntime-node on the same input.
    const node2 = await ortNode.InferenceSession.create(`${dir}/${cell}-w2.onnx`, nodeOpts);
    const node3 = await ortNode.InferenceSession.create(`${dir}/${cell}-w3.onnx`, nodeOpts);
    let diff = maxDiff((await web2.run({ x: new ortWeb.Tensor('int64', ids, [T, B]) })).probs.data, (await node2.run({ x: new ortNode.Tensor('int64', ids, [T, B]) })).probs.data);
    let sw = zeros(ortWeb), sn = zeros(ortNode);
    for (const tok of [3, 500, 17]) {
      const rw = await web3.run({ x: new ortWeb.Tensor('int64', BigInt64Array.of(BigInt(tok)), [1, 1]), ...sw });
      const rn = await node3.run({ x: new ortNode.Tensor('int64', BigInt64Array.of(BigInt(tok)), [1, 1]), ...sn });
      diff = Math.max(diff, maxDiff(rw.probs.data, rn.probs.data), ...names.map((n) => maxDiff(rw[`${n}1`].data, rn[`${n}1`].data)));
      sw = Object.fromEntries(names.map((n) => [`${n}0`, rw[`${n}1`]]));
      sn = Object.fromEntries(names.map((n) => [`${n}0`, rn[`${n}1`]]));
    }
    await node2.release();
    await node3.release();
    if (!(diff <= 1e-5)) {
      log(`onnxruntime-web ${cell}, ${threads} thread(s): outputs differ from onnxruntime-node by ${diff} (> 1e-5): not timed`);
      res.cells[cell] = { diff };
      continue;
    }
    // rnn-wasm's W2 and W3 on the same shapes (as bench/recurrent.bench.mjs), one thread.
    const model = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers[cell]({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
    const stream = model.stream(1);
    const frozen = freeze(model), frozenStream = frozen.stream(1);
    const buf = new Float32Array(C);
    let tok = 0, tokW = 0, tokF = 0;
    const ours2 = () => { model.outputsView(batch.inputs); };
    const ours3 = () => { for (let i = 0; i < 100; i++) stream.step([tok = (tok + 7) % V], buf); };
    const frozen2 = () => { frozen.outputsView(batch.inputs); };
    const frozen3 = () => { for (let i = 0; i < 100; i++) frozenStream.step([tokF = (tokF + 7) % V], buf); };
    const x = new ortWeb.Tensor('int64', ids, [T, B]);
    const web2run = async () => { (await web2.run({ x })).probs.data; };
    let state = zeros(ortWeb);
    const web3run = async () => {
      for (let i = 0; i < 100; i++) {
        const r = await web3.run({ x: new ortWeb.Tensor('int64', BigInt64Array.of(BigInt((tokW = (tokW + 7) % V))), [1, 1]), ...state });
        r.probs.data;
        state = Object.fromEntries(names.map((n) => [`${n}0`, r[`${n}1`]]));
      }
    };
    for (let i = 0; i < 3; i++) { ours2(); ours3(); frozen2(); frozen3(); await web2run(); await web3run(); } // tier-up, thread pool start
    const s = { o2: [], w2: [], o3: [], w3: [], r2: [], r3: [], f2: [], f3: [], rf2: [], rf3: [] };
    for (let r = 0; r < rounds; r++) {
      const a2 = await measure(ours2, { warmup: 1, minSamples: 5, seconds });
      const b2 = await measure(web2run, { warmup: 1, minSamples: 5, seconds });
      const c2 = await measure(frozen2, { warmup: 1, minSamples: 5, seconds });
      const a3 = scale(await measure(ours3, { warmup: 1, minSamples: 5, seconds }), 10);
      const b3 = scale(await measure(web3run, { warmup: 1, minSamples: 5, seconds }), 10);
      const c3 = scale(await measure(frozen3, { warmup: 1, minSamples: 5, seconds }), 10);
      s.o2.push(a2.median); s.w2.push(b2.median); s.o3.push(a3.median); s.w3.push(b3.median);
      s.r2.push(b2.median / a2.median); s.r3.push(b3.median / a3.median);
      s.f2.push(c2.median); s.f3.push(c3.median); s.rf2.push(b2.median / c2.median); s.rf3.push(b3.median / c3.median);
    }
    frozenStream.dispose();
    frozen.dispose();
    stream.dispose();
    model.dispose();
    await web2.release();
    await web3.release();
    res.cells[cell] = {
      diff, w2: summarize(s.w2), w3: summarize(s.w3), ours: { w2: summarize(s.o2), w3: summarize(s.o3) }, ratio: { w2: summarize(s.r2), w3: summarize(s.r3) },
      frozen: { w2: summarize(s.f2), w3: summarize(s.f3) }, frozenRatio: { w2: summarize(s.rf2), w3: summarize(s.rf3) },
    };
    const c = res.cells[cell];
    log(`onnxruntime-web ${cell}, ${threads} thread(s) (max |Δ| vs onnxruntime-node ${diff.toExponential(1)}): W2 ${c.w2.median.toFixed(2)} ms, W3 ${c.w3.median.toFixed(1)} µs; ` +
      `rnn-wasm (one thread) in alternated rounds: W2 ${c.ours.w2.median.toFixed(2)} ms (×${c.ratio.w2.min.toFixed(2)}–${c.ratio.w2.max.toFixed(2)}), W3 ${c.ours.w3.median.toFixed(1)} µs (×${c.ratio.w3.min.toFixed(1)}–${c.ratio.w3.max.toFixed(1)}); ` +
      `frozen: W2 ${c.frozen.w2.median.toFixed(2)} ms (×${c.frozenRatio.w2.min.toFixed(2)}–${c.frozenRatio.w2.max.toFixed(2)}), W3 ${c.frozen.w3.median.toFixed(1)} µs (×${c.frozenRatio.w3.min.toFixed(1)}–${c.frozenRatio.w3.max.toFixed(1)})`);
  }
  return res;
}

if (process.argv[1] === here) {
  const a = process.argv.slice(2);
  const opt = (k, d) => { const i = a.indexOf(`--${k}`); return i >= 0 ? a[i + 1] : d; };
  const res = await child({ threads: Number(opt('threads', 1)), dir: opt('dir', 'build/onnx'), rounds: Number(opt('rounds', 3)), seconds: Number(opt('seconds', 0.6)) });
  process.stdout.write(`${JSON.stringify(res)}\n`);
  process.exit(0); // the threaded build's worker pool would keep the process alive
}
