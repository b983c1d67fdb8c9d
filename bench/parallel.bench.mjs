// Two-thread training (ParallelTrainer, data parallel over the batch) against one
// thread, measured side by side in one run: steps alternate between a one-thread
// model and an identical two-thread one so that machine noise hits both alike. Then
// batch inference (ParallelPredictor) on two threads against one, alternated the same
// way, and a correctness check of 3 and 4 threads (one step against one thread's
// gradients; on a 2-core machine these are not speed figures).
// W1: LSTM T 64, B 32, I 64, H 128, dense head to 64 classes per step, Adam.
// W4: LSTM T 32, B 64, I 512, H 512 on feature inputs, head to 64 classes, Adam;
// GFLOP/s count the LSTM only: 3 · 2·T·B·4H·(I+H) per training step.
// Run alone with `node bench/parallel.bench.mjs` (after `npm run build`).
import { loadRuntimeSync, Sequential, layers, optim, Rng, ParallelTrainer, ParallelPredictor } from '../dist/node/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';
import { summarize } from './timing.mjs';

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Alternates one-thread and two-thread steps; returns the median ms of each. */
async function sideBySide(makeModel, batch, samples) {
  const rt1 = loadRuntimeSync(), rt2 = loadRuntimeSync();
  const m1 = makeModel(rt1), m2 = makeModel(rt2);
  const o1 = optim.adam({ lr: 1e-3 }), o2 = optim.adam({ lr: 1e-3 });
  // probe: false — measure two threads even when the machine is busy (the figure is the point here).
  const trainer = await ParallelTrainer.create(m2, o2, { threads: 2, probe: false });
  try {
    for (let i = 0; i < 3; i++) { m1.trainStep(batch, o1); trainer.trainStep(batch); } // tier-up
    const one = [], two = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      m1.trainStep(batch, o1);
      one.push(performance.now() - t);
      t = performance.now();
      trainer.trainStep(batch);
      two.push(performance.now() - t);
    }
    return { oneThreadMs: median(one), twoThreadMs: median(two), one: summarize(one), two: summarize(two), sync: trainer.measureSync(100), timings: trainer.lastTimings };
  } finally {
    await trainer.close();
    m1.dispose();
    m2.dispose();
  }
}

/** How much a second thread gets of the machine right now (≈ 2 when both cores are free). */
async function secondCore() {
  const m = new Sequential(loadRuntimeSync(), [layers.dense({ units: 2 })], { inputFeatures: 2, loss: 'mse' });
  const t = await ParallelTrainer.create(m, optim.sgd({ lr: 0 }), { minSpeedup: 0 });
  const x = t.probeSpeedup ?? 1;
  await t.close();
  return x;
}

/** Batch inference of `rows` (the classes per step, model.predict) on one thread and on two (ParallelPredictor), passes of 64 rows, alternated; rows/s. */
async function inferenceSideBySide(makeModel, rows, samples) {
  const m = makeModel(loadRuntimeSync());
  const p = await ParallelPredictor.create(m, { threads: 2, batchSize: 64 });
  const one1 = await ParallelPredictor.create(m, { threads: 1, batchSize: 64 });
  try {
    for (let i = 0; i < 2; i++) { await one1.predict(rows); await p.predict(rows); } // tier-up
    const one = [], two = [];
    let same = true;
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      const a = await one1.predict(rows);
      one.push(performance.now() - t);
      t = performance.now();
      const b = await p.predict(rows);
      two.push(performance.now() - t);
      if (i === 0) same = JSON.stringify(a) === JSON.stringify(b);
    }
    return { rows: rows.length, one: summarize(one), two: summarize(two), oneRowsPerS: rows.length / median(one) * 1000, twoRowsPerS: rows.length / median(two) * 1000, identical: same, threads: p.threads };
  } finally {
    await p.close();
    await one1.close();
    m.dispose();
  }
}

/** One step on 3 and 4 threads against one thread's: the largest |difference| of the gradients relative to their largest magnitude. */
async function manyThreadsCheck(makeModel, batch) {
  const out = {};
  for (const threads of [3, 4]) {
    const a = makeModel(loadRuntimeSync()), b = makeModel(loadRuntimeSync());
    const t = await ParallelTrainer.create(b, optim.sgd({ lr: 0 }), { threads, probe: false });
    a.trainStep(batch, optim.sgd({ lr: 0 }));
    t.trainStep(batch);
    const ga = a.grads.f32(), gb = b.grads.f32();
    let worst = 0, scale = 0;
    for (let i = 0; i < ga.length; i++) { worst = Math.max(worst, Math.abs(ga[i] - gb[i])); scale = Math.max(scale, Math.abs(ga[i])); }
    out[threads] = { threads: t.threads, relativeDiff: worst / scale };
    await t.close();
    a.dispose(); b.dispose();
  }
  return out;
}

export async function parallelBench({ samples1 = 31, samples4 = 9, samplesInference = 9, log = console.log } = {}) {
  const probeBefore = await secondCore();
  const { V, E, H, C, batch } = referenceWorkload();
  const w1 = await sideBySide((rt) => new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers.lstm({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 }), batch, samples1);

  const T4 = 32, B4 = 64, I4 = 512, H4 = 512, C4 = 64, rng = new Rng(9);
  const batch4 = {
    inputs: Array.from({ length: B4 }, () => Array.from({ length: T4 }, () => Array.from({ length: I4 }, () => rng.uniform(-1, 1)))),
    targets: Array.from({ length: B4 }, () => Array.from({ length: T4 }, () => rng.int(C4))),
  };
  const w4 = await sideBySide((rt) => new Sequential(rt, [layers.lstm({ hiddenSize: H4 }), layers.dense({ units: C4 })], { seed: 1, inputFeatures: I4 }), batch4, samples4);
  const flop4 = 3 * 2 * T4 * B4 * 4 * H4 * (I4 + H4);
  const rowRng = new Rng(5);
  const rows = Array.from({ length: 1024 }, () => Array.from({ length: 16 + rowRng.int(49) }, () => rowRng.int(V)));
  const w1Model = (rt) => new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers.lstm({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
  const inference = await inferenceSideBySide(w1Model, rows, samplesInference);
  const many = await manyThreadsCheck(w1Model, batch);
  const probeAfter = await secondCore();

  // Stats ({ median, min, max, n } in ms) in the shape bench/report.mjs reads; the one-thread
  // figures are the side-by-side ones, so the speed-ups compare like with like.
  const result = {
    threads: 2,
    w1: { lstm: w1.two }, w1OneThread: { lstm: w1.one },
    w4: w4.two, w4OneThread: w4.one, gflops4: { one: flop4 / w4.oneThreadMs / 1e6, two: flop4 / w4.twoThreadMs / 1e6 },
    // One step's synchronisation with no compute on the W1 model: weights out, gradients back, their sum, two hand-offs.
    syncUs: w1.sync.exchangeUs,
    probeSpeedup: { before: probeBefore, after: probeAfter },
    // Batch inference, W1 model, 1,024 rows of 16–64 tokens: { one, two } stats in ms per call, rows/s, outputs identical.
    inference,
    // 3 and 4 threads, one W1 step: gradients against one thread's (relative to the largest gradient).
    manyThreads: many,
  };
  const f = (v, d = 2) => v.toFixed(d);
  log(`Two threads (data parallel over the batch) vs one, medians of ${samples1} (W1) and ${samples4} (W4) alternating steps`);
  log(`  W1 LSTM T=64 B=32 I=64 H=128 C=64   one thread ${f(w1.oneThreadMs).padStart(8)} ms   two threads ${f(w1.twoThreadMs).padStart(8)} ms   ×${f(w1.oneThreadMs / w1.twoThreadMs)}`);
  log(`  W4 LSTM T=32 B=64 I=512 H=512       one thread ${f(w4.oneThreadMs).padStart(8)} ms   two threads ${f(w4.twoThreadMs).padStart(8)} ms   ×${f(w4.oneThreadMs / w4.twoThreadMs)}   (${f(result.gflops4.one, 1)} → ${f(result.gflops4.two, 1)} GFLOP/s)`);
  log(`  batch inference, W1 model, ${inference.rows} rows of 16–64 tokens: one thread ${f(inference.oneRowsPerS, 0)} rows/s, two threads ${f(inference.twoRowsPerS, 0)} rows/s, ×${f(inference.twoRowsPerS / inference.oneRowsPerS)}; outputs identical: ${inference.identical}`);
  log(`  3 and 4 threads (correctness, one W1 step): gradients within ${Object.entries(many).map(([k, v]) => `${k}: ${v.relativeDiff.toExponential(1)}`).join(', ')} of one thread's (relative to the largest)`);
  log(`  sync per step (W1, no compute): ${f(w1.sync.exchangeUs, 0)} µs (bare hand-off ${f(w1.sync.handoffUs, 1)} µs); W4: ${f(w4.sync.exchangeUs, 0)} µs`);
  log(`  second-core probe before / after: ×${f(probeBefore)} / ×${f(probeAfter)} (a fixed GEMM on two threads vs one; well under 2: another process took CPU time)`);
  log(`  last two-thread step, main thread (ms): W1 ${fmtTimings(w1.timings)}; W4 ${fmtTimings(w4.timings)}`);
  return result;
}

function fmtTimings(t) {
  return t ? `prepare ${t.prepareMs.toFixed(2)}, compute ${t.computeMs.toFixed(2)}, wait ${t.waitMs.toFixed(2)}, update ${t.updateMs.toFixed(2)} (worker ${t.workerMs.toFixed(2)})` : 'n/a';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Alone, it also runs the PyTorch peer (one thread, W1 LSTM) in the same run for the headline ratio.
  const { pytorchPeer } = await import('./peers/pytorch.mjs');
  const torch = pytorchPeer()?.find((r) => r.cell === 'lstm');
  const r = await parallelBench();
  if (torch) console.log(`  W1 LSTM: PyTorch one thread ${torch.trainMs.toFixed(2)} ms → rnn-wasm one thread ×${(torch.trainMs / r.w1.oneThreadMs).toFixed(2)}, two threads ×${(torch.trainMs / r.w1.twoThreadMs).toFixed(2)}`);
  console.log(JSON.stringify(r));
}
