// W2 on two threads (issue 14): the int8 model (quantize()) and the f32 model, their 32
// rows of 64 tokens split across 2 threads by ParallelPredictor (rnn-wasm/node) —
// `predict`, the forward with softmax and the most likely class per step, the fastest
// honest multi-thread path (predictOutputs would also clone 131,072 probabilities back
// from the worker) — against onnxruntime-node f32 on one thread on the exported W2
// model (bench/peers/pytorch_onnx.py; probabilities out), alternated round by round in
// one process. The same rounds time the parts that explain the two-thread figure:
//   int8 predict on one thread (the same path, no worker), the bare int8 forward at
//   batch 32 (outputsView: the kernels alone) and at batch 16 (one thread's share of a
//   two-thread call: the best two threads could do if hand-off cost nothing).
// Then two-thread time − the batch-16 forward = what the split costs (the worker
// hand-off, row marshalling, the main thread waiting), measured, not estimated.
//   node bench/w2-threads.bench.mjs            9 rounds of 10 calls (≈ 10 s)
//   node bench/w2-threads.bench.mjs --quick    3 rounds
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRuntimeSync, Sequential, layers, quantize, ParallelPredictor } from '../dist/node/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';
import { exportModels } from './peers/onnxruntime.mjs';
import { summarize } from './timing.mjs';

const require = createRequire(import.meta.url);

/** Milliseconds per call over `reps` awaited calls. */
async function perCall(f, reps) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t0) / reps;
}

export async function w2ThreadsBench({ rounds = 9, reps = 10, dir = 'build/onnx', log = console.log } = {}) {
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    log(`  skipped: onnxruntime-node missing (${e.message.split('\n')[0]})`);
    return null;
  }
  if (!existsSync(`${dir}/lstm-w2.onnx`)) {
    const why = exportModels(dir);
    if (why) { log(`  skipped: ${why}`); return null; }
  }
  const { T, B, V, E, H, C, batch } = referenceWorkload();
  const session = await ort.InferenceSession.create(`${dir}/lstm-w2.onnx`, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const ids = new BigInt64Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids[t * B + b] = BigInt(batch.inputs[b][t]);
  const x = new ort.Tensor('int64', ids, [T, B]);

  const model = new Sequential(loadRuntimeSync(), [layers.embedding({ vocabSize: V, dim: E }), layers.lstm({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
  const q = quantize(model);
  const rows = batch.inputs;
  const half = rows.slice(0, B / 2);
  const q2 = await ParallelPredictor.create(q, { threads: 2, batchSize: 64 });
  const q1 = await ParallelPredictor.create(q, { threads: 1, batchSize: 64 });
  const f2 = await ParallelPredictor.create(model, { threads: 2, batchSize: 64 });
  try {
    // Both paths must give one thread's classes before anything is timed.
    const same = JSON.stringify(await q2.predict(rows)) === JSON.stringify(q.predict(rows)) && JSON.stringify(await f2.predict(rows)) === JSON.stringify(model.predict(rows));
    const cases = {
      ort: async () => { (await session.run({ x })).probs.data; },
      int8Two: () => q2.predict(rows),
      f32Two: () => f2.predict(rows),
      int8OnePredict: () => q1.predict(rows),
      int8Forward32: () => { q.outputsView(rows); },
      int8Forward16: () => { q.outputsView(half); },
    };
    const names = Object.keys(cases);
    for (let i = 0; i < 3; i++) for (const n of names) await cases[n](); // tier-up
    const t = Object.fromEntries(names.map((n) => [n, []]));
    const ratio = [], ratioF32 = [], splitCost = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...names].reverse() : names;
      const m = {};
      for (const n of order) m[n] = await perCall(cases[n], reps);
      for (const n of names) t[n].push(m[n]);
      ratio.push(m.ort / m.int8Two);
      ratioF32.push(m.ort / m.f32Two);
      splitCost.push(m.int8Two - m.int8Forward16);
    }
    const s = Object.fromEntries(names.map((n) => [n, summarize(t[n])]));
    const out = {
      rounds, reps, threads: q2.threads, f32Threads: f2.threads, fallbackReason: q2.fallbackReason ?? null, identical: same,
      ort: s.ort, int8Two: s.int8Two, f32Two: s.f32Two, int8OnePredict: s.int8OnePredict, int8Forward32: s.int8Forward32, int8Forward16: s.int8Forward16,
      ratio: summarize(ratio), ratioF32: summarize(ratioF32), splitCostMs: summarize(splitCost),
      version: require('onnxruntime-node/package.json').version,
    };
    const ms = (v) => `${v.median.toFixed(2)} ms`;
    log(`W2 LSTM (T=${T}, B=${B}, H=${H}) on two threads (ParallelPredictor.predict) against onnxruntime-node f32 one thread; ${rounds} alternated rounds of ${reps} calls, medians`);
    log(`  onnxruntime-node f32, 1 thread ${ms(s.ort)}   int8 threads: 2 ${ms(s.int8Two)} (×${out.ratio.median.toFixed(2)}, ${out.ratio.min.toFixed(2)}–${out.ratio.max.toFixed(2)})   f32 threads: 2 ${ms(s.f32Two)} (×${out.ratioF32.median.toFixed(2)})`);
    log(`  int8 parts: predict on one thread ${ms(s.int8OnePredict)}, bare forward batch 32 ${ms(s.int8Forward32)}, batch 16 (one share) ${ms(s.int8Forward16)}; ` +
      `two threads − one share's forward = ${out.splitCostMs.median.toFixed(2)} ms (${(100 * out.splitCostMs.median / s.int8Two.median).toFixed(0)}% of the two-thread call); threads in use ${q2.threads}; classes identical to one thread's: ${same}`);
    return out;
  } finally {
    await q2.close(); await q1.close(); await f2.close();
    await session.release();
    q.dispose(); model.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await w2ThreadsBench(process.argv.includes('--quick') ? { rounds: 3, reps: 5 } : {});
  process.exit(0);
}
