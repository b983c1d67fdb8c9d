// int8 inference beside f32 on the reference workload (bench/recurrent.bench.mjs):
// W2, the forward with softmax at batch 32 × 64 steps, and W3, one streaming step at
// batch 1, for an f32 model and its quantize() copy, timed in alternated rounds in one
// process (f32 then int8, int8 then f32, …) so both see the same machine; the ratio is
// taken per round, of wall time and of the process's CPU time (on shared cores the
// wall clock also counts other jobs' time slices). Also the model file sizes (F32 against int8).
//   node bench/int8.bench.mjs        prints the table (after npm run build)
import { loadRuntimeSync, Sequential, layers, quantize, saveModel } from '../dist/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';
import { summarize } from './timing.mjs';

/** Milliseconds per call of f over `reps` calls: wall clock, and this process's CPU time (what other jobs on the cores do not add). */
function perCall(f, reps) {
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / reps, cpu: (c.user + c.system) / 1000 / reps };
}

/** Alternated rounds of a and b; wall times per call of each, and the per-round ratios a / b of wall and CPU time. */
function alternate(a, b, { rounds = 9, reps = 5, warmup = 10 } = {}) {
  for (let i = 0; i < warmup; i++) { a(); b(); }
  const ta = [], tb = [], ratio = [], cpuRatio = [];
  for (let r = 0; r < rounds; r++) {
    let x, y;
    if (r % 2) { y = perCall(b, reps); x = perCall(a, reps); } else { x = perCall(a, reps); y = perCall(b, reps); }
    ta.push(x.wall); tb.push(y.wall); ratio.push(x.wall / y.wall); cpuRatio.push(x.cpu / y.cpu);
  }
  return { a: summarize(ta), b: summarize(tb), ratio: summarize(ratio), cpuRatio: summarize(cpuRatio) };
}

export async function int8Bench({ log = console.log } = {}) {
  const { T, B, V, E, H, C, batch } = referenceWorkload();
  const rt = loadRuntimeSync();
  const rows = [];
  for (const cell of ['lstm', 'gru', 'rnn']) {
    const model = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers[cell]({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
    const q = quantize(model);
    const f32File = saveModel(model).length, int8File = saveModel(q).length;
    const w2 = alternate(() => model.outputsView(batch.inputs), () => q.outputsView(batch.inputs), { rounds: 9, reps: 10 });
    const sf = model.stream(1), sq = q.stream(1), out = new Float32Array(C);
    let tok = 0;
    const w3 = alternate(() => sf.step([tok = (tok + 7) % V], out), () => sq.step([tok = (tok + 7) % V], out), { rounds: 9, reps: 2000, warmup: 200 });
    // Agreement on this batch: the largest probability difference and the share of equal argmax.
    const pf = Float32Array.from(model.outputsView(batch.inputs)), pq = q.outputsView(batch.inputs);
    let maxDiff = 0, same = 0;
    for (let r = 0; r < pf.length / C; r++) {
      let af = 0, aq = 0;
      for (let c = 0; c < C; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(pf[r * C + c] - pq[r * C + c]));
        if (pf[r * C + c] > pf[r * C + af]) af = c;
        if (pq[r * C + c] > pq[r * C + aq]) aq = c;
      }
      if (af === aq) same++;
    }
    rows.push({ cell, f32File, int8File, w2, w3: { ...w3, a: scaleUs(w3.a), b: scaleUs(w3.b) }, maxDiff, argmaxAgree: same / (pf.length / C) });
    sf.dispose(); sq.dispose(); q.dispose(); model.dispose();
  }
  log(`\nint8 inference beside f32 (T=${T}, B=${B}, I=${E}, H=${H}, C=${C}, one thread; 9 alternated rounds, medians)`);
  log('  cell   W2 f32 ms  W2 int8 ms  speed-up (min–max)  CPU-time speed-up | W3 f32 µs  W3 int8 µs  speed-up | file F32 → int8 bytes (ratio) | max |Δp|  argmax agree');
  for (const r of rows) {
    log(`  ${r.cell.padEnd(5)} ${r.w2.a.median.toFixed(2).padStart(9)} ${r.w2.b.median.toFixed(2).padStart(11)}  ×${r.w2.ratio.median.toFixed(2)} (${r.w2.ratio.min.toFixed(2)}–${r.w2.ratio.max.toFixed(2)})  ×${r.w2.cpuRatio.median.toFixed(2)} (${r.w2.cpuRatio.min.toFixed(2)}–${r.w2.cpuRatio.max.toFixed(2)})`.padEnd(78) +
      `| ${r.w3.a.median.toFixed(2).padStart(9)} ${r.w3.b.median.toFixed(2).padStart(11)}  ×${r.w3.ratio.median.toFixed(2)}    | ${r.f32File} → ${r.int8File} (${(r.int8File / r.f32File).toFixed(3)})`.padEnd(66) +
      ` | ${r.maxDiff.toExponential(1)}  ${(100 * r.argmaxAgree).toFixed(2)}%`);
  }
  return rows;
}

function scaleUs(s) {
  return { ...s, median: s.median * 1000, min: s.min * 1000, max: s.max * 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) await int8Bench();
