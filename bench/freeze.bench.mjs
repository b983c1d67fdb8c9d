// The frozen model (freeze(): the embedding folded into the first recurrent layer's input
// projection) against the plain one on W2 (forward, batch 32 × 64 steps) and W3 (one
// streaming step at batch 1), one thread: rounds alternate plain and frozen, each timed
// in CPU time (process.cpuUsage, so other jobs on the shared machine count less than in
// wall time), and the ratio is taken per round pair.
//   node bench/freeze.bench.mjs [lstm|gru|rnn] [rounds] [--int8]   (after npm run build)
// --int8: quantize() first, then freeze (the int8 model against its frozen copy).
import { loadRuntimeSync, Sequential, layers, freeze, quantize } from '../dist/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const int8 = process.argv.includes('--int8');
const cell = args[0] ?? 'lstm', rounds = Number(args[1] ?? 8);
const { V, E, H, C, batch } = referenceWorkload();
const rt = loadRuntimeSync();
const f32 = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers[cell]({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
const model = int8 ? quantize(f32) : f32;
const frozen = freeze(model);
const s = model.stream(1), fs = frozen.stream(1), out = new Float32Array(C);
let t1 = 0, t2 = 0;
/** CPU µs per call of f over n calls. */
const cpu = (f, n) => { const a = process.cpuUsage(); for (let i = 0; i < n; i++) f(); const d = process.cpuUsage(a); return (d.user + d.system) / n; };
const w2p = () => model.outputsView(batch.inputs), w2f = () => frozen.outputsView(batch.inputs);
const w3p = () => s.step([t1 = (t1 + 7) % V], out), w3f = () => fs.step([t2 = (t2 + 7) % V], out);
for (let i = 0; i < 5; i++) { w2p(); w2f(); } // tier-up
for (let i = 0; i < 5000; i++) { w3p(); w3f(); }
const r = { p2: [], f2: [], r2: [], p3: [], f3: [], r3: [] };
for (let k = 0; k < rounds; k++) {
  const a = cpu(w2p, 20), b = cpu(w2f, 20), c = cpu(w3p, 20000), d = cpu(w3f, 20000);
  r.p2.push(a / 1000); r.f2.push(b / 1000); r.r2.push(a / b); r.p3.push(c); r.f3.push(d); r.r3.push(c / d);
}
const med = (v) => { const x = [...v].sort((p, q) => p - q); return x.length % 2 ? x[x.length >> 1] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2; };
const fmt = (v, d = 2) => `${med(v).toFixed(d)} (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})`;
const name = `${cell}${int8 ? ' int8' : ''}`;
console.log(`${name} W2 CPU ms: plain ${fmt(r.p2)}, frozen ${fmt(r.f2)}, plain/frozen ×${fmt(r.r2)}`);
console.log(`${name} W3 CPU µs: plain ${fmt(r.p3)}, frozen ${fmt(r.f3)}, plain/frozen ×${fmt(r.r3)}  (${rounds} alternated rounds, medians (min–max))`);
for (const m of new Set([frozen, model, f32])) m.dispose();
