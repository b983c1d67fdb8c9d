// Child process of memory.bench.mjs: W1 LSTM training steps in a fresh process, so its
// RSS is ours alone. argv: total steps, warm-up steps. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { loadRuntimeSync, Sequential, layers, optim } from '../dist/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';

const steps = Number(process.argv[2] ?? 300), warm = Number(process.argv[3] ?? 50);
const { V, E, H, C, batch } = referenceWorkload();
const rt = loadRuntimeSync();
const model = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers.lstm({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
const opt = optim.adam({ lr: 1e-3 });
const gc = globalThis.gc ?? (() => {});
// heapTotal is what V8 has committed for its heap: it grows in steps as V8 enlarges the
// young generation (bounded by --max-semi-space-size), and RSS follows it, while what
// the program holds (heapUsed, external, wasm memory) stays flat.
const snap = (step) => {
  gc();
  const m = process.memoryUsage(), MB = 2 ** 20;
  return { step, rssMB: m.rss / MB, heapMB: m.heapUsed / MB, heapTotalMB: m.heapTotal / MB, externalMB: m.external / MB, wasmMB: rt.memory.buffer.byteLength / MB };
};
const samples = [snap(0)];
const t0 = performance.now();
const every = Math.max(1, Math.floor((steps - warm) / 10));
for (let s = 1; s <= steps; s++) {
  model.trainStep(batch, opt, { reduction: 'sum' });
  if (s === warm || (s > warm && (s - warm) % every === 0) || s === steps) samples.push(snap(s));
}
const seconds = (performance.now() - t0) / 1000;
// Peak RSS from /proc (VmHWM, reset at exec): getrusage's maxrss keeps the parent's
// peak across fork + exec on Linux, so it would report the bench process's high-water mark.
let peakRssMB = process.resourceUsage().maxRSS / 1024;
try { peakRssMB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024; } catch { /* not Linux: maxrss */ }
console.log(JSON.stringify({ steps, warm, seconds, peakRssMB, samples }));
