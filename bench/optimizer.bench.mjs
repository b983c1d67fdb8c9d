// The cost of the finite-update guard: Optimizer.step (the update tried on chunk
// copies, applied only if every weight and moment stays finite) beside the bare Adam
// kernel on the same buffers (what a step cost without the guard), side by side, at
// W1's parameter count and at 2 M parameters. `node bench/optimizer.bench.mjs` alone,
// or within `npm run bench`.
import b from 'benny';
import { fileURLToPath } from 'node:url';
import { loadRuntimeSync, optim } from '../dist/index.js';
import { fromBenny } from './timing.mjs';

export async function optimizerBench() {
  const rt = loadRuntimeSync();
  const res = [];
  for (const n of [170_000, 2_000_000]) {
    const p = rt.planner.alloc(n), g = rt.planner.alloc(n), m = rt.planner.alloc(n), v = rt.planner.alloc(n);
    const pf = p.f32(), gf = g.f32();
    for (let i = 0; i < n; i++) { pf[i] = Math.sin(i); gf[i] = 1e-3 * Math.cos(i); }
    const opt = optim.adam({ lr: 1e-3 });
    const bare = () => rt.kernels.adamStep(p.ptr, g.ptr, m.ptr, v.ptr, n, 1e-3, 0.9, 0.999, 1e-8, 0, 0, 0.1, 0.03);
    await b.suite(`Adam step over ${n.toLocaleString('en')} parameters`,
      b.add('Optimizer.step (guarded)', () => { opt.step(rt, p, g); }, { minSamples: 20, maxTime: 2 }),
      b.add('adamStep kernel (unguarded)', bare, { minSamples: 20, maxTime: 2 }),
      b.cycle(),
      b.complete((s) => { for (const r of s.results) res.push({ n, name: r.name, ms: 1000 / r.ops, stats: fromBenny(r) }); }),
    );
    opt.dispose();
    for (const r of [p, g, m, v]) rt.planner.release(r);
  }
  console.log('\nOptimizer step summary (the guard\'s cost)');
  for (const n of [170_000, 2_000_000]) {
    const [guarded, bareR] = res.filter((r) => r.n === n);
    console.log(`  ${n.toLocaleString('en').padStart(9)} parameters: guarded ${guarded.ms.toFixed(3)} ms, bare ${bareR.ms.toFixed(3)} ms, ×${(guarded.ms / bareR.ms).toFixed(2)}`);
  }
  return res;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await optimizerBench();
