// int8 inference: the integer GEMM (assembly/qgemm.ts) against a float64 reference of
// the quantized arithmetic (test/reference/quantized.ts), quantize() against the
// reference quantizer, the cells run with int8 weights against the reference cells
// with the same quantized products, int8 models against their f32 models, and int8
// model files (size, round trip, corrupt files refused, training refused).
import { describe, expect, it } from 'vitest';
import {
  Sequential, layers, quantize, saveModel, loadModel, readSafetensors, writeSafetensors, optim, fit,
  QuantizedModelError, WeightFileError, ArgumentError, Vocabulary,
} from '../src/index.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, runtime, zeros } from './helpers/wasm.js';
import { simpleModel } from './helpers/models.js';
import { expectOneLine, runCli } from './helpers/cli.js';
import { ParallelPredictor } from '../src/node/index.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  activationRangeRef, qdotRef, quantizeActivationsRef, quantizeWeightsRef, quantizedCellForwardRef, type QuantizedMatrix,
} from './reference/quantized.js';

const rt = runtime();
const k = rt.kernels;

/** int8 weights [N][K] with scales, and f32 activations [M][K] whose rows span several magnitudes (row 1: zeros). */
function gemmCase(M: number, N: number, K: number, seed: number) {
  const rng = testRng(seed);
  const q = new Int8Array(N * K).map(() => rng.int(255) - 127);
  const w: QuantizedMatrix = { rows: N, cols: K, q, scales: Float32Array.from(rng.array(N, 0.05).map(Math.abs)) };
  const a = rng.array(M * K);
  for (let m = 0; m < M; m++) for (let j = 0; j < K; j++) a[m * K + j] *= m === 1 ? 0 : 10 ** ((m % 5) - 2);
  return { w, a, c0: rng.array(M * N) };
}

function runQgemm(M: number, N: number, K: number, w: QuantizedMatrix, a: ArrayLike<number>, c0: ArrayLike<number>, accumulate: boolean) {
  const wq = zeros(rt, Math.ceil((N * K) / 4));
  new Int8Array(rt.memory.buffer, wq.ptr, N * K).set(w.q);
  const packed = zeros(rt, k.qpackedBytes(K, N) / 4), scales = putF32(rt, w.scales);
  k.qpackB(wq.ptr, K, N, packed.ptr);
  const A = putF32(rt, a), C = putF32(rt, c0), scratch = zeros(rt, k.qscratchBytes(K) / 4);
  k.qgemmPacked(M, N, K, A.ptr, K, packed.ptr, scales.ptr, C.ptr, N, accumulate ? 1 : 0, scratch.ptr);
  const out = Float64Array.from(C.f32());
  for (const r of [wq, packed, scales, A, C, scratch]) rt.planner.release(r);
  return out;
}

describe('integer GEMM vs the float64 reference of the quantized arithmetic', () => {
  it('the activation range keeps every i32 partial sum exact', () => {
    for (const K of [1, 4, 128, 516, 517, 1000, 5000, 100000]) expect(k.activationRange(K)).toBe(activationRangeRef(K));
    for (const K of [1000, 5000, 100000]) expect(activationRangeRef(K) * 127 * Math.ceil(K / 4) * 4).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('quantizeRows gives exactly the reference integers and scales', () => {
    for (const [M, K, seed] of [[5, 7, 1], [9, 64, 2], [4, 301, 3], [3, 5000, 4]]) {
      const { a } = gemmCase(M, 1, K, seed);
      const A = putF32(rt, a), Kq = Math.ceil(K / 4) * 4;
      const dst = zeros(rt, (M * Kq) / 2 + 1), sc = zeros(rt, M);
      k.quantizeRows(M, K, A.ptr, K, dst.ptr, sc.ptr);
      const got = new Int16Array(rt.memory.buffer, dst.ptr, M * Kq);
      for (let m = 0; m < M; m++) {
        const ref = quantizeActivationsRef(a.subarray(m * K, (m + 1) * K));
        expect(sc.f32()[m], `row ${m} scale`).toBe(Math.fround(ref.scale));
        expect(Array.from(got.subarray(m * Kq, m * Kq + K)), `row ${m}`).toEqual(Array.from(ref.q));
        expect(Array.from(got.subarray(m * Kq + K, (m + 1) * Kq)), `row ${m} padding`).toEqual(new Array(Kq - K).fill(0));
      }
    }
  });

  // Each row: the integer sum is exact; f32 conversion, the two scale products and the
  // final add round each once (≤ 4 · 2⁻²⁴ relative), so 1e-6 of |c0| + Σ|q_a·q_w|·s_a·s_w.
  const shapes = [[1, 1, 1], [2, 16, 4], [3, 5, 7], [5, 17, 33], [13, 31, 1], [8, 32, 16], [67, 50, 257], [130, 40, 129], [1, 50, 300], [4, 20, 5000]];
  for (const [M, N, K] of shapes) {
    for (const accumulate of [true, false]) {
      it(`M=${M} N=${N} K=${K}${accumulate ? ' accumulate' : ''}`, () => {
        const { w, a, c0 } = gemmCase(M, N, K, M * 7919 + N * 31 + K);
        const got = runQgemm(M, N, K, w, a, c0, accumulate);
        for (let m = 0; m < M; m++) {
          const row = a.subarray(m * K, (m + 1) * K);
          const y = qdotRef(row, w);
          const { q, scale } = quantizeActivationsRef(row);
          for (let n = 0; n < N; n++) {
            let mag = 0;
            for (let j = 0; j < K; j++) mag += Math.abs(q[j] * w.q[n * K + j]);
            const base = accumulate ? c0[m * N + n] : 0;
            const bound = 1e-6 * (Math.abs(base) + mag * scale * w.scales[n]);
            const err = Math.abs(got[m * N + n] - (base + y[n]));
            if (!(err <= bound)) expect.fail(`C[${m}][${n}] = ${got[m * N + n]}, reference ${base + y[n]} (error ${err} > ${bound})`);
          }
        }
      });
    }
  }

  it('the largest sums stay exact: every product at its bound over K = 5000', () => {
    const M = 2, N = 3, K = 5000;
    const w: QuantizedMatrix = { rows: N, cols: K, q: new Int8Array(N * K).fill(127), scales: new Float32Array(N).fill(1) };
    w.q.fill(-127, K, 2 * K);
    const a = new Float64Array(M * K).fill(1);
    const got = runQgemm(M, N, K, w, a, new Float64Array(M * N), false);
    const Q = activationRangeRef(K), s = Math.fround(1 / Q);
    expectClose(got, [127 * Q * K * s, -127 * Q * K * s, 127 * Q * K * s, 127 * Q * K * s, -127 * Q * K * s, 127 * Q * K * s], 1e-6, 0);
  });
});

describe('quantize()', () => {
  it('quantizes every matrix per row exactly as the reference; biases stay f32', () => {
    const m = simpleModel(rt, { cell: 'lstm', vocabSize: 30, embeddingDim: 12, hiddenSize: 10, numClasses: 5, seed: 3 });
    const q = quantize(m);
    const dict = m.stateDict(), tensors = q.int8Tensors()!;
    expect([...tensors.keys()].sort()).toEqual(Object.keys(dict).filter((n) => dict[n].shape.length === 2).sort());
    for (const [name, t] of tensors) {
      const ref = quantizeWeightsRef(dict[name].data, t.rows, t.cols);
      expect(Array.from(t.q), name).toEqual(Array.from(ref.q));
      expect(Array.from(t.scales), name).toEqual(Array.from(ref.scales));
    }
    const qd = q.stateDict();
    expect(Array.from(qd['rnn.bias_ih_l0'].data)).toEqual(Array.from(dict['rnn.bias_ih_l0'].data));
    expect(q.quantized).toBe(true);
    expect(m.quantized).toBe(false);
    m.dispose();
    q.dispose();
  });
});

// Probabilities of a tagger: the int8 model against the reference of the same
// quantized products (float64 pointwise math). The kernels' rational tanh / sigmoid
// (≤ 4e-7), f32 rounding and a rare one-step flip of an activation's rounding where
// the two h differ by that much stay below 1e-6 (measured: 2e-8).
describe('int8 cells against the reference of the quantized arithmetic', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    it(cell, () => {
      const V = 23, E = 13, H = 18, C = 6, T = 7, B = 5;
      const m = simpleModel(rt, { cell, vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C, seed: 11 });
      const q = quantize(m);
      const rng = testRng(5);
      const inputs = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
      const got = q.predictOutputs(inputs) as number[][][];
      const d = m.stateDict(), qw = (n: string) => quantizeWeightsRef(d[n].data, d[n].shape[0], d[n].shape[1]);
      const emb = qw('embedding.weight');
      const x = new Float64Array(T * B * E);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let j = 0; j < E; j++) {
        const id = inputs[b][t];
        x[(t * B + b) * E + j] = Math.fround(emb.q[id * E + j] * emb.scales[id]);
      }
      const hs = quantizedCellForwardRef({ cell, H, wih: qw('rnn.weight_ih_l0'), whh: qw('rnn.weight_hh_l0'), bih: d['rnn.bias_ih_l0'].data, bhh: d['rnn.bias_hh_l0'].data }, x, T, B, E);
      const head = qw('head.weight'), hb = d['head.bias'].data;
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        const z = qdotRef(hs.subarray((t * B + b) * H, (t * B + b + 1) * H), head).map((v, c) => v + hb[c]);
        const mx = Math.max(...z), e = z.map((v) => Math.exp(v - mx)), s = e.reduce((p, v) => p + v, 0);
        expectClose(got[b][t], e.map((v) => v / s), 0, 1e-6, `${cell} b=${b} t=${t}`);
      }
      m.dispose();
      q.dispose();
    });
  }
});

// The int8 model against the f32 one it came from: per-row int8 weights move each
// weight by up to half a step (max|row| / 254); on these small random models the
// probabilities stay within 5e-3 (measured worst: 9e-4, the Elman tagger).
describe('int8 models against their f32 models', () => {
  const V = 40, T = 9, B = 6;
  const rng = testRng(9);
  const inputs = Array.from({ length: B }, (_, b) => Array.from({ length: T - (b % 3) }, () => rng.int(V)));
  const cases: [string, () => Sequential][] = [
    ['LSTM tagger', () => simpleModel(rt, { cell: 'lstm', vocabSize: V, embeddingDim: 16, hiddenSize: 24, numClasses: 7, seed: 1 })],
    ['GRU tagger', () => simpleModel(rt, { cell: 'gru', vocabSize: V, embeddingDim: 16, hiddenSize: 24, numClasses: 7, seed: 2 })],
    ['GRU reset-before', () => simpleModel(rt, { cell: 'gru', resetBefore: true, vocabSize: V, embeddingDim: 16, hiddenSize: 24, numClasses: 7, seed: 2 })],
    ['Elman tagger', () => simpleModel(rt, { cell: 'rnn', vocabSize: V, embeddingDim: 16, hiddenSize: 24, numClasses: 7, seed: 3 })],
    ['stacked bidirectional LSTM tagger', () => simpleModel(rt, { cell: 'lstm', numLayers: 2, bidirectional: true, vocabSize: V, embeddingDim: 16, hiddenSize: 20, numClasses: 5, seed: 4 })],
    ['bidirectional GRU classifier', () => simpleModel(rt, { cell: 'gru', bidirectional: true, output: 'last', vocabSize: V, embeddingDim: 16, hiddenSize: 20, numClasses: 3, seed: 5 })],
    ['stacked Elman classifier', () => simpleModel(rt, { cell: 'rnn', numLayers: 2, output: 'last', vocabSize: V, embeddingDim: 16, hiddenSize: 20, numClasses: 3, seed: 6 })],
    ['projected LSTM language model', () => simpleModel(rt, { cell: 'lstm', projSize: 12, vocabSize: V, embeddingDim: 16, hiddenSize: 24, numClasses: V, seed: 7 })],
    ['pos-tagger shape: fields and a character BiLSTM', () => new Sequential(rt, [
      layers.embedding({ fields: [{ vocabSize: V, dim: 12 }, { vocabSize: 9, dim: 4 }], chars: { vocabSize: 15, dim: 6, hiddenSize: 8, maxChars: 4 } }),
      layers.lstm({ hiddenSize: 16, bidirectional: true }), layers.dense({ units: 5 }),
    ], { seed: 8 })],
  ];
  for (const [label, build] of cases) {
    it(label, () => {
      const m = build();
      const q = quantize(m);
      const ins = label.startsWith('pos') ? inputs.map((s) => s.map((id, t) => [id, t % 9, ...[1 + (id % 14), 2, 0, 0]])) : inputs;
      const a = (m.predictOutputs(ins as never) as number[][][]).flat(2), b = (q.predictOutputs(ins as never) as number[][][]).flat(2);
      expectClose(b, a, 0, 5e-3, label);
      expect(b.some((v, i) => v !== a[i]), 'the int8 model runs its own kernels').toBe(true);
      m.dispose();
      q.dispose();
    });
  }

  it('a stream step of the int8 model matches its whole-sequence forward', () => {
    const m = simpleModel(rt, { cell: 'lstm', numLayers: 2, vocabSize: V, embeddingDim: 16, hiddenSize: 24, numClasses: V, seed: 12 });
    const q = quantize(m);
    const seq = inputs[0];
    const whole = (q.predictOutputs([seq]) as number[][][])[0];
    const s = q.stream(1);
    seq.forEach((id, t) => expectClose(s.step([id]), whole[t], 0, 1e-6, `step ${t}`));
    s.dispose();
    m.dispose();
    q.dispose();
  });
});

describe('int8 model files', () => {
  const build = () => simpleModel(rt, { cell: 'lstm', vocabSize: 300, embeddingDim: 32, hiddenSize: 64, numClasses: 20, seed: 21 });
  const inputs = [[1, 2, 3, 250], [7, 8]];

  it('are ≤ 0.3× the F32 file, hold I8 weights and F32 scales, and load back to the same outputs', () => {
    const m = build(), q = quantize(m);
    const f32 = saveModel(m), int8 = saveModel(q);
    expect(int8.length / f32.length).toBeLessThanOrEqual(0.3);
    const { tensors, metadata } = readSafetensors(int8);
    expect(tensors['rnn.weight_hh_l0.q'].dtype).toBe('I8');
    expect(tensors['rnn.weight_hh_l0.scale']).toMatchObject({ dtype: 'F32', shape: [256] });
    expect(tensors['rnn.bias_ih_l0'].dtype).toBe('F32');
    expect(metadata['rnn-wasm.quantization']).toBe('int8-symmetric-per-row');
    const back = loadModel(rt, int8);
    expect(back.quantized).toBe(true);
    expect(back.predictOutputs(inputs)).toEqual(q.predictOutputs(inputs));
    for (const x of [m, q, back]) x.dispose();
  });

  it('corrupt or inconsistent int8 files are refused with WeightFileError', () => {
    const m = build(), q = quantize(m);
    const good = saveModel(q);
    const flipped = good.slice();
    flipped[flipped.length - 100] ^= 1;
    expect(() => loadModel(rt, flipped)).toThrow(WeightFileError);
    const { tensors, metadata } = readSafetensors(good);
    const rewrite = (edit: (t: Record<string, { shape: number[]; data: Float32Array | Int8Array }>, meta: Record<string, string>) => void) => {
      const t: Record<string, { shape: number[]; data: Float32Array | Int8Array }> = {};
      for (const [n, v] of Object.entries(tensors)) t[n] = { shape: v.shape, data: v.dtype === 'I8' ? Int8Array.from(v.data) : v.data.slice() };
      const meta = { ...metadata };
      edit(t, meta);
      return writeSafetensors(t as never, meta);
    };
    const refusals: [string, Uint8Array, RegExp][] = [
      ['-128', rewrite((t) => { (t['rnn.weight_ih_l0.q'].data as Int8Array)[5] = -128; }), /\[-127, 127\]/],
      ['a missing scale', rewrite((t) => { delete t['head.weight.scale']; }), /'head.weight.scale' is missing/],
      ['a NaN scale', rewrite((t) => { t['head.weight.scale'].data[0] = NaN; }), /finite and non-negative/],
      ['a negative scale', rewrite((t) => { t['head.weight.scale'].data[1] = -1; }), /finite and non-negative/],
      ['F32 weights under .q', rewrite((t) => { t['rnn.weight_hh_l0.q'] = { shape: t['rnn.weight_hh_l0.q'].shape, data: Float32Array.from(t['rnn.weight_hh_l0.q'].data) }; }), /dtype F32, expected I8/],
      ['a wrong shape', rewrite((t) => { t['head.weight.scale'] = { shape: [19], data: new Float32Array(19) }; }), /shape \[19\], expected \[20\]/],
      ['an extra tensor', rewrite((t) => { t['extra'] = { shape: [1], data: new Float32Array(1) }; }), /unexpected tensor 'extra'/],
      ['an unknown scheme', rewrite((_, meta) => { meta['rnn-wasm.quantization'] = 'int4'; }), /expected 'int8-symmetric-per-row'/],
      ['I8 weights without the quantization key', rewrite((_, meta) => { delete meta['rnn-wasm.quantization']; }), /I8/],
    ];
    for (const [what, bytes, message] of refusals) expect(() => loadModel(rt, bytes), what).toThrow(message);
    for (const [, bytes] of refusals) expect(() => loadModel(rt, bytes)).toThrow(WeightFileError);
    m.dispose();
    q.dispose();
  });
});

describe('an int8 model is for inference only', () => {
  it('training, new weights, quantizing again and F16 files are refused by name', async () => {
    const m = simpleModel(rt, { cell: 'gru', vocabSize: 10, embeddingDim: 4, hiddenSize: 6, numClasses: 3, seed: 1 });
    const q = quantize(m);
    const batch = { inputs: [[1, 2, 3]], targets: [[0, 1, 2]] };
    expect(() => q.trainStep(batch, optim.adam())).toThrow(QuantizedModelError);
    expect(() => q.lossAndGradients(batch)).toThrow(/training needs the f32 weights/);
    await expect(fit(q, [{ input: [1, 2], target: [0, 1] }], { optimizer: optim.sgd({ lr: 0.1 }), epochs: 1 })).rejects.toThrow(QuantizedModelError);
    expect(() => q.loadStateDict(m.stateDict())).toThrow(QuantizedModelError);
    expect(() => quantize(q)).toThrow(QuantizedModelError);
    expect(() => saveModel(q, { dtype: 'F16' })).toThrow(ArgumentError);
    expect(q.evaluate(batch).count).toBe(3); // evaluation is inference
    m.dispose();
    q.dispose();
  });
});

describe('an int8 model on several threads', () => {
  it('ParallelPredictor: the outputs are exactly one thread\'s (the workers load the int8 model file, not f32 weights)', async () => {
    const m = simpleModel(rt, { cell: 'lstm', bidirectional: true, vocabSize: 30, embeddingDim: 8, hiddenSize: 12, numClasses: 5, seed: 4 });
    const q = quantize(m);
    const r = testRng(3);
    const rows = Array.from({ length: 41 }, () => Array.from({ length: 1 + r.int(10) }, () => r.int(30)));
    const p = await ParallelPredictor.create(q, { threads: 2, batchSize: 8 });
    expect(p.threads).toBe(2);
    const one = q.predictOutputs(rows);
    expect(await p.predictOutputs(rows)).toEqual(one);
    expect(one).not.toEqual(m.predictOutputs(rows)); // an f32 replica would give these
    await p.close();
    m.dispose();
    q.dispose();
  });
});

describe('useInt8 checks what it is given', () => {
  it('a missing, misshapen or out-of-range matrix is an ArgumentError, and the model stays f32', () => {
    const m = simpleModel(rt, { cell: 'rnn', vocabSize: 10, embeddingDim: 4, hiddenSize: 6, numClasses: 3, seed: 1 });
    const target = Sequential.fromJSON(rt, m.toJSON(), false);
    const dict = m.stateDict();
    const full = () => new Map(Object.entries(dict).filter(([, t]) => t.shape.length === 2).map(([n, t]) => [n, quantizeWeightsRef(t.data, t.shape[0], t.shape[1])]));
    const without = full();
    without.delete('head.weight');
    const misshapen = full();
    misshapen.set('head.weight', quantizeWeightsRef(new Float32Array(12), 2, 6));
    const low = full();
    low.get('rnn.weight_hh_l0')!.q[0] = -128;
    const extra = full();
    extra.set('rnn.bias_ih_l0', quantizeWeightsRef(new Float32Array(6), 1, 6));
    for (const [what, t, msg] of [['missing', without, /'head.weight' is missing/], ['misshapen', misshapen, /expected \[3, 6\]/], ['-128', low, /-128/], ['a bias', extra, /no matrix 'rnn.bias_ih_l0'/]] as const) {
      expect(() => target.useInt8(t as never, dict), what).toThrow(msg);
      expect(target.quantized).toBe(false);
    }
    m.dispose();
    target.dispose();
  });
});

describe('rnn-wasm quantize', () => {
  it('writes the int8 copy of a tagger that predicts on raw text, and refuses an int8 input in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-int8-'));
    try {
      const m = simpleModel(rt, { cell: 'lstm', vocabSize: 6, embeddingDim: 8, hiddenSize: 16, numClasses: 3, seed: 2 });
      const file = join(dir, 'tagger.safetensors');
      writeFileSync(file, saveModel(m, { vocabulary: new Vocabulary(['<pad>', '<unk>', 'the', 'cat', 'sat', 'down']), tokenizer: 'words', labels: ['DET', 'NOUN', 'VERB'] }));
      const r = runCli(['quantize', file]);
      expect(r.status, r.stderr).toBe(0);
      const out = join(dir, 'tagger.int8.safetensors');
      expect(r.stdout).toMatch(/wrote .*tagger\.int8\.safetensors: [\d,]+ bytes, 0\.\d\d× the/);
      const back = loadModel(rt, new Uint8Array(readFileSync(out)));
      expect(back.quantized).toBe(true);
      const q = quantize(m);
      expect(back.tagText('the cat sat')).toEqual(q.tagText('the cat sat'));
      const again = runCli(['quantize', out, '--out', join(dir, 'twice.safetensors')]);
      expectOneLine(again, 1, /already int8/);
      for (const x of [m, q, back]) x.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
