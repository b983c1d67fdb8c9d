// Kernel work on the reference workloads, for comparing two builds of the library on a
// shared, noisy machine (issue 14). Two modes:
//   node bench/kernel-pair.mjs run WORKLOAD N [ROOT]
//     runs one workload N times and exits: wrap it in `valgrind --tool=callgrind` at two
//     values of N and divide the difference of the instruction counts by the difference of N.
//   node bench/kernel-pair.mjs pair ROOT_A ROOT_B [WORKLOADS] [ROUNDS]
//     loads both builds (each ROOT holds a dist/) in one process and times their workloads
//     alternated A B / B A round by round; prints medians and the median of the per-round
//     ratios A/B (above 1: B is faster). Times are the process's CPU time per call (set
//     KERNEL_PAIR_CLOCK=wall for wall time).
// Workloads (T 64, B 32, embedding 64, hidden 128, head 64 classes, as bench/recurrent.bench.mjs):
//   w2 LSTM forward with softmax · w3 100 LSTM stream steps at batch 1 · g3 the same, GRU ·
//   w1 LSTM training step · g1 GRU training step · gw2 GRU forward ·
//   s1 / s2 the character-BiLSTM shape (embedding 16, bidirectional LSTM 16) training step / forward ·
//   ceil the in-cache GEMM micro-kernel (8×16×256, 64 times), the ceiling of bench/gemm.bench.mjs.
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function workloads(root = here) {
  const { loadRuntimeSync, Sequential, layers, optim } = await import(`${root}/dist/index.js`);
  const { referenceWorkload } = await import(`${root}/dist/cli/bench.js`);
  const { V, E, H, C, batch } = referenceWorkload();
  const rt = loadRuntimeSync(), k = rt.kernels;
  const model = (cell, h, e, bidirectional = false) =>
    new Sequential(rt, [layers.embedding({ vocabSize: V, dim: e }), layers[cell]({ hiddenSize: h, bidirectional }), layers.dense({ units: C })], { seed: 1 });
  const lstm = model('lstm', H, E), gru = model('gru', H, E), small = model('lstm', 16, 16, true);
  const [oL, oG, oS] = [0, 1, 2].map(() => optim.adam({ lr: 1e-3 }));
  const lstmStream = lstm.stream(1), gruStream = gru.stream(1), out = new Float32Array(C);
  let tok = 0;
  const steps = (s) => () => { for (let i = 0; i < 100; i++) s.step([(tok = (tok + 7) % V)], out); };
  // The in-cache ceiling probe of bench/gemm.bench.mjs.
  const a = rt.planner.alloc(8 * 256), b = rt.planner.alloc(256 * 16), c = rt.planner.alloc(8 * 16), p = rt.planner.alloc(k.packedSize(256, 16));
  a.f32().fill(0.01);
  b.f32().fill(0.01);
  k.packB(b.ptr, 16, 256, 16, 0, p.ptr);
  return {
    w2: () => lstm.outputsView(batch.inputs),
    w3: steps(lstmStream),
    g3: steps(gruStream),
    w1: () => lstm.trainStep(batch, oL, { reduction: 'sum' }),
    g1: () => gru.trainStep(batch, oG, { reduction: 'sum' }),
    gw2: () => gru.outputsView(batch.inputs),
    s1: () => small.trainStep(batch, oS, { reduction: 'sum' }),
    s2: () => small.outputsView(batch.inputs),
    ceil: () => { for (let r = 0; r < 64; r++) k.gemmPacked(8, 16, 256, a.ptr, 256, 1, p.ptr, c.ptr, 16, 1); },
  };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'run') {
  const [name, n, root] = args;
  const w = (await workloads(root))[name];
  if (!w) throw new Error(`unknown workload '${name}'`);
  for (let i = 0; i < Number(n); i++) w();
} else if (mode === 'pair') {
  const [rootA, rootB, names = 'w2,w3,g1,w1,s1,ceil', rounds = '9'] = args;
  const builds = [await workloads(rootA), await workloads(rootB)];
  const list = names.split(',');
  const reps = { w1: 5, g1: 5, s1: 10, s2: 20, w2: 10, gw2: 10, w3: 10, g3: 10, ceil: 50 };
  for (let i = 0; i < 5; i++) for (const b of builds) for (const n of list) b[n]();
  const t = Object.fromEntries(list.map((n) => [n, [[], []]]));
  // The process's CPU time (getrusage), not wall time: on a machine shared by more runnable
  // processes than cores, wall times include the slices other processes ran in.
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const clock = process.env.KERNEL_PAIR_CLOCK === 'wall' ? () => performance.now() : cpuMs;
  const time = (f, r) => { const t0 = clock(); for (let i = 0; i < r; i++) f(); return (clock() - t0) / r; };
  for (let r = 0; r < Number(rounds); r++) {
    for (const n of list) for (const j of r % 2 ? [1, 0] : [0, 1]) t[n][j].push(time(builds[j][n], reps[n] ?? 5));
  }
  for (const n of list) {
    const [A, B] = t[n], ratios = A.map((v, i) => v / B[i]);
    const unit = n === 'w3' || n === 'g3' ? ['µs/step', 10] : ['ms', 1];
    console.log(`${n.padEnd(5)} A ${(median(A) * unit[1]).toFixed(3)} ${unit[0]}   B ${(median(B) * unit[1]).toFixed(3)} ${unit[0]}   ` +
      `A/B ${median(ratios).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  }
} else {
  console.error('usage: node bench/kernel-pair.mjs run WORKLOAD N [ROOT] | pair ROOT_A ROOT_B [WORKLOADS] [ROUNDS]');
  process.exit(2);
}
