// importOnnx against the real runtime and against PyTorch. Round trip: each model is
// exported, the bytes imported back, and the imported model's predictOutputs compared
// with what onnxruntime-node computes from the same bytes (valid steps, 1e-5). PyTorch:
// the files and outputs scripts/onnx_import_fixtures.py wrote with torch.onnx.export.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { layers, loadModel, Sequential, WeightFileError, type Layer } from '../src/index.js';
import { exportOnnx, importOnnx } from '../src/onnx.js';
import { runtime } from './helpers/wasm.js';
import { feeds as feedsFor, onnxCases } from './helpers/onnx-cases.js';

const feeds = (seqs: (number | number[])[][], features: boolean) => feedsFor(ort, seqs, features);
import { expectOneLine, root, runCli } from './helpers/cli.js';

const rt = runtime();
const lengths = [5, 2, 4, 1];

const cases = onnxCases(4242).filter((c) => !c.exportOnly);

/** Largest difference between the imported model's outputs and `at(b, t, c)`, failing above 1e-5. */
function compare(name: string, got: number[][] | number[][][], at: (b: number, t: number, c: number) => number): number {
  let worst = 0;
  got.forEach((row, b) => {
    const steps = Array.isArray(row[0]) ? (row as number[][]) : [row as number[]];
    steps.forEach((r, t) => r.forEach((v, c) => {
      const d = Math.abs(v - at(b, t, c));
      worst = Math.max(worst, d);
      expect(d, `${name}: row ${b}, step ${t}, value ${c}: imported ${v}, reference ${at(b, t, c)}`).toBeLessThanOrEqual(1e-5);
    }));
  });
  return worst;
}

describe('importOnnx: our own exports', () => {
  it('rebuilds each exported model: predictOutputs equal onnxruntime-node on the same file and the original model', async () => {
    let worst = 0;
    for (const [i, c] of cases.entries()) {
      const model = new Sequential(rt, c.layers(), { seed: 90 + i, ...c.options });
      const inputs = lengths.map((n) => Array.from({ length: n }, c.step));
      const original = model.predictOutputs(inputs as never);
      const bytes = exportOnnx(model);
      const imported = importOnnx(rt, bytes);
      // the same layers and recurrent options (dropout dropped; bias false reads as zero biases)
      const shape = (m: Sequential) => m.toJSON().layers.filter((l) => l.type !== 'dropout').map((l) => {
        const { name, dropout, bias, stateful, ...rest } = l as Record<string, unknown>;
        return { numLayers: 1, bidirectional: false, returnSequences: true, ...rest };
      });
      expect(shape(imported), c.name).toEqual(shape(model));
      expect(imported.toJSON().options.loss, c.name).toBe(model.toJSON().options.loss);
      model.dispose();
      const got = imported.predictOutputs(inputs as never);
      imported.dispose();
      const session = await ort.InferenceSession.create(bytes);
      const out = Object.values(await session.run(feeds(inputs, !!c.options?.inputFeatures)))[0];
      await session.release();
      const data = out.data as Float32Array, B = lengths.length, C = out.dims[out.dims.length - 1];
      const perStep = out.dims.length === 3;
      expect(Array.isArray(got[0][0]), c.name).toBe(perStep);
      worst = Math.max(worst, compare(`${c.name} vs onnxruntime`, got, (b, t, k) => data[perStep ? (t * B + b) * C + k : b * C + k]));
      worst = Math.max(worst, compare(`${c.name} vs the original`, got, (b, t, k) => (perStep ? (original as number[][][])[b][t][k] : (original as number[][])[b][k])));
    }
    console.log(`onnx-import: ${cases.length} round trips, largest difference ${worst.toExponential(2)}`);
  });

  it('refuses what it does not import with a WeightFileError naming the node', () => {
    const refused: [Layer[], RegExp][] = [
      [[layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 6, projSize: 3 }), layers.dense({ units: 3 })], /\(Expand\): unsupported operator/],
    ];
    for (const [ls, msg] of refused) {
      const m = new Sequential(rt, ls, { seed: 3 });
      const bytes = exportOnnx(m);
      m.dispose();
      expect(() => importOnnx(rt, bytes)).toThrow(WeightFileError);
      expect(() => importOnnx(rt, bytes)).toThrow(msg);
    }
    expect(() => importOnnx(rt, new Uint8Array([1, 2, 3, 255]))).toThrow(WeightFileError);
  });

  it('states: true exports come back stateful: two batches, the second from the first\'s final states, equal onnxruntime-node carrying them', async () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; // seeded: the same batches every run
    const stateful: { layers: () => Layer[]; options?: Record<string, unknown>; step: () => number | number[] }[] = [
      { layers: () => [layers.embedding({ vocabSize: 11, dim: 4 }), layers.lstm({ hiddenSize: 4, numLayers: 2, bidirectional: true, stateful: true }),
        layers.gru({ hiddenSize: 3, stateful: true }), layers.rnn({ hiddenSize: 3, nonlinearity: 'relu', stateful: true }), layers.dense({ units: 3 })], step: () => 1 + Math.floor(random() * 10) },
      { layers: () => [layers.gru({ hiddenSize: 4, bidirectional: true, merge: 'mean', resetBefore: true, returnSequences: false, stateful: true }), layers.dense({ units: 2 })],
        options: { loss: 'mse', inputFeatures: 2 }, step: () => [random() - 0.5, random() - 0.5] },
    ];
    let worst = 0;
    for (const [i, c] of stateful.entries()) {
      const model = new Sequential(rt, c.layers(), { seed: 70 + i, ...c.options });
      const bytes = exportOnnx(model, { states: true });
      const original = model.toJSON().layers.filter((l) => ['lstm', 'gru', 'rnn'].includes(l.type)); // the state inputs' names
      model.dispose();
      const imported = importOnnx(rt, bytes);
      const specs = imported.toJSON().layers.filter((l) => ['lstm', 'gru', 'rnn'].includes(l.type));
      expect(specs.map((l) => l.stateful)).toEqual(specs.map(() => true));
      const session = await ort.InferenceSession.create(bytes);
      const stateInputs = session.inputNames.slice(2);
      let states: Record<string, ort.Tensor> = {};
      for (const ls of [[5, 2, 4, 1], [3, 4, 1, 2]]) {
        const batch = ls.map((n) => Array.from({ length: n }, c.step));
        const got = imported.predictOutputs(batch as never); // carries its states to the next batch
        const extra = Object.fromEntries(stateInputs.map((n) => {
          const spec = original.find((s) => n.startsWith(`${String(s.name)}.`))!;
          const dims = [((spec.numLayers as number | undefined) ?? 1) * (spec.bidirectional ? 2 : 1), batch.length, spec.hiddenSize as number];
          return [n, states[`${n.slice(0, -1)}n`] ?? new ort.Tensor('float32', new Float32Array(dims[0] * dims[1] * dims[2]), dims)];
        }));
        const out = await session.run({ ...feeds(batch, !!c.options?.inputFeatures), ...extra });
        const o = Object.values(out)[0], data = o.data as Float32Array, B = batch.length, C = o.dims[o.dims.length - 1];
        worst = Math.max(worst, compare(`stateful ${i}`, got, (b, t, k) => (o.dims.length === 3 ? data[(t * B + b) * C + k] : data[b * C + k])));
        states = out;
      }
      await session.release();
      imported.dispose();
    }
    console.log(`onnx-import: stateful exports over 2 batches, largest difference from onnxruntime-node ${worst.toExponential(2)}`);
  });

  it('refuses initial-state inputs it cannot map onto a stateful layer', () => {
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 4, numLayers: 2, stateful: true }), layers.dense({ units: 3 })], { seed: 3 });
    const proto = onnxProto.onnx.ModelProto.decode(exportOnnx(m, { states: true }));
    m.dispose();
    // the second stacked layer reading the first layer's rows of h0
    const lstms = proto.graph!.node.filter((n) => n.opType === 'LSTM');
    lstms[1].input[5] = lstms[0].input[5];
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(proto).finish())).toThrow(/initial state rows 0\.\.0 of graph input '.*h0' where stacked layer 1 takes rows 1\.\.1/);
    // an LSTM whose initial_c is a constant while initial_h is an input
    const one = new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 4, stateful: true }), layers.dense({ units: 3 })], { seed: 3 });
    const p2 = onnxProto.onnx.ModelProto.decode(exportOnnx(one, { states: true }));
    one.dispose();
    p2.graph!.node.find((n) => n.opType === 'LSTM')!.input[6] = '';
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(p2).finish())).toThrow(/initial_h and initial_c are not both graph inputs/);
  });

  it('names the first unsupported operator', () => {
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 4 }), layers.gru({ hiddenSize: 4 }), layers.dense({ units: 3 })], { seed: 5 });
    const proto = onnxProto.onnx.ModelProto.decode(exportOnnx(m));
    m.dispose();
    const dense = proto.graph!.node.find((n) => n.opType === 'MatMul')!;
    // an activation between the recurrent layer and the dense one: no rnn-wasm layer for it
    proto.graph!.node.splice(proto.graph!.node.indexOf(dense), 0, onnxProto.onnx.NodeProto.create({ opType: 'Elu', name: 'my_elu', input: [dense.input[0]], output: ['elu_out'] }));
    dense.input[0] = 'elu_out';
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(proto).finish())).toThrow(/node 'my_elu' \(Elu\): unsupported operator/);
    // the same in a torch export: a Tanh between the LSTM's output and the Linear
    const torch = onnxProto.onnx.ModelProto.decode(readFileSync(join(root, 'test/fixtures/onnx/lstm_batch_first.onnx')));
    const linear = torch.graph!.node.find((n) => n.opType === 'MatMul')!;
    torch.graph!.node.splice(torch.graph!.node.indexOf(linear), 0, onnxProto.onnx.NodeProto.create({ opType: 'Tanh', name: '/act/Tanh', input: [linear.input[0]], output: ['tanh_out'] }));
    linear.input[0] = 'tanh_out';
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(torch).finish())).toThrow(/node '\/act\/Tanh' \(Tanh\): unsupported operator/);
  });

  it('refuses a Softmax that is not the last node of the model', () => {
    const torch = onnxProto.onnx.ModelProto.decode(readFileSync(join(root, 'test/fixtures/onnx/lstm_batch_first.onnx')));
    const linear = torch.graph!.node.find((n) => n.opType === 'MatMul')!;
    torch.graph!.node.splice(torch.graph!.node.indexOf(linear), 0, onnxProto.onnx.NodeProto.create({ opType: 'Softmax', name: 'early', input: [linear.input[0]], output: ['early_out'] }));
    linear.input[0] = 'early_out';
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(torch).finish())).toThrow(/\(MatMul\): operator MatMul on probs does not match/);
  });

  it('refuses initial states other than zeros in a torch export', () => {
    const torch = onnxProto.onnx.ModelProto.decode(readFileSync(join(root, 'test/fixtures/onnx/lstm_batch_first.onnx')));
    const fill = torch.graph!.node.find((n) => n.opType === 'ConstantOfShape')!;
    fill.attribute[0].t = { dataType: 1, dims: [1], floatData: [0.5] };
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(torch).finish())).toThrow(/\(ConstantOfShape\): initial states filled with 0\.5/);
  });

  it('refuses a graph that branches (a value read by two nodes)', () => {
    const torch = onnxProto.onnx.ModelProto.decode(readFileSync(join(root, 'test/fixtures/onnx/lstm_batch_first.onnx')));
    const linear = torch.graph!.node.find((n) => n.opType === 'MatMul')!;
    torch.graph!.node.push(onnxProto.onnx.NodeProto.create({ opType: 'Identity', name: 'side', input: [linear.input[0]], output: ['side_out'] }));
    expect(() => importOnnx(rt, onnxProto.onnx.ModelProto.encode(torch).finish())).toThrow(/\(MatMul\): '.*' is read by 2 nodes: a graph that branches/);
  });
});

describe('importOnnx: torch.onnx.export files', () => {
  const dir = join(root, 'test/fixtures/onnx');
  const all = JSON.parse(readFileSync(join(dir, 'outputs.json'), 'utf8')) as Record<string, { ids: number[][]; outputs: number[][] | number[][][]; batches?: { ids: number[][]; outputs: number[][][] }[] }>;
  const expected = Object.fromEntries(Object.entries(all).filter(([, v]) => !v.batches));
  for (const [name, { ids, outputs }] of Object.entries(expected)) {
    it(`${name}: predictOutputs equal PyTorch's outputs`, () => {
      const model = importOnnx(rt, readFileSync(join(dir, `${name}.onnx`)));
      const got = model.predictOutputs(ids);
      model.dispose();
      expect(got.length).toBe(ids.length);
      const perStep = Array.isArray(outputs[0][0]);
      expect(Array.isArray(got[0][0])).toBe(perStep);
      const worst = compare(name, got, (b, t, c) => (perStep ? (outputs as number[][][])[b][t][c] : (outputs as number[][])[b][c]));
      console.log(`onnx-import: ${name}, largest difference from PyTorch ${worst.toExponential(2)}`);
    });
  }

  for (const [name, { batches }] of Object.entries(all).filter(([, v]) => v.batches)) {
    it(`${name}: initial states as graph inputs make a stateful layer; two batches equal PyTorch's, the second from the first's final states`, () => {
      const model = importOnnx(rt, readFileSync(join(dir, `${name}.onnx`)));
      expect(model.toJSON().layers.filter((l) => ['lstm', 'gru'].includes(l.type)).map((l) => l.stateful)).toEqual([true]);
      let worst = 0;
      for (const [k, { ids, outputs }] of batches!.entries()) {
        const got = model.predictOutputs(ids);
        worst = Math.max(worst, compare(`${name}, batch ${k + 1}`, got, (b, t, c) => outputs[b][t][c]));
      }
      model.dispose();
      console.log(`onnx-import: ${name}, 2 batches, largest difference from PyTorch ${worst.toExponential(2)}`);
    });
  }

  it("loss 'crossEntropy' for a graph without Softmax: predictOutputs are the softmax of PyTorch's logits", () => {
    const { ids, outputs } = expected.gru_last_step_batch_first as { ids: number[][]; outputs: number[][] };
    const model = importOnnx(rt, readFileSync(join(dir, 'gru_last_step_batch_first.onnx')), { loss: 'crossEntropy' });
    const got = model.predictOutputs(ids) as number[][];
    expect(model.toJSON().options.loss).toBe('crossEntropy');
    model.dispose();
    const softmax = (z: number[]) => { const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); };
    const want = outputs.map(softmax);
    compare('softmax of the logits', got, (b, _t, c) => want[b][c]);
  });
});

describe('rnn-wasm import --from onnx', () => {
  it('writes a model file that predicts as PyTorch did, and refuses in one line', () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-onnx-import-'));
    try {
      const name = 'gru_time_major_2_layers', fixtures = join(root, 'test/fixtures/onnx');
      const r = runCli(['import', '--from', 'onnx', join(fixtures, `${name}.onnx`), '--out', join(dir, 'm.safetensors')]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('embedding → gru → dense');
      const { ids, outputs } = (JSON.parse(readFileSync(join(fixtures, 'outputs.json'), 'utf8')) as Record<string, { ids: number[][]; outputs: number[][][] }>)[name];
      const model = loadModel(rt, readFileSync(join(dir, 'm.safetensors')));
      const got = model.predictOutputs(ids);
      model.dispose();
      compare(`CLI: ${name}`, got, (b, t, c) => outputs[b][t][c]);
      const m = new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 6, projSize: 3 }), layers.dense({ units: 3 })], { seed: 3 });
      const bytes = exportOnnx(m);
      m.dispose();
      rmSync(join(dir, 'm.safetensors'));
      const proj = join(dir, 'p.onnx');
      writeFileSync(proj, bytes);
      expectOneLine(runCli(['import', '--from', 'onnx', proj]), 1, /\(Expand\): unsupported operator/);
      expect(existsSync(join(dir, 'p.safetensors'))).toBe(false);
      expectOneLine(runCli(['import', '--from', 'caffe', proj]), 2, /expected --from onnx, --from tfjs or --from keras/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
