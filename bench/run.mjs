// `npm run bench`: every suite and every peer, one after another in one run, then
// docs/BENCHMARKS.md (bench/report.mjs). Ratios measured side by side in one run are
// what count: the machine is shared and its speed drifts.
//   npm run bench                 the whole suite (≈ 15–18 min on 2 quiet cores: the grid ≈ 1.5 min + its
//                                 threads: 2 ≈ 1.5–2 min, the tagger epochs ≈ 2–5 min, the demo ≈ 1–2.5 min,
//                                 W2 on two threads ≈ 10 s; 41+ min on an overloaded machine)
//   npm run bench -- --soak       the memory check over 10,000 W1 steps (≈ 6+ min more)
//   npm run bench -- --no-tfjs-cpu  skip the slowest peer (≈ 30 s per tfjs-cpu W1 step)
//   npm run bench -- --no-write   print only, leave docs/BENCHMARKS.md alone
//   npm run bench -- --quick-grid  the shape grid's quick mode (8 shapes) instead of the grid
//   (default) the grid times threads: 2 (against PyTorch's best of 1 and 2 threads) for each shape
//                                 with batch ≥ 8 that is below PyTorch one thread (≈ 1.5–2 min more)
//   npm run bench -- --grid-threads  threads: 2 for every batch ≥ 8 shape, in the one-thread rounds (≈ 2× longer)
//   npm run bench -- --no-grid-threads  no threads: 2 in the grid
//   npm run bench -- --no-grid / --no-tagger   skip the shape grid / the tagger epochs
//   npm run bench -- --tagger-limit N   the tagger on the first N Brown sentences only
//   npm run bench -- --no-demo    skip the demo (`node dist/cli/main.js demo`, its defaults, in a child
//                                 process: ≈ 1–2.5 min); --demo-limit N runs it on the first N sentences
//   npm run bench -- --no-w2-threads  skip W2 on two threads against onnxruntime-node (≈ 10 s)
import os from 'node:os';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gemmBench } from './gemm.bench.mjs';
import { muladdCeiling } from './ceiling.bench.mjs';
import { elmanBench } from './elman.bench.mjs';
import { recurrentBench } from './recurrent.bench.mjs';
import { bigBench } from './big.bench.mjs';
import { naiveLstmBench } from './naive.bench.mjs';
import { memoryBench } from './memory.bench.mjs';
import { optimizerBench } from './optimizer.bench.mjs';
import { pytorchPeer } from './peers/pytorch.mjs';
import { onnxruntimePeer } from './peers/onnxruntime.mjs';
import { onnxruntimeWebPeer, onnxruntimeWebVersion } from './peers/onnxruntime-web.mjs';
import { gridBench } from './grid.bench.mjs';
import { taggerBench } from './tagger.bench.mjs';
import { brainjsPeer } from './peers/brainjs.mjs';
import { tfjsPeer } from './peers/tfjs.mjs';
import { edgeBench } from './edge.bench.mjs';
import { int8Bench } from './int8.bench.mjs';
import { w2ThreadsBench } from './w2-threads.bench.mjs';
import { demoBench } from './demo.bench.mjs';
import { writeReport } from './report.mjs';
import { referenceWorkload } from '../dist/cli/bench.js';

const argv = process.argv.slice(2);
const taggerLimit = argv.includes('--tagger-limit') ? Number(argv[argv.indexOf('--tagger-limit') + 1]) : undefined;
const demoLimit = argv.includes('--demo-limit') ? Number(argv[argv.indexOf('--demo-limit') + 1]) : undefined;
const args = new Set(argv.filter((a) => a.startsWith('--')));
const soak = args.has('--soak');
const started = new Date();
const t0 = performance.now();
const section = (title) => console.log(`\n=== ${title} (${((performance.now() - t0) / 1000).toFixed(0)} s) ===`);
const require = createRequire(import.meta.url);
const version = (p) => { try { return require(`${p}/package.json`).version; } catch { return null; } };

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown CPU', cores: os.cpus().length, node: process.version, v8: process.versions.v8,
  os: `${os.type()} ${os.release()}`, memGB: os.totalmem() / 2 ** 30, loadavg: os.loadavg(),
  rnnWasm: JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).version,
};
console.log(`rnn-wasm benchmarks — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, single thread; load average ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
const wl = referenceWorkload();
const results = { started, machine, args: argv, versions: {} };

section('GEMM and the 128-bit SIMD mul+add ceiling');
const c1 = await muladdCeiling();
results.gemm = await gemmBench();
const c2 = await muladdCeiling();
results.muladd = { best: Math.max(c1.best, c2.best), runs: [c1.best, c2.best] };
const target = results.gemm.filter((r) => r.impl.startsWith('wasm simd (pre-packed'));
console.log(`GEMM (pre-packed, M=32) as a share of the mul+add ceiling ${results.muladd.best.toFixed(1)} GFLOP/s: ` +
  target.map((r) => `${r.shape} ${(100 * r.gflops / results.muladd.best).toFixed(0)}%`).join(', '));

section('rnn-wasm: Elman beside the naive JS Elman');
results.elman = await elmanBench();
section('rnn-wasm: W1 train, W2 infer, W3 stream');
results.ours = await recurrentBench();
section('rnn-wasm: int8 inference beside f32 (W2, W3, file size)');
results.int8 = await int8Bench();
section('rnn-wasm: W4 big');
results.big = await bigBench();
section('rnn-wasm: the optimizer step with and without the finite-update guard');
results.optimizer = await optimizerBench();

// threads: 2 — ParallelTrainer (rnn-wasm/node), one- and two-thread steps alternated
// (bench/parallel.bench.mjs → { threads, w1: { lstm }, w1OneThread, w4, w4OneThread, syncUs, … }).
section('rnn-wasm: threads: 2');
const { parallelBench } = await import('./parallel.bench.mjs');
results.parallel = await parallelBench({ log: console.log });

section('PyTorch CPU (one thread): W1–W4');
results.pytorch = pytorchPeer(2);
section('onnxruntime-node (one thread): W2, W3');
results.onnxruntime = await onnxruntimePeer(wl);
section('onnxruntime-web (wasm SIMD; one thread and numThreads 2), alternated with rnn-wasm: W2, W3');
results.onnxruntimeWeb = results.onnxruntime ? onnxruntimeWebPeer() : (console.log('  skipped: it runs the models the onnxruntime-node peer exports'), null);
section('W2 on two threads (int8 and f32, ParallelPredictor) alternated with onnxruntime-node f32 one thread');
results.w2Threads = args.has('--no-w2-threads') ? (console.log('  skipped (--no-w2-threads)'), null)
  : results.onnxruntime ? await w2ThreadsBench() : (console.log('  skipped: it runs the model the onnxruntime-node peer exports'), null);
section('naive JS LSTM: W1');
results.naive = await naiveLstmBench(wl);
section('brain.js: W1 tokens');
results.brainjs = await brainjsPeer(wl);
section('TensorFlow.js wasm backend');
results.tfjsWasm = await tfjsPeer('wasm', wl, { reps: 3 });
section('TensorFlow.js cpu backend');
// ≈ 25–35 s per LSTM W1 step here: one warm-up is skipped for W1 and two samples taken.
results.tfjsCpu = args.has('--no-tfjs-cpu') ? (console.log('  skipped (--no-tfjs-cpu)'), null) : await tfjsPeer('cpu', wl, { reps: 2, w1Warmup: 0 });

section('shape grid: training step over batch, hidden, layers, direction; PyTorch one thread alternated');
results.grid = args.has('--no-grid') ? (console.log('  skipped (--no-grid)'), null) : await gridBench({ quick: args.has('--quick-grid'), threads: args.has('--grid-threads') ? true : args.has('--no-grid-threads') ? false : 'failing' });
section('the tagger end to end: one pos-brown epoch, rnn-wasm and PyTorch');
results.tagger = args.has('--no-tagger') ? (console.log('  skipped (--no-tagger)'), null) : await taggerBench({ limit: taggerLimit });

section(`the demo end to end: node dist/cli/main.js demo (its default threads) in a child process${demoLimit ? `, --limit ${demoLimit}` : ''}`);
results.demo = args.has('--no-demo') ? (console.log('  skipped (--no-demo)'), null) : await demoBench({ limit: demoLimit });

section(`memory: W1 LSTM training, ${soak ? '10,000 steps (--soak)' : '300 steps (default; --soak runs 10,000)'}`);
results.memory = memoryBench(soak ? { steps: 10000, warm: 100 } : { steps: 300, warm: 50 });

section('edge: bundle size and cold starts (Node, workerd, Chromium)');
results.edge = await edgeBench();

results.versions = {
  pytorch: results.pytorch?.version ?? null, pytorchBlas: results.pytorch?.blas ?? null,
  onnxruntime: version('onnxruntime-node'), onnxruntimeWeb: onnxruntimeWebVersion(), tfjs: version('@tensorflow/tfjs'), tfjsWasm: version('@tensorflow/tfjs-backend-wasm'),
  brainjs: version('brain.js'), assemblyscript: version('assemblyscript'), benny: version('benny'),
  miniflare: version('miniflare'), esbuild: version('esbuild'), playwrightCore: version('playwright-core'),
};
results.seconds = (performance.now() - t0) / 1000;
section('report');
// Kept so the report can be rendered again without re-measuring: node bench/report.mjs build/bench-results.json
mkdirSync(new URL('../build/', import.meta.url), { recursive: true });
writeFileSync(new URL('../build/bench-results.json', import.meta.url), JSON.stringify(results));
const md = writeReport(results, { write: !args.has('--no-write') });
console.log(md.summary);
process.exit(0); // worker threads (tagger, threads: 2) must not keep the process alive
