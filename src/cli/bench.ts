// `rnn-wasm bench`: the reference workload (batch 32, 64 steps, input 64, hidden 128,
// 64 classes) or any shape the user gives, for each cell — training step, forward,
// and one streaming step at batch 1 — as median times over a few seconds each. The benny suites with the naive
// JavaScript peer are `npm run bench` in the repository.
import type { Runtime } from '../runtime/runtime.js';
import { Sequential } from '../model/sequential.js';
import * as layers from '../layers/index.js';
import { adam } from '../optim/index.js';
import { Rng } from '../random.js';
import { ParallelTrainer } from '../node/parallel-trainer.js';
import { ConfigError } from '../errors.js';
import { defined } from '../options.js';
import { CELLS, isCellType, type CellType } from '../cells/index.js';

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

export interface WorkloadShape {
  /** Steps per sequence, batch size, vocabulary, embedding (input) size, hidden size, classes, stacked layers. */
  T: number; B: number; V: number; E: number; H: number; C: number; layers: number;
}

/** The reference workloads W1–W3 (docs/BENCHMARKS.md). */
export const REFERENCE_SHAPE: WorkloadShape = { T: 64, B: 32, V: 1000, E: 64, H: 128, C: 64, layers: 1 };

/**
 * A workload's shapes and one seeded batch of token ids with a class per step:
 * the reference one by default, any other with overrides. Shared by this command and bench/.
 */
export function referenceWorkload(overrides: Partial<WorkloadShape> = {}) {
  const shape = { ...REFERENCE_SHAPE, ...defined(overrides) };
  const { T, B, V, C } = shape, rng = new Rng(5);
  const inputs = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
  return { ...shape, batch: { inputs, targets: inputs.map((s) => s.map(() => rng.int(C))) } };
}

export type BenchCell = CellType;

export interface QuickBenchOptions extends Partial<WorkloadShape> {
  /** Seconds per measurement (default 2). */
  seconds?: number;
  /** Threads for the training step, any number (default 1; the start-up probe may keep fewer); inference stays on one thread. */
  threads?: number;
  cells?: BenchCell[];
}

/** The table for each cell: training step, forward, streaming step, with tokens/s and GFLOP/s. */
export async function runQuickBench(rt: Runtime, o: QuickBenchOptions = {}): Promise<string[]> {
  const { seconds = 2, threads = 1, cells = ['lstm', 'gru', 'rnn'], ...shapeOverrides } = defined(o);
  for (const c of cells) if (!isCellType(c)) throw new ConfigError(`unknown cell '${c}': expected lstm, gru or rnn`);
  const { T, B, V, E, H, C, layers: L, batch } = referenceWorkload(shapeOverrides);
  for (const [k, v] of Object.entries({ T, B, V, E, H, C, layers: L })) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`bench: ${k} = ${v} is invalid: expected a positive integer`);
  }
  const inputs = batch.inputs, tokens = T * B;
  const out = [`cell   train step (ms)   tokens/s  GFLOP/s   forward (ms)   tokens/s  GFLOP/s   stream step (µs)   ` +
    `[T=${T} B=${B} I=${E} H=${H}${L > 1 ? ` layers=${L}` : ''} C=${C}, ${threads === 1 ? 'one thread' : `training on ${threads} threads`}]`];
  for (const cell of cells) {
    const G = CELLS[cell].gates;
    const fwdFlop = 2 * T * B * G * H * (E + H) + (L - 1) * 2 * T * B * G * H * 2 * H + 2 * T * B * H * C;
    const m = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers[cell]({ hiddenSize: H, numLayers: L }), layers.dense({ units: C })], { seed: 1 });
    const opt = adam();
    const trainer = await ParallelTrainer.create(m, opt, { threads });
    if (trainer.fallbackReason && cell === cells[0]) out.push(`(training on ${trainer.threads} thread${trainer.threads > 1 ? 's' : ''}: ${trainer.fallbackReason})`);
    const train = median(() => trainer.trainStep(batch), seconds);
    await trainer.close();
    const fwd = median(() => m.outputsView(inputs), seconds);
    const s = m.stream(1), buf = new Float32Array(C);
    let tok = 0;
    const step = median(() => { for (let i = 0; i < 100; i++) s.step([(tok = (tok + 7) % V)], buf); }, seconds) * 10;
    s.dispose();
    m.dispose();
    const f = (v: number, w: number, d = 2) => v.toFixed(d).padStart(w);
    const tps = (ms: number) => Math.round(tokens / ms * 1000).toString().padStart(10);
    out.push(`${cell.padEnd(6)} ${f(train, 16)} ${tps(train)} ${f(3 * fwdFlop / train / 1e6, 8, 1)} ${f(fwd, 14)} ${tps(fwd)} ${f(fwdFlop / fwd / 1e6, 8, 1)} ${f(step, 18, 1)}`);
  }
  return out;
}
