// exportPyTorch against PyTorch itself: each model is exported (model.py +
// weights.safetensors), loaded by /usr/bin/python3 with load_state_dict(strict=True)
// and run on a batch of different lengths; PyTorch's predictions must match
// predictOutputs. Without torch (CI) the PyTorch half is skipped with a notice.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, exportPyTorch, layers, loadWeights, readSafetensors, saveModel, Sequential, type Layer, type SequentialOptions } from '../src/index.js';
import { runtime } from './helpers/wasm.js';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const rt = runtime();
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.log(`pytorch-export: ${PYTHON} has no torch (apt-get install python3-torch); the PyTorch comparison is skipped`);

const lengths = [5, 2, 4, 1];
let seed = 12345;
const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;

type Input = number[] | number[][];
interface Case {
  name: string;
  layers: () => Layer[];
  options?: SequentialOptions;
  /** One step's input: a token id, [field ids…], or a feature vector. */
  step: () => number | number[];
}

const cases: Case[] = [
  {
    name: 'tagger: embedding → BiLSTM 2 layers (dropout) → dropout → dense',
    layers: () => [layers.embedding({ vocabSize: 20, dim: 6 }), layers.lstm({ hiddenSize: 5, numLayers: 2, bidirectional: true, dropout: 0.3 }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 4 })],
    step: () => next(20),
  },
  {
    name: 'classifier: embedding → GRU returnSequences false → dense',
    layers: () => [layers.embedding({ vocabSize: 15, dim: 4 }), layers.gru({ hiddenSize: 6, numLayers: 2, returnSequences: false }), layers.dense({ units: 3 })],
    step: () => next(15),
  },
  {
    name: 'classifier: embedding → bidirectional LSTM returnSequences false (stateful) → dense',
    layers: () => [layers.embedding({ vocabSize: 15, dim: 4 }), layers.lstm({ hiddenSize: 5, bidirectional: true, numLayers: 2, returnSequences: false, stateful: true }), layers.dense({ units: 3 })],
    step: () => next(15),
  },
  {
    name: 'pooling mean over a relu RNN',
    layers: () => [layers.embedding({ vocabSize: 12, dim: 5 }), layers.rnn({ hiddenSize: 6, nonlinearity: 'relu' }), layers.pooling({ mode: 'mean' }), layers.dense({ units: 3 })],
    step: () => next(12),
  },
  {
    name: 'pooling max over a bidirectional GRU',
    layers: () => [layers.embedding({ vocabSize: 12, dim: 5 }), layers.gru({ hiddenSize: 4, bidirectional: true }), layers.pooling({ mode: 'max' }), layers.dense({ units: 2 })],
    step: () => next(12),
  },
  {
    name: 'pooling last over an LSTM',
    layers: () => [layers.embedding({ vocabSize: 12, dim: 5 }), layers.lstm({ hiddenSize: 4 }), layers.pooling({ mode: 'last' }), layers.dense({ units: 2 })],
    step: () => next(12),
  },
  {
    name: 'multi-field embedding → LSTM → dense',
    layers: () => [layers.embedding({ fields: [{ vocabSize: 10, dim: 3 }, { vocabSize: 5, dim: 2 }] }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 3 })],
    step: () => [next(10), next(5)],
  },
  {
    name: 'fields and a character BiLSTM → GRU → dense',
    layers: () => [layers.embedding({ fields: [{ vocabSize: 10, dim: 3 }, { vocabSize: 4, dim: 2 }], chars: { vocabSize: 8, dim: 3, hiddenSize: 4, maxChars: 5 } }), layers.gru({ hiddenSize: 4 }), layers.dense({ units: 3 })],
    // 0 to 5 characters, zero-padded at the end; some words have none
    step: () => { const n = next(6); return [next(10), next(4), ...Array.from({ length: 5 }, (_, i) => (i < n ? 1 + next(7) : 0))]; },
  },
  {
    name: 'bias false: GRU 2 layers and an Elman layer',
    layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.gru({ hiddenSize: 5, numLayers: 2, bias: false }), layers.rnn({ hiddenSize: 3, bias: false, bidirectional: true }), layers.dense({ units: 3 })],
    step: () => next(9),
  },
  {
    name: 'projSize: bidirectional LSTM 2 layers with projections',
    layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 6, projSize: 3, numLayers: 2, bidirectional: true }), layers.dense({ units: 3 })],
    step: () => next(9),
  },
  {
    name: 'projSize: LSTM returnSequences false',
    layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.lstm({ hiddenSize: 6, projSize: 2, bidirectional: true, returnSequences: false }), layers.dense({ units: 3 })],
    step: () => next(9),
  },
  {
    name: 'merge sum and mean (one bidirectional layer each)',
    layers: () => [layers.embedding({ vocabSize: 9, dim: 4 }), layers.gru({ hiddenSize: 5, bidirectional: true, merge: 'sum' }), layers.lstm({ hiddenSize: 4, bidirectional: true, merge: 'mean', returnSequences: false }), layers.dense({ units: 3 })],
    step: () => next(9),
  },
  {
    name: 'MSE regression over features: LSTM → dense per step',
    layers: () => [layers.lstm({ hiddenSize: 5, bidirectional: true }), layers.dense({ units: 2 })],
    options: { inputFeatures: 4, loss: 'mse' },
    step: () => Array.from({ length: 4 }, () => next(2001) / 1000 - 1),
  },
  {
    name: 'MSE regression over features: GRU returnSequences false → dense',
    layers: () => [layers.gru({ hiddenSize: 5, returnSequences: false }), layers.dense({ units: 1 })],
    options: { inputFeatures: 3, loss: 'mse' },
    step: () => Array.from({ length: 3 }, () => next(2001) / 1000 - 1),
  },
];

const pad = (seqs: (number | number[])[][], T: number): (number | number[])[][] => seqs.map((s) => {
  const blank = Array.isArray(s[0]) ? (s[0] as number[]).map(() => 0) : 0;
  return [...s, ...Array.from({ length: T - s.length }, () => blank)];
});

/** Runs the driver on export directories (model.py, weights.safetensors, inputs.json). */
function runPyTorch(dirs: string[]): void {
  execFileSync(PYTHON, [new URL('./helpers/pytorch-export-driver.py', import.meta.url).pathname, ...dirs], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The largest difference between `expected` and PyTorch's predictions in each dir's `file`, failing above 1e-5. */
function comparePyTorch(dirs: string[], expected: (number[][] | number[][][])[], names: string[], file = 'outputs.json'): number {
  let worst = 0;
  dirs.forEach((dir, i) => {
    const got = JSON.parse(readFileSync(join(dir, file), 'utf8')) as number[][] | number[][][];
    const want = expected[i], name = names[i];
    expect(got.length, name).toBe(want.length);
    want.forEach((row, b) => {
      // step outputs: PyTorch pads to T, rnn-wasm returns the valid steps
      const pairs: [number[], number[]][] = Array.isArray(row[0])
        ? (row as number[][]).map((r, t) => [r, (got[b] as number[][])[t]])
        : [[row as number[], got[b] as number[]]];
      for (const [w, g] of pairs) {
        expect(g.length, name).toBe(w.length);
        w.forEach((v, j) => {
          const d = Math.abs(v - g[j]);
          worst = Math.max(worst, d);
          expect(d, `${name}: row ${b}, value ${j}: rnn-wasm ${v}, PyTorch ${g[j]}`).toBeLessThanOrEqual(1e-5);
        });
      }
    });
  });
  return worst;
}

describe('exportPyTorch', () => {
  it('writes state_dict names and a model.py with the config', () => {
    const model = new Sequential(rt, cases[0].layers(), { seed: 1 });
    const out = exportPyTorch(model);
    expect(Object.keys(readSafetensors(out['weights.safetensors']).tensors).sort()).toEqual(Object.keys(model.stateDict()).sort());
    expect(out['model.py']).toMatch(/^CONFIG = json\.loads\('\{"layers":\[\{"type":"embedding"/m);
    expect(out['model.py']).toContain('class Model(nn.Module)');
    model.dispose();
  });

  it('refuses what PyTorch has no module for, naming the layer', () => {
    const gru = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.gru({ hiddenSize: 3, resetBefore: true, name: 'enc' }), layers.dense({ units: 2 })]);
    expect(() => exportPyTorch(gru)).toThrow(ConfigError);
    expect(() => exportPyTorch(gru)).toThrow(/layer 'enc' \(gru\): a reset-before GRU/);
    const sum = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3, bidirectional: true, numLayers: 2, merge: 'sum' }), layers.dense({ units: 2 })]);
    expect(() => exportPyTorch(sum)).toThrow(/layer 'lstm' \(lstm\): merge 'sum' between 2 stacked layers/);
    const named = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3, name: 'forward' }), layers.dense({ units: 2 })]);
    expect(() => exportPyTorch(named)).toThrow(/layer 'forward' \(lstm\): the name is an attribute of PyTorch's nn.Module/);
    for (const m of [gru, sum, named]) m.dispose();
  });

  it.skipIf(!hasTorch)('PyTorch loads each export with strict=True and predicts what rnn-wasm predicts (1e-5); trained there, it comes back with loadWeights', () => {
    const base = mkdtempSync(join(tmpdir(), 'rnn-wasm-pytorch-'));
    try {
      const T = Math.max(...lengths);
      const expected: (number[][] | number[][][])[] = [], inputs: Input[][] = [];
      const dirs = cases.map((c, i) => {
        const model = new Sequential(rt, c.layers(), { seed: 40 + i, ...c.options });
        inputs.push(lengths.map((n) => Array.from({ length: n }, c.step)) as Input[]);
        expected.push(model.predictOutputs(inputs[i]));
        const files = exportPyTorch(model);
        model.dispose();
        const dir = join(base, `m${i}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'model.py'), files['model.py']);
        writeFileSync(join(dir, 'weights.safetensors'), files['weights.safetensors']);
        writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ x: pad(inputs[i] as (number | number[])[][], T), lengths, ids: !c.options?.inputFeatures }));
        return dir;
      });
      runPyTorch(dirs);
      const names = cases.map((c) => c.name);
      const worst = comparePyTorch(dirs, expected, names);
      // The way back: PyTorch's trained state_dict into the same architecture.
      let moved = 0;
      const back = cases.map((c, i) => {
        const model = new Sequential(rt, c.layers(), { seed: 1, ...c.options });
        loadWeights(model, readFileSync(join(dirs[i], 'trained.safetensors')));
        const out = model.predictOutputs(inputs[i]);
        model.dispose();
        moved = Math.max(moved, ...out.flat(2).map((v, j) => Math.abs(v - expected[i].flat(2)[j])));
        return out;
      });
      expect(moved, 'training in PyTorch changed the predictions').toBeGreaterThan(1e-2);
      const worstBack = comparePyTorch(dirs, back, names, 'trained.json');
      console.log(`pytorch-export: ${cases.length} models, largest difference from PyTorch ${worst.toExponential(2)}; after training in PyTorch, loaded back: ${worstBack.toExponential(2)}`);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('rnn-wasm export --to pytorch', () => {
  const made: string[] = [];
  afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
  const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'rnn-wasm-export-cli-')); made.push(d); return d; };

  it('writes model.py and weights.safetensors into --out-dir, which PyTorch loads and predicts with', () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
    const dir = tmp(), c = cases[1];
    const model = new Sequential(rt, c.layers(), { seed: 7 });
    const inputs = lengths.map((n) => Array.from({ length: n }, c.step));
    const expected = model.predictOutputs(inputs as Input[]);
    writeFileSync(join(dir, 'clf.safetensors'), saveModel(model));
    model.dispose();
    const out = join(dir, 'out', 'torch');
    const r = runCli(['export', '--to', 'pytorch', join(dir, 'clf.safetensors'), '--out-dir', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(out, 'model.py'));
    expect(Object.keys(readSafetensors(readFileSync(join(out, 'weights.safetensors'))).tensors).sort())
      .toEqual(Object.keys(readSafetensors(readFileSync(join(dir, 'clf.safetensors'))).tensors).sort());
    if (!hasTorch) return;
    writeFileSync(join(out, 'inputs.json'), JSON.stringify({ x: pad(inputs, Math.max(...lengths)), lengths, ids: true }));
    runPyTorch([out]);
    expect(comparePyTorch([out], [expected], [c.name])).toBeLessThanOrEqual(1e-5);
  });

  it('defaults --out-dir to the model file\'s name with -pytorch', () => {
    const dir = tmp();
    const model = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 })], { seed: 1 });
    writeFileSync(join(dir, 'm.safetensors'), saveModel(model));
    model.dispose();
    const r = runCli(['export', '--to', 'pytorch', 'm.safetensors'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'm-pytorch')).sort()).toEqual(['model.py', 'weights.safetensors']);
  });

  it('says in one line what it cannot do, and writes nothing', () => {
    const dir = tmp();
    const model = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.gru({ hiddenSize: 3, resetBefore: true }), layers.dense({ units: 2 })], { seed: 1 });
    writeFileSync(join(dir, 'rb.safetensors'), saveModel(model));
    model.dispose();
    expectOneLine(runCli(['export', '--to', 'pytorch', join(dir, 'rb.safetensors'), '--out-dir', join(dir, 'x')]), 1, /layer 'gru' \(gru\): a reset-before GRU/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expectOneLine(runCli(['export', '--to', 'tflite', join(dir, 'rb.safetensors')]), 2, /cannot export to 'tflite': expected --to pytorch or --to onnx/);
    expectOneLine(runCli(['export', '--to', 'pytorch', join(dir, 'missing.safetensors')]), 1, /file not found: .*missing\.safetensors/);
  });
});
