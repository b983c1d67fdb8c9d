// `rnn-wasm bench`: the reference workload (batch 32, 64 steps, input 64, hidden 128,
// 64 classes) for each cell — training step, forward, and one streaming step at
// batch 1 — as median times over a few seconds each. The benny suites with the naive
// JavaScript peer are `npm run bench` in the repository.
import type { Runtime } from '../runtime/runtime.js';
import { Sequential } from '../model/sequential.js';
import * as layers from '../layers/index.js';
import { adam } from '../optim/index.js';
import { Rng } from '../random.js';
import { ParallelTrainer } from '../node/parallel-trainer.js';

function median(f: () => void, seconds: number): number {
  for (let i = 0; i < 3; i++) f(); // warm-up: optimised wasm code arrives after a few calls
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || times.length < 5) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * The reference workload of DESIGN.md §8 / issue 6 (W1–W3): shapes and one seeded
 * batch of token ids with a class per step. Shared by this command and bench/.
 */
export function referenceWorkload() {
  const T = 64, B = 32, V = 1000, E = 64, H = 128, C = 64, rng = new Rng(5);
  const inputs = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
  return { T, B, V, E, H, C, batch: { inputs, targets: inputs.map((s) => s.map(() => rng.int(C))) } };
}

/** The table for each cell; with threads = 2 the training step runs on a ParallelTrainer (inference stays on one thread). */
export async function runQuickBench(rt: Runtime, seconds: number, threads = 1): Promise<string[]> {
  const { T, B, V, E, H, C, batch } = referenceWorkload();
  const inputs = batch.inputs;
  const out = [`cell   train step (ms)   tokens/s   forward (ms)   tokens/s   stream step (µs)   [T=${T} B=${B} I=${E} H=${H} C=${C}, ${threads === 1 ? 'one thread' : `training on ${threads} threads`}]`];
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    const m = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers[cell]({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
    const opt = adam();
    const trainer = await ParallelTrainer.create(m, opt, { threads });
    if (trainer.fallbackReason && cell === 'lstm') out.push(`(training on one thread: ${trainer.fallbackReason})`);
    const train = median(() => trainer.trainStep(batch), seconds);
    await trainer.close();
    const fwd = median(() => m.outputsView(inputs), seconds);
    const s = m.stream(1), buf = new Float32Array(C);
    let tok = 0;
    const step = median(() => { for (let i = 0; i < 100; i++) s.step([(tok = (tok + 7) % V)], buf); }, seconds) * 10;
    s.dispose();
    m.dispose();
    const f = (v: number, w: number, d = 2) => v.toFixed(d).padStart(w);
    out.push(`${cell.padEnd(6)} ${f(train, 16)} ${Math.round((T * B) / train * 1000).toString().padStart(10)} ${f(fwd, 14)} ${Math.round((T * B) / fwd * 1000).toString().padStart(10)} ${f(step, 18, 1)}`);
  }
  return out;
}
