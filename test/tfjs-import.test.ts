// TensorFlow.js layers models built and saved in Node with @tensorflow/tfjs, imported,
// and compared with tfjs's own model.predict on the same token ids.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { importTfjs, loadModel, WeightFileError, type TfjsModelJson } from '../src/index.js';
import { runtime } from './helpers/wasm.js';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const rt = runtime();
const V = 11, T = 5, B = 3;

/** model.json and the weight bytes, as model.save writes them. */
async function saved(model: tf.LayersModel): Promise<{ json: TfjsModelJson; data: ArrayBuffer }> {
  let out!: { json: TfjsModelJson; data: ArrayBuffer };
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = { json: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs! }] } as TfjsModelJson, data: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out;
}

function ids(seed: number): number[][] {
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (seed * 7 + b * 5 + t * 3) % V));
}

const rec = { recurrentActivation: 'sigmoid' as const, kernelInitializer: 'glorotUniform' as const, biasInitializer: 'randomNormal' as const };

const cases: Record<string, () => tf.layers.Layer[]> = {
  'lstm, last state, dense': () => [tf.layers.lstm({ units: 4, ...rec }), tf.layers.dense({ units: 3 })],
  'gru reset_after false, sequences, softmax': () => [tf.layers.gru({ units: 4, returnSequences: true, resetAfter: false, ...rec }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  'simpleRNN relu, dropout, timeDistributed dense': () => [tf.layers.dropout({ rate: 0.3 }), tf.layers.simpleRNN({ units: 4, activation: 'relu', returnSequences: true, kernelInitializer: 'glorotUniform', biasInitializer: 'randomNormal' }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }) })],
  'bidirectional lstm concat, stacked gru, softmax': () => [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true, ...rec }) as tf.RNN, mergeMode: 'concat' }), tf.layers.gru({ units: 4, ...rec }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  'bidirectional gru sum, sequences': () => [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, returnSequences: true, ...rec }) as tf.RNN, mergeMode: 'sum' }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, biasInitializer: 'randomNormal' }) })],
  'bidirectional simpleRNN ave, last state, no bias': () => [tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3, useBias: false }) as tf.RNN, mergeMode: 'ave' }), tf.layers.dense({ units: 2, activation: 'softmax', useBias: false })],
};

function build(layers: tf.layers.Layer[]): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.embedding({ inputDim: V, outputDim: 4, inputLength: T, embeddingsInitializer: 'randomNormal' }));
  for (const l of layers) m.add(l);
  return m;
}

describe('importTfjs', () => {
  let seed = 1;
  for (const [name, layers] of Object.entries(cases)) {
    it(`${name}: predictOutputs equal tfjs model.predict`, async () => {
      const s = seed++;
      const m = build(layers());
      const x = ids(s);
      const want = (m.predict(tf.tensor2d(x, [B, T], 'int32')) as tf.Tensor).arraySync() as number[][] | number[][][];
      const { json, data } = await saved(m);
      const model = importTfjs(rt, json, data);
      const got = model.predictOutputs(x) as number[][] | number[][][];
      model.dispose();
      const flatW = (want as unknown[]).flat(2) as number[], flatG = (got as unknown[]).flat(2) as number[];
      expect(Array.isArray(got[0][0])).toBe(Array.isArray(want[0][0]));
      expect(flatG.length).toBe(flatW.length);
      let worst = 0;
      flatW.forEach((w, i) => { worst = Math.max(worst, Math.abs(w - flatG[i])); });
      console.log(`tfjs-import: ${name}, largest difference from tfjs ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('float inputs (no Embedding): an LSTM over [B, T, features] equals tfjs model.predict', async () => {
    const m = tf.sequential();
    m.add(tf.layers.lstm({ units: 3, inputShape: [T, 2], returnSequences: true, ...rec }));
    m.add(tf.layers.dense({ units: 2 }));
    const x = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => [Math.sin(b + t), Math.cos(2 * b - t)]));
    const want = (m.predict(tf.tensor3d(x)) as tf.Tensor).arraySync() as number[][][];
    const { json, data } = await saved(m);
    const model = importTfjs(rt, json, data);
    const got = model.predictOutputs(x as never) as number[][][];
    model.dispose();
    let worst = 0;
    want.flat(2).forEach((w, i) => { worst = Math.max(worst, Math.abs(w - got.flat(2)[i])); });
    console.log(`tfjs-import: float inputs, largest difference from tfjs ${worst.toExponential(2)}`);
    expect(got.flat(2).length).toBe(want.flat(2).length);
    expect(worst).toBeLessThan(1e-5);
  });

  // maskZero: tfjs runs right-padded ids (0 = padding) and skips the masked steps; rnn-wasm
  // is given the same sequences without their padding. Only the valid steps are compared.
  const maskCases: Record<string, () => tf.layers.Layer[]> = {
    'lstm sequences, timeDistributed dense': () => [tf.layers.lstm({ units: 4, returnSequences: true, ...rec }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3 }) })],
    'bidirectional gru reset_after false concat, last state, softmax': () => [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, resetAfter: false, ...rec }) as tf.RNN, mergeMode: 'concat' }), tf.layers.dense({ units: 3, activation: 'softmax' })],
    'bidirectional lstm sum sequences, stacked simpleRNN last': () => [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true, ...rec }) as tf.RNN, mergeMode: 'sum' }), tf.layers.simpleRNN({ units: 3, kernelInitializer: 'glorotUniform', biasInitializer: 'randomNormal' }), tf.layers.dense({ units: 2 })],
  };
  for (const [name, layers] of Object.entries(maskCases)) {
    it(`maskZero, ${name}: predictOutputs on unpadded sequences equal tfjs on padded ones`, async () => {
      const m = tf.sequential();
      m.add(tf.layers.embedding({ inputDim: V, outputDim: 4, inputLength: T, maskZero: true, embeddingsInitializer: 'randomNormal' }));
      for (const l of layers()) m.add(l);
      const lengths = [T, 3, 1];
      const seqs = lengths.map((n, b) => Array.from({ length: n }, (_, t) => 1 + ((b * 5 + t * 3) % (V - 1))));
      const padded = seqs.map((s) => [...s, ...Array<number>(T - s.length).fill(0)]);
      const want = (m.predict(tf.tensor2d(padded, [B, T], 'int32')) as tf.Tensor).arraySync() as number[][] | number[][][];
      const { json, data } = await saved(m);
      const model = importTfjs(rt, json, data);
      const got = model.predictOutputs(seqs) as number[][] | number[][][];
      model.dispose();
      const perStep = Array.isArray(want[0][0]);
      expect(Array.isArray(got[0][0])).toBe(perStep);
      const valid = perStep ? (want as number[][][]).map((s, b) => s.slice(0, lengths[b])) : want;
      const flatW = (valid as unknown[]).flat(2) as number[], flatG = (got as unknown[]).flat(2) as number[];
      expect(flatG.length).toBe(flatW.length);
      const worst = Math.max(...flatW.map((w, i) => Math.abs(w - flatG[i])));
      console.log(`tfjs-import: maskZero, ${name}, largest difference from tfjs ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('refuses weight data that does not match the manifest', async () => {
    const { json, data } = await saved(build([tf.layers.gru({ units: 2, ...rec })]));
    expect(() => importTfjs(rt, json, data.slice(0, data.byteLength - 4))).toThrow(/runs past the end of the weight data/);
    const longer = new Uint8Array(data.byteLength + 4);
    longer.set(new Uint8Array(data));
    expect(() => importTfjs(rt, json, longer)).toThrow(/holds \d+ bytes, the manifest \d+/);
  });

  it('refuses an unsupported layer class with a WeightFileError naming it', async () => {
    const m = build([tf.layers.conv1d({ filters: 2, kernelSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })]);
    const { json, data } = await saved(m);
    expect(() => importTfjs(rt, json, data)).toThrow(WeightFileError);
    expect(() => importTfjs(rt, json, data)).toThrow(/layer class Conv1D is not supported/);
  });

  it('refuses what PyTorch layers cannot express: hard_sigmoid gates, go_backwards, merge_mode mul, a relu Dense', async () => {
    const hard = await saved(build([tf.layers.lstm({ units: 2 })]));
    expect(() => importTfjs(rt, hard.json, hard.data)).toThrow(/recurrent_activation 'hard_?[sS]igmoid'/);
    const back = await saved(build([tf.layers.gru({ units: 2, goBackwards: true, ...rec })]));
    expect(() => importTfjs(rt, back.json, back.data)).toThrow(/go_backwards/);
    const mul = await saved(build([tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 2 }) as tf.RNN, mergeMode: 'mul' })]));
    expect(() => importTfjs(rt, mul.json, mul.data)).toThrow(/merge_mode 'mul'/);
    const relu = await saved(build([tf.layers.simpleRNN({ units: 2 }), tf.layers.dense({ units: 2, activation: 'relu' })]));
    expect(() => importTfjs(rt, relu.json, relu.data)).toThrow(/Dense activation 'relu'/);
  });
});

describe('rnn-wasm import --from tfjs', () => {
  it('writes a model file that predicts as tfjs did, and refuses in one line', async () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-tfjs-import-'));
    try {
      const write = async (m: tf.LayersModel, sub: string) => {
        const { json, data } = await saved(m);
        writeFileSync(join(dir, `${sub}.bin`), new Uint8Array(data));
        json.weightsManifest[0].paths = [`${sub}.bin`];
        writeFileSync(join(dir, `${sub}.json`), JSON.stringify(json));
        return join(dir, `${sub}.json`);
      };
      const m = build([tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, ...rec }) as tf.RNN }), tf.layers.dense({ units: 3, activation: 'softmax' })]);
      const x = ids(9);
      const want = (m.predict(tf.tensor2d(x, [B, T], 'int32')) as tf.Tensor).arraySync() as number[][];
      const r = runCli(['import', '--from', 'tfjs', await write(m, 'model')]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('embedding → lstm → dense');
      const model = loadModel(rt, readFileSync(join(dir, 'model.safetensors')));
      const got = model.predictOutputs(x) as number[][];
      model.dispose();
      const worst = Math.max(...want.flat().map((w, i) => Math.abs(w - got.flat()[i])));
      console.log(`tfjs-import: CLI, largest difference from tfjs ${worst.toExponential(2)}`);
      expect(got.flat().length).toBe(want.flat().length);
      expect(worst).toBeLessThan(1e-5);
      const conv = await write(build([tf.layers.conv1d({ filters: 2, kernelSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })]), 'conv');
      expectOneLine(runCli(['import', '--from', 'tfjs', conv]), 1, /layer class Conv1D is not supported/);
      expect(existsSync(join(dir, 'conv.safetensors'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
