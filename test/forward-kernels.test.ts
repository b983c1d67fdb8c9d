// The forward-only kernel module (assembly/forward.ts → rnn-simd-forward.wasm), which
// rnn-wasm/inference embeds. An inference workload touching every model kind, cell,
// layer and int8 path the inference entry offers runs on the full module with each
// kernel call recorded: the kernels it reaches must be exactly the forward module's
// (nothing missing, nothing unused). The same workload on the forward-only runtime
// gives the full module's results, and every way to train on it is refused with
// InferenceOnlyError before anything changes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FORWARD_KERNELS, KERNEL_ARITY } from '../src/runtime/kernels.generated.js';
import { Runtime } from '../src/runtime/runtime.js';
import { loadRuntimeSync as loadForwardSync } from '../src/inference.js';
import * as full from '../src/index.js';
import { InferenceOnlyError, Sequential, Seq2Seq, WasmLoadError, fit, forecast, freeze, generate, layers, nn, optim, quantize } from '../src/index.js';
import { simpleModel } from './helpers/models.js';

const fullBytes = () => readFileSync(new URL('../dist/wasm/rnn-simd.wasm', import.meta.url));
const forwardBytes = () => readFileSync(new URL('../dist/wasm/rnn-simd-forward.wasm', import.meta.url));

/** A runtime on the full module whose kernel calls are recorded in `called`. */
function recordingRuntime(called: Set<string>): Runtime {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fullBytes()), { env: { abort() { throw new Error('abort'); } } });
  const exports: Record<string, unknown> = { memory: instance.exports.memory };
  for (const [name, fn] of Object.entries(instance.exports)) {
    if (typeof fn === 'function') exports[name] = (...args: number[]) => { called.add(name); return (fn as (...a: number[]) => unknown)(...args); };
  }
  return new Runtime({ exports } as unknown as WebAssembly.Instance);
}

const V = 14;
const tokens = [[1, 2, 3, 4, 5, 6], [7, 8, 9], [10, 11, 12, 13]];

/** Everything rnn-wasm/inference can do with models, on `rt`; plain arrays out. */
function inferenceWorkload(rt: Runtime) {
  const out: Record<string, unknown> = {};
  const seqs: [string, Sequential][] = [
    ['lstm', simpleModel(rt, { cell: 'lstm', numLayers: 2, vocabSize: V, embeddingDim: 8, hiddenSize: 12, numClasses: V, seed: 1 })],
    ['gru reset-before, bidirectional', simpleModel(rt, { cell: 'gru', resetBefore: true, bidirectional: true, vocabSize: V, embeddingDim: 8, hiddenSize: 10, numClasses: 5, seed: 2 })],
    ['relu rnn, last', simpleModel(rt, { cell: 'rnn', nonlinearity: 'relu', output: 'last', vocabSize: V, embeddingDim: 8, hiddenSize: 10, numClasses: 3, seed: 3 })],
    ['projected lstm', simpleModel(rt, { cell: 'lstm', projSize: 6, vocabSize: V, embeddingDim: 8, hiddenSize: 12, numClasses: V, seed: 4 })],
    ['pooling', new Sequential(rt, [layers.embedding({ vocabSize: V, dim: 8 }), layers.gru({ hiddenSize: 10 }), layers.pooling({ mode: 'max' }), layers.dropout({ rate: 0.3 }), layers.dense({ units: 4 })], { seed: 5 })],
  ];
  for (const [label, m] of seqs) {
    const q = quantize(m), f = freeze(m), fq = freeze(q);
    const fs = label === 'lstm' || label === 'projected lstm' ? f.stream(1) : undefined; // the stream's shapes
    out[label] = { f32: m.predictOutputs(tokens), int8: q.predictOutputs(tokens), frozen: f.predictOutputs(tokens), frozenInt8: fq.predictOutputs(tokens), frozenStep: fs && Array.from(fs.step([3])), evaluate: m.evaluate({ inputs: tokens, targets: label.includes('last') || label === 'pooling' ? [0, 1, 2] : tokens.map((s) => s.map((t) => t % 3)) }) };
    fs?.dispose();
    for (const x of [q, f, fq]) x.dispose();
  }
  const lm = seqs[0][1], s = lm.stream(2);
  out.stream = [s.step([1, 2]), s.step([3, 4])].map((p) => Array.from(p));
  s.dispose();
  out.generate = generate(lm, [1, 2], { maxTokens: 6, temperature: 0.8, topK: 4, seed: 9 });
  const qlm = quantize(lm);
  out.generateInt8 = generate(qlm, [1, 2], { maxTokens: 6, seed: 9 });
  qlm.dispose();
  const tagger = new Sequential(rt, [
    layers.embedding({ fields: [{ vocabSize: V, dim: 6 }, { vocabSize: 9, dim: 4 }], chars: { vocabSize: 15, dim: 4, hiddenSize: 5, maxChars: 4 } }),
    layers.lstm({ hiddenSize: 8, bidirectional: true }), layers.dense({ units: 5 }),
  ], { seed: 6 });
  out.tagger = tagger.predictOutputs(tokens.map((x) => x.map((id, t) => [id, t % 9, 1 + (id % 14), 2, 0, 0])) as never);
  const series = new Sequential(rt, [layers.lstm({ hiddenSize: 8, returnSequences: false }), layers.dense({ units: 2 })], { inputFeatures: 2, loss: 'mse', seed: 7 });
  const history = [[0.1, 0.2], [0.3, 0.1], [0.2, 0.4]];
  out.forecast = forecast(series, history, 3);
  out.mse = series.evaluate({ inputs: [history], targets: [[0.5, 0.5]] });
  for (const attention of ['none', 'dot', 'general', 'bahdanau'] as const) {
    const m = new Seq2Seq(rt, { sourceVocabSize: V, targetVocabSize: 9, embeddingDim: 6, hiddenSize: 8, bos: 0, eos: 1, seed: 8, attention, bidirectional: attention === 'general' });
    out[`seq2seq ${attention}`] = { greedy: m.translate(tokens), beam: m.translate(tokens, { beamSize: 3 }), evaluate: m.evaluate({ inputs: tokens, targets: [[2, 3], [4], [5, 6, 7]] }) };
    m.dispose();
  }
  for (const make of [nn.lstm, nn.gru, nn.rnn]) {
    const m = make(rt, { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 10 });
    const r = m.forward({ data: Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => Math.sin(i)), shape: [2, 2, 3] });
    out[`nn ${make.name}`] = [Array.from(r.output.data), Array.from(r.hn.data)];
    m.dispose();
  }
  for (const [, m] of seqs) m.dispose();
  tagger.dispose();
  series.dispose();
  return out;
}

describe('the forward-only kernel module', () => {
  it('exports exactly the forward kernels kernels.generated.ts lists, with the declared parameter counts', () => {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(forwardBytes()), { env: { abort() {} } }).exports as Record<string, unknown>;
    expect(Object.keys(exports).filter((n) => n !== 'memory').sort()).toEqual([...FORWARD_KERNELS].sort());
    for (const n of FORWARD_KERNELS) expect((exports[n] as (...a: unknown[]) => unknown).length, n).toBe(KERNEL_ARITY[n]);
    expect(forwardBytes().length).toBeLessThan(fullBytes().length);
  });

  it('holds every kernel the inference path reaches, and no other', () => {
    const called = new Set<string>();
    inferenceWorkload(recordingRuntime(called));
    const forward = new Set<string>(FORWARD_KERNELS);
    expect([...called].filter((n) => !forward.has(n)), 'reached by inference but not in assembly/forward.ts').toEqual([]);
    expect([...forward].filter((n) => !called.has(n)), 'in assembly/forward.ts but never reached by inference').toEqual([]);
  });

  it('gives the full module\'s results (the same kernels, compiled on their own)', () => {
    const rt = loadForwardSync();
    expect(rt.forwardOnly).toBe(true);
    expect(full.loadRuntimeSync().forwardOnly).toBe(false);
    expect(inferenceWorkload(rt)).toEqual(inferenceWorkload(full.loadRuntimeSync()));
  });
});

describe('training on a forward-only runtime', () => {
  const rt = loadForwardSync();
  const refused = (f: () => unknown, what: RegExp) => {
    const e = (() => { try { f(); } catch (err) { return err; } throw new Error('not refused'); })() as InferenceOnlyError;
    expect(e).toBeInstanceOf(InferenceOnlyError);
    expect(e.code).toBe('INFERENCE_ONLY');
    expect(e.message).toMatch(what);
    expect(e.message).toMatch(/loadRuntime from 'rnn-wasm'/);
    return e;
  };

  it('is refused with InferenceOnlyError naming the missing kernels and what to load instead; the model is unchanged', async () => {
    const m = simpleModel(rt, { cell: 'lstm', vocabSize: V, embeddingDim: 8, hiddenSize: 12, numClasses: V, seed: 1 });
    const before = m.predictOutputs(tokens), weights = m.stateDict();
    const batch = { inputs: tokens, targets: tokens };
    const e = refused(() => m.trainStep(batch, optim.adam()), /^training needs the backward and optimizer kernels \(.*lstmBackward.*adamStep/);
    expect(e.missing).toContain('lstmBackward');
    expect(e.missing).not.toContain('lstmForward');
    refused(() => m.lossAndGradients(batch), /^training/);
    await expect(fit(m, tokens.map((input) => ({ input, target: input })), { epochs: 1, optimizer: optim.sgd({ lr: 0.1 }), verbose: false })).rejects.toThrow(InferenceOnlyError);
    refused(() => optim.sgd({ lr: 0.1 }).step(rt, rt.planner.alloc(4), rt.planner.alloc(4)), /^an optimizer step/);
    expect(m.stateDict()).toEqual(weights);
    expect(m.predictOutputs(tokens)).toEqual(before);
    m.dispose();
  });

  it('Seq2Seq and nn modules: the same error, before any kernel runs', () => {
    const s = new Seq2Seq(rt, { sourceVocabSize: V, targetVocabSize: 9, embeddingDim: 6, hiddenSize: 8, bos: 0, eos: 1, seed: 8, attention: 'dot' });
    refused(() => s.trainStep({ inputs: tokens, targets: [[2], [3], [4]] }, optim.adam()), /^training/);
    refused(() => s.lossAndGradients({ inputs: tokens, targets: [[2], [3], [4]] }), /^training/);
    s.dispose();
    const m = nn.gru(rt, { inputSize: 3, hiddenSize: 4 });
    const x = { data: new Float32Array(6), shape: [1, 2, 3] };
    refused(() => m.forward(x, { training: true }), /^a training forward/);
    m.forward(x);
    refused(() => m.backward({ dOutput: { data: new Float32Array(8), shape: [1, 2, 4] } }), /^backward\(\)/);
    m.dispose();
  });

  it('a missing kernel called directly throws InferenceOnlyError naming it, not a TypeError or a trap', () => {
    const e = refused(() => rt.kernels.lstmBackward(0), /the kernel lstmBackward is not in this runtime's forward-only module/);
    expect(e.missing).toEqual(['lstmBackward']);
    refused(() => rt.kernels.adamStep(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /adamStep/);
  });

  it('the full module passed to the inference loader trains; a module without the forward kernels is refused', () => {
    const fromFull = loadForwardSync({ module: fullBytes() });
    expect(fromFull.forwardOnly).toBe(false);
    const m = simpleModel(fromFull, { cell: 'gru', vocabSize: V, embeddingDim: 4, hiddenSize: 4, numClasses: 3, seed: 1 });
    expect(Number.isFinite(m.trainStep({ inputs: tokens, targets: tokens.map((x) => x.map((t) => t % 3)) }, optim.sgd({ lr: 0.1 })).loss)).toBe(true);
    m.dispose();
    // (module (memory (export "memory") 1)): valid wasm, no kernels
    const bare = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0]);
    expect(() => loadForwardSync({ module: bare })).toThrow(WasmLoadError);
    expect(() => loadForwardSync({ module: bare })).toThrow(/could not instantiate the rnn-wasm kernel module: this WebAssembly module does not export packedSize, packB/);
  });
});
