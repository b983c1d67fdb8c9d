// GEMM on RNN shapes (M = batch 32): the WASM SIMD kernel with pre-packed weights
// (as the recurrent layers use it), the kernel including the per-call packing, and
// the naive JS loop, side by side in one run. An in-cache run of the same
// micro-kernel (L1-resident operands) is the in-run ceiling: the machine is shared
// and its speed drifts, so ratios to it are what compare across runs.
import b from 'benny';
import { loadRuntimeSync } from '../dist/index.js';
import { naiveGemm } from './naive/gemm.mjs';

const rt = loadRuntimeSync();
const k = rt.kernels;
const opts = { minSamples: 8, maxTime: 1.5 };
const gflops = (flop, ops) => (flop * ops) / 1e9;

function operands(M, N, K) {
  const fill = (r) => { const v = r.f32(); for (let i = 0; i < v.length; i++) v[i] = Math.random() - 0.5; return r; };
  const A = fill(rt.planner.alloc(M * K)), B = fill(rt.planner.alloc(K * N)), C = rt.planner.alloc(M * N);
  const P = rt.planner.alloc(k.packedSize(K, N));
  k.packB(B.ptr, N, K, N, 0, P.ptr);
  return { A, B, C, P };
}

export async function gemmBench() {
  const rows = [];
  // In-cache ceiling: 8x256 · 256x16 (24 KB) accumulated into C, 65 536 FLOP a call;
  // measured before and after the shapes (the machine's speed drifts), the higher counts.
  const probe = operands(8, 16, 256);
  const probeFlop = 2 * 8 * 16 * 256 * 64;
  const ceilings = [];
  const measureCeiling = () => b.suite('ceiling: GEMM micro-kernel on L1-resident operands',
    b.add('wasm simd in-cache', () => { for (let r = 0; r < 64; r++) k.gemmPacked(8, 16, 256, probe.A.ptr, 256, 1, probe.P.ptr, probe.C.ptr, 16, 1); }, opts),
    b.cycle(),
    b.complete((s) => ceilings.push(gflops(probeFlop, s.results[0].ops))),
  );
  await measureCeiling();
  const shapes = [[32, 512, 192], [32, 1024, 256], [32, 2048, 512], [32, 4096, 1024], [32, 512, 512]];
  for (const [M, N, K] of shapes) {
    const o = operands(M, N, K);
    const flop = 2 * M * N * K;
    const a = o.A.f32().slice(), bm = o.B.f32().slice(), c = new Float32Array(M * N);
    // The in-cache ceiling again inside the shape's own suite: benny runs its cases back
    // to back, so the share of this one is measured in the same regime of the machine.
    const cases = [
      b.add('ceiling (same suite)', () => { for (let r = 0; r < 64; r++) k.gemmPacked(8, 16, 256, probe.A.ptr, 256, 1, probe.P.ptr, probe.C.ptr, 16, 1); }, opts),
      b.add('wasm simd (pre-packed B)', () => k.gemmPacked(M, N, K, o.A.ptr, K, 1, o.P.ptr, o.C.ptr, N, 0), opts),
      b.add('wasm simd (packing B per call)', () => k.gemm(0, 0, M, N, K, o.A.ptr, K, o.B.ptr, N, o.C.ptr, N, 0, o.P.ptr), opts),
    ];
    if (N * K <= 2048 * 512) cases.push(b.add('naive JS Float32Array', () => naiveGemm(M, N, K, a, bm, c), { ...opts, minSamples: 4 }));
    await b.suite(`GEMM ${M}x${N}x${K} (M x N x K)`, ...cases, b.cycle(),
      b.complete((s) => {
        const [near, ...rest] = s.results;
        const adjacent = gflops(probeFlop, near.ops);
        for (const r of rest) rows.push({ shape: `${M}x${N}x${K}`, impl: r.name, gflops: gflops(flop, r.ops), adjacentCeiling: adjacent });
      }));
  }
  await measureCeiling();
  const ceiling = Math.max(...ceilings);
  rows.unshift({ shape: 'in-cache 8x16x256', impl: `ceiling (runs: ${ceilings.map((c) => c.toFixed(1)).join(', ')})`, gflops: ceiling });
  console.log('\nGEMM summary (GFLOP/s; % of the in-run in-cache ceiling; × naive JS)');
  for (const r of rows) {
    const naive = rows.find((q) => q.shape === r.shape && q.impl.startsWith('naive'));
    console.log(`  ${r.shape.padEnd(18)} ${r.impl.padEnd(32)} ${r.gflops.toFixed(1).padStart(6)} GFLOP/s  ${(100 * r.gflops / ceiling).toFixed(0).padStart(3)}%` +
      (r.adjacentCeiling ? ` (${(100 * r.gflops / r.adjacentCeiling).toFixed(0)}% of the ceiling in its own suite, ${r.adjacentCeiling.toFixed(1)})` : '') +
      (naive && naive !== r ? `  ×${(r.gflops / naive.gflops).toFixed(1)} naive` : ''));
  }
  return rows;
}
