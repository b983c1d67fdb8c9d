// exportOnnx against the real runtimes: each model is exported, loaded by
// onnxruntime-node (and onnxruntime-web's wasm backend, one thread) from the bytes,
// and run on a padded batch of different lengths; the outputs must match
// predictOutputs to 1e-5 on every valid step.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { ConfigError, layers, saveModel, Seq2Seq, Sequential } from '../src/index.js';
import { exportOnnx, ONNX_OPSET } from '../src/onnx.js';
import { runtime } from './helpers/wasm.js';
import { feeds, onnxCases } from './helpers/onnx-cases.js';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const rt = runtime();
const lengths = [5, 2, 4, 1];

const cases = onnxCases(777);
let seed = 778;
const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
const tok = (V: number) => () => next(V);
const real = () => next(2001) / 1000 - 1;

type Ort = typeof ort;

/** Largest difference between rnn-wasm's predictions and the runtime's output on valid steps, failing above 1e-5. */
function compare(name: string, want: number[][] | number[][][], got: ort.Tensor): number {
  const data = got.data as Float32Array, B = want.length;
  let worst = 0;
  want.forEach((row, b) => {
    const rows: [number[], number][] = Array.isArray(row[0])
      ? (row as number[][]).map((r, t) => [r, (t * B + b) * r.length])
      : [[row as number[], b * (row as number[]).length]];
    for (const [w, at] of rows) {
      w.forEach((v, j) => {
        const d = Math.abs(v - data[at + j]);
        worst = Math.max(worst, d);
        expect(d, `${name}: row ${b}, value ${j}: rnn-wasm ${v}, onnxruntime ${data[at + j]}`).toBeLessThanOrEqual(1e-5);
      });
    }
  });
  return worst;
}

async function check(runtimeName: string, runtime: Ort): Promise<void> {
  let worst = 0;
  for (const [i, c] of cases.entries()) {
    const model = new Sequential(rt, c.layers(), { seed: 60 + i, ...c.options });
    const inputs = lengths.map((n) => Array.from({ length: n }, c.step));
    const want = model.predictOutputs(inputs as never);
    const bytes = exportOnnx(model);
    model.dispose();
    const session = await runtime.InferenceSession.create(bytes);
    const out = await session.run(feeds(runtime, inputs, !!c.options?.inputFeatures));
    const name = c.options?.loss === 'mse' ? 'values' : 'probs';
    expect(Object.keys(out), c.name).toEqual([name]);
    const T = Math.max(...lengths), perStep = Array.isArray(want[0][0]);
    expect(out[name].dims, c.name).toEqual(perStep ? [T, lengths.length, (want[0][0] as number[]).length] : [lengths.length, (want[0] as number[]).length]);
    const d = compare(`${runtimeName}: ${c.name}`, want, out[name]);
    // T and B are dynamic: the same session on another batch (sequences 1 and 2: B 2, T 4)
    const again = await session.run(feeds(runtime, inputs.slice(1, 3), !!c.options?.inputFeatures));
    const d2 = compare(`${runtimeName}: ${c.name}, B 2`, want.slice(1, 3) as typeof want, again[name]);
    worst = Math.max(worst, d, d2);
    await session.release();
  }
  console.log(`onnx-export: ${cases.length} models in ${runtimeName}, largest difference from rnn-wasm ${worst.toExponential(2)}`);
}

describe('exportOnnx', () => {
  it(`writes an opset-${ONNX_OPSET} model with dynamic T and B, one recurrent node per stacked layer and gate orders converted`, () => {
    const model = new Sequential(rt, cases[5].layers(), { seed: 1 });
    const m = onnxProto.onnx.ModelProto.decode(exportOnnx(model));
    expect(Number(m.opsetImport[0].version)).toBe(ONNX_OPSET);
    const dims = (v: typeof m.graph.input[number]) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(m.graph!.input.map((v) => [v.name, dims(v)])).toEqual([['ids', ['T', 'B']], ['sequence_lens', ['B']]]);
    expect(m.graph!.node.filter((n) => n.opType === 'LSTM').length).toBe(2);
    // ONNX's gate i, o, f, c: block o of W is PyTorch's block 3 (i, f, g, o)
    const sd = model.stateDict(), pt = sd['lstm.weight_ih_l0'], H = 5, I = 6;
    const W = m.graph!.initializer.find((t) => t.name === 'lstm.W_l0')!;
    const w = new Float32Array(Uint8Array.from(W.rawData!).buffer);
    expect(W.dims!.map(Number)).toEqual([2, 4 * H, I]);
    expect(Array.from(w.subarray(H * I, 2 * H * I))).toEqual(Array.from(pt.data.subarray(3 * H * I, 4 * H * I)));
    model.dispose();
  });

  it('refuses what it does not map, naming the layer', () => {
    expect(() => exportOnnx({} as Sequential)).toThrow(/exportOnnx expects a Sequential model/);
    // a layer type the export has no mapping for (a user's own Layer subclass serialises so)
    const model = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 })]);
    const json = model.toJSON();
    model.toJSON = () => ({ ...json, layers: [...json.layers.slice(0, 2), { type: 'attention', name: 'att' }, json.layers[2]] });
    expect(() => exportOnnx(model)).toThrow(ConfigError);
    expect(() => exportOnnx(model)).toThrow(/layer 'att' \(attention\): no ONNX mapping for this layer type/);
    model.dispose();
  });

  it('onnxruntime-node runs each export as rnn-wasm does (1e-5 on valid steps)', async () => {
    await check('onnxruntime-node', ort);
  });

  it('onnxruntime-web (wasm backend, one thread) runs each export as rnn-wasm does', async () => {
    ortWeb.env.wasm.numThreads = 1;
    await check('onnxruntime-web', ortWeb as unknown as Ort);
  });
});

// The ONNX project's own checker (onnx.checker.check_model, full_check: with shape
// inference) on every export, when /usr/bin/python3 has the onnx package.
const PYTHON = '/usr/bin/python3';
const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
if (!hasOnnx) console.log(`onnx-export: ${PYTHON} has no onnx package (apt-get install python3-onnx); the onnx.checker run is skipped`);

describe('exportOnnx passes onnx.checker', () => {
  it.skipIf(!hasOnnx)('check_model(full_check=True) accepts every export, with and without states', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-onnx-check-'));
    try {
      const files: string[] = [];
      for (const [i, c] of cases.entries()) {
        const model = new Sequential(rt, c.layers(), { seed: 30 + i, ...c.options });
        for (const states of [false, true]) {
          const f = join(dir, `${i}${states ? '-states' : ''}.onnx`);
          writeFileSync(f, exportOnnx(model, { states }));
          files.push(f);
        }
        model.dispose();
      }
      const script = 'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint(onnx.__version__, len(sys.argv) - 1)';
      const r = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      console.log(`onnx-export: onnx ${r.stdout.trim().split(' ')[0]} checker (full_check) accepted ${files.length} exports`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exportOnnx with states: true', () => {
  const carried: Case[] = [
    {
      name: 'stateful BiLSTM 2 layers → GRU → relu RNN → dense per step',
      layers: () => [layers.embedding({ vocabSize: 11, dim: 4 }), layers.lstm({ hiddenSize: 4, numLayers: 2, bidirectional: true, stateful: true }),
        layers.gru({ hiddenSize: 3, stateful: true, name: 'gru' }), layers.rnn({ hiddenSize: 3, nonlinearity: 'relu', stateful: true }), layers.dense({ units: 3 })],
      step: tok(11),
    },
    {
      name: 'stateful projected LSTM (projSize 2, 2 layers) → dense per step',
      layers: () => [layers.embedding({ vocabSize: 11, dim: 4 }), layers.lstm({ hiddenSize: 4, projSize: 2, numLayers: 2, bidirectional: true, stateful: true }), layers.dense({ units: 3 })],
      step: tok(11),
    },
    {
      name: 'stateful reset-before GRU returnSequences false, merge mean → dense (MSE)',
      layers: () => [layers.gru({ hiddenSize: 4, bidirectional: true, merge: 'mean', resetBefore: true, returnSequences: false, stateful: true }), layers.dense({ units: 2 })],
      options: { inputFeatures: 3, loss: 'mse' }, step: () => Array.from({ length: 3 }, real),
    },
  ];

  it('carries a stream as stateful layers do: batch 2 from batch 1\'s final states, in onnxruntime-node and -web (1e-5)', async () => {
    ortWeb.env.wasm.numThreads = 1;
    let worst = 0;
    for (const [i, c] of carried.entries()) for (const runtime of [ort, ortWeb as unknown as Ort]) {
      const model = new Sequential(rt, c.layers(), { seed: 90 + i, ...c.options });
      const batches = [[5, 2, 4, 1], [3, 4, 1, 2]].map((ls) => ls.map((n) => Array.from({ length: n }, c.step)));
      const want = batches.map((b) => model.predictOutputs(b as never)); // the stateful layers carry from the first to the second
      const bytes = exportOnnx(model, { states: true });
      const specs = model.toJSON().layers.filter((l) => ['lstm', 'gru', 'rnn'].includes(l.type));
      model.dispose();
      const session = await runtime.InferenceSession.create(bytes);
      const stateNames = specs.flatMap((l) => (l.type === 'lstm' ? ['h', 'c'] : ['h']).map((k) => `${String(l.name)}.${k}`));
      const name = c.options?.loss === 'mse' ? 'values' : 'probs';
      expect(session.outputNames).toEqual([name, ...stateNames.map((n) => `${n}n`)]);
      expect(session.inputNames.slice(2)).toEqual(stateNames.map((n) => `${n}0`));
      let states: Record<string, ort.Tensor> = {};
      for (const [k, batch] of batches.entries()) {
        const f = feeds(runtime, batch, !!c.options?.inputFeatures);
        // the first batch starts from zero states, as a fresh stateful layer does
        const extra = Object.fromEntries(stateNames.map((n) => {
          const l = specs.find((s) => n.startsWith(`${String(s.name)}.`))!;
          const width = n.endsWith('.h') && l.projSize ? l.projSize as number : l.hiddenSize as number;
          const dims = [((l.numLayers as number | undefined) ?? 1) * (l.bidirectional ? 2 : 1), batch.length, width];
          return [`${n}0`, states[`${n}n`] ?? new runtime.Tensor('float32', new Float32Array(dims[0] * dims[1] * dims[2]), dims)];
        }));
        const out = await session.run({ ...f, ...extra });
        worst = Math.max(worst, compare(`${c.name}, batch ${k + 1}`, want[k], out[name]));
        states = out;
      }
      await session.release();
    }
    console.log(`onnx-export: ${carried.length} stateful models over 2 batches in onnxruntime-node and -web, largest difference ${worst.toExponential(2)}`);
  });
});

describe('rnn-wasm export --to onnx', () => {
  const made: string[] = [];
  afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
  const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'rnn-wasm-onnx-cli-')); made.push(d); return d; };

  it('writes --out, which onnxruntime-node runs as rnn-wasm does', async () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
    const dir = tmp(), c = cases[8];
    const model = new Sequential(rt, c.layers(), { seed: 7 });
    const inputs = lengths.map((n) => Array.from({ length: n }, c.step));
    const want = model.predictOutputs(inputs as never);
    writeFileSync(join(dir, 'clf.safetensors'), saveModel(model));
    model.dispose();
    const r = runCli(['export', '--to', 'onnx', join(dir, 'clf.safetensors'), '--out', join(dir, 'clf-model.onnx')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(dir, 'clf-model.onnx'));
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'clf-model.onnx')));
    const out = await session.run(feeds(ort, inputs, false));
    expect(compare(c.name, want, out.probs)).toBeLessThanOrEqual(1e-5);
    await session.release();
  });

  it('defaults --out to the model file\'s name with .onnx', () => {
    const dir = tmp();
    const model = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 })], { seed: 1 });
    writeFileSync(join(dir, 'm.safetensors'), saveModel(model));
    model.dispose();
    const r = runCli(['export', '--to', 'onnx', 'm.safetensors'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'm.onnx'))).graph!.output.map((o) => o.name)).toEqual(['probs']);
    // --states: the LSTM's states in and out
    const s = runCli(['export', '--to', 'onnx', 'm.safetensors', '--out', 's.onnx', '--states'], { cwd: dir });
    expect(s.status, s.stderr).toBe(0);
    const g = onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 's.onnx'))).graph!;
    expect(g.input.map((i) => i.name)).toEqual(['ids', 'sequence_lens', 'lstm.h0', 'lstm.c0']);
    expect(g.output.map((o) => o.name)).toEqual(['probs', 'lstm.hn', 'lstm.cn']);
  });

  it('says in one line what it cannot do, and writes nothing', () => {
    const dir = tmp();
    const s2s = new Seq2Seq(rt, { sourceVocabSize: 6, targetVocabSize: 5, embeddingDim: 3, hiddenSize: 4, bos: 1, eos: 2 });
    writeFileSync(join(dir, 'p.safetensors'), saveModel(s2s));
    s2s.dispose();
    expectOneLine(runCli(['export', '--to', 'onnx', join(dir, 'p.safetensors')]), 1, /the file holds a rnn-wasm\/seq2seq model, not a Sequential/);
    expect(existsSync(join(dir, 'p.onnx'))).toBe(false);
    expectOneLine(runCli(['export', '--to', 'onnx', join(dir, 'p.safetensors'), '--out-dir', dir]), 2, /--out-dir is for --to pytorch/);
    expectOneLine(runCli(['export', '--to', 'pytorch', join(dir, 'p.safetensors'), '--states']), 2, /--states is for --to onnx/);
    expectOneLine(runCli(['export', '--to', 'onnx', join(dir, 'missing.safetensors')]), 1, /file not found: .*missing\.safetensors/);
  });
});
