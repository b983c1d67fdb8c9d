// The models both ONNX tests run (export against the runtimes, import back), and the
// padded time-major feeds the exports take. Seeded: each test passes its own seed.
import type * as ort from 'onnxruntime-node';
import { layers, type Layer, type SequentialOptions } from '../../src/index.js';

export interface OnnxCase {
  name: string;
  layers: () => Layer[];
  options?: SequentialOptions;
  /** One step's input: a token id, [field ids…], or a feature vector. */
  step: () => number | number[];
  /** The projected LSTM exports as a Scan, which importOnnx refuses. */
  exportOnly?: boolean;
}

/** The cases, drawing their inputs from a generator seeded with `seed`. */
export function onnxCases(seed: number): OnnxCase[] {
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const real = () => next(2001) / 1000 - 1;
  const tok = (V: number) => () => next(V);
  return [
    { name: 'LSTM per step', layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.lstm({ hiddenSize: 5 }), layers.dense({ units: 4 })], step: tok(20) },
    { name: 'GRU per step', layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.gru({ hiddenSize: 5 }), layers.dense({ units: 4 })], step: tok(20) },
    { name: 'reset-before GRU', layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.gru({ hiddenSize: 5, resetBefore: true, bidirectional: true }), layers.dense({ units: 4 })], step: tok(20) },
    { name: 'RNN tanh', layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.rnn({ hiddenSize: 5 }), layers.dense({ units: 4 })], step: tok(20) },
    { name: 'RNN relu, 2 layers', layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.rnn({ hiddenSize: 5, nonlinearity: 'relu', numLayers: 2 }), layers.dense({ units: 4 })], step: tok(20) },
    {
      name: 'stacked bidirectional LSTM (dropout) → dropout → dense',
      layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.lstm({ hiddenSize: 5, numLayers: 2, bidirectional: true, dropout: 0.3 }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 4 })],
      step: tok(20),
    },
    { name: 'two recurrent layers in a row (GRU → LSTM)', layers: () => [layers.embedding({ vocabSize: 12, dim: 4 }), layers.gru({ hiddenSize: 5, bidirectional: true }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 3 })], step: tok(12) },
    { name: 'GRU returnSequences false, 2 layers', layers: () => [layers.embedding({ vocabSize: 15, dim: 4 }), layers.gru({ hiddenSize: 6, numLayers: 2, returnSequences: false }), layers.dense({ units: 3 })], step: tok(15) },
    { name: 'bidirectional LSTM returnSequences false (stateful)', layers: () => [layers.embedding({ vocabSize: 15, dim: 4 }), layers.lstm({ hiddenSize: 5, bidirectional: true, numLayers: 2, returnSequences: false, stateful: true }), layers.dense({ units: 3 })], step: tok(15) },
    { name: 'pooling mean over a relu RNN', layers: () => [layers.embedding({ vocabSize: 12, dim: 5 }), layers.rnn({ hiddenSize: 6, nonlinearity: 'relu' }), layers.pooling({ mode: 'mean' }), layers.dense({ units: 3 })], step: tok(12) },
    { name: 'pooling max over a bidirectional GRU', layers: () => [layers.embedding({ vocabSize: 12, dim: 5 }), layers.gru({ hiddenSize: 4, bidirectional: true }), layers.pooling({ mode: 'max' }), layers.dense({ units: 2 })], step: tok(12) },
    { name: 'pooling last over an LSTM', layers: () => [layers.embedding({ vocabSize: 12, dim: 5 }), layers.lstm({ hiddenSize: 4 }), layers.pooling({ mode: 'last' }), layers.dense({ units: 2 })], step: tok(12) },
    { name: 'multi-field embedding → LSTM → dense', layers: () => [layers.embedding({ fields: [{ vocabSize: 10, dim: 3 }, { vocabSize: 5, dim: 2 }] }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 3 })], step: () => [next(10), next(5)] },
    {
      name: 'fields and a character BiLSTM → GRU → dense',
      layers: () => [layers.embedding({ fields: [{ vocabSize: 10, dim: 3 }, { vocabSize: 4, dim: 2 }], chars: { vocabSize: 8, dim: 3, hiddenSize: 4, maxChars: 5 } }), layers.gru({ hiddenSize: 4 }), layers.dense({ units: 3 })],
      // 0 to 5 characters, zero-padded at the end; some words have none
      step: () => { const n = next(6); return [next(10), next(4), ...Array.from({ length: 5 }, (_, i) => (i < n ? 1 + next(7) : 0))]; },
    },
    {
      name: 'one field with characters (ids after the first 0 ignored) → LSTM returnSequences false → dense',
      layers: () => [layers.embedding({ vocabSize: 10, dim: 3, chars: { vocabSize: 6, dim: 2, hiddenSize: 3, maxChars: 4 } }), layers.lstm({ hiddenSize: 4, returnSequences: false }), layers.dense({ units: 3 })],
      step: () => { const n = next(5); return [next(10), ...Array.from({ length: 4 }, (_, i) => (i < n ? 1 + next(5) : i === n ? 0 : next(6)))]; },
    },
    { name: 'bias false: GRU 2 layers and a bidirectional Elman layer', layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.gru({ hiddenSize: 5, numLayers: 2, bias: false }), layers.rnn({ hiddenSize: 3, bias: false, bidirectional: true }), layers.dense({ units: 3 })], step: tok(9) },
    { name: 'merge sum and mean (one bidirectional layer each)', layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.gru({ hiddenSize: 5, bidirectional: true, merge: 'sum' }), layers.lstm({ hiddenSize: 4, bidirectional: true, merge: 'mean', returnSequences: false }), layers.dense({ units: 3 })], step: tok(9) },
    { name: 'merge sum and mean between stacked layers (GRU 3 layers, LSTM 2 layers returnSequences false)', layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.gru({ hiddenSize: 5, numLayers: 3, bidirectional: true, merge: 'sum' }), layers.lstm({ hiddenSize: 4, numLayers: 2, bidirectional: true, merge: 'mean', returnSequences: false }), layers.dense({ units: 3 })], step: tok(9) },
    { name: 'projSize: bidirectional LSTM 2 layers with projections (Scan)', layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 6, projSize: 3, numLayers: 2, bidirectional: true }), layers.dense({ units: 3 })], step: tok(9), exportOnly: true },
    { name: 'projSize: LSTM returnSequences false, merge sum, bias false', layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 6, projSize: 2, bidirectional: true, merge: 'sum', bias: false, returnSequences: false }), layers.dense({ units: 3 })], step: tok(9), exportOnly: true },
    { name: 'MSE over features: bidirectional LSTM → dense per step', layers: () => [layers.lstm({ hiddenSize: 5, bidirectional: true }), layers.dense({ units: 2 })], options: { inputFeatures: 4, loss: 'mse' }, step: () => Array.from({ length: 4 }, real) },
    { name: 'MSE over features: GRU returnSequences false → dense', layers: () => [layers.gru({ hiddenSize: 5, returnSequences: false }), layers.dense({ units: 1 })], options: { inputFeatures: 3, loss: 'mse' }, step: () => Array.from({ length: 3 }, real) },
  ];
}

/** The padded time-major feeds: ids int64 [T, B] / [T, B, fields] or x float [T, B, F], and sequence_lens. */
export function feeds(runtime: typeof ort, seqs: (number | number[])[][], features: boolean): Record<string, ort.Tensor> {
  const T = Math.max(...seqs.map((s) => s.length)), B = seqs.length;
  const width = Array.isArray(seqs[0][0]) ? (seqs[0][0] as number[]).length : 1;
  const flat = new Array<number>(T * B * width).fill(0);
  seqs.forEach((s, b) => s.forEach((v, t) => [v].flat().forEach((x, k) => (flat[(t * B + b) * width + k] = x))));
  const lens = new runtime.Tensor('int32', Int32Array.from(seqs.map((s) => s.length)), [B]);
  if (features) return { x: new runtime.Tensor('float32', Float32Array.from(flat), [T, B, width]), sequence_lens: lens };
  const shape = Array.isArray(seqs[0][0]) ? [T, B, width] : [T, B];
  return { ids: new runtime.Tensor('int64', BigInt64Array.from(flat.map(BigInt)), shape), sequence_lens: lens };
}

