// Keras 3 .keras files (written by scripts/keras_fixtures.py in Keras 3's saving layout,
// with h5py) imported and compared with that script's independent float64 NumPy
// implementation of the Keras layers. Keras itself cannot be installed here, and
// tfjs cannot read .keras files, so no framework run is compared.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { importKeras } from '../src/keras.js';
import * as hdf5 from 'jsfive';
import { importTfjs, loadModel, WeightFileError, type ModelInput } from '../src/index.js';
import { runtime } from './helpers/wasm.js';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const rt = runtime();
const dir = join(root, 'test/fixtures/keras');
const expected = JSON.parse(readFileSync(join(dir, 'outputs.json'), 'utf8')) as Record<string, { inputs: ModelInput[]; outputs: number[][] | number[][][] }>;
const file = (name: string) => readFileSync(join(dir, `${name}.keras`));

function worstDifference(want: unknown[], got: unknown[]): number {
  const w = want.flat(2) as number[], g = got.flat(2) as number[];
  expect(g.length).toBe(w.length);
  return Math.max(...w.map((v, i) => Math.abs(v - g[i])));
}

describe('importKeras', () => {
  for (const [name, { inputs, outputs }] of Object.entries(expected)) {
    it(`${name}: predictOutputs equal the float64 Keras reference`, () => {
      const model = importKeras(rt, file(name));
      const got = model.predictOutputs(inputs) as number[][] | number[][][];
      model.dispose();
      expect(Array.isArray(got[0][0])).toBe(Array.isArray(outputs[0][0]));
      const worst = worstDifference(outputs, got);
      console.log(`keras-import: ${name}, largest difference from the reference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('the same file as a tfjs model.json (its config, the h5 weights in Keras order): importTfjs reads reset_after GRUs as the reference computes them', () => {
    // tfjs 4.22 cannot build a reset_after GRU, so its model.json is made from the .keras file.
    for (const name of ['gru_reset_after_sequences_time_distributed', 'bidirectional_gru_reset_after_mask_zero_last']) {
      const entries = unzipSync(file(name));
      const config = JSON.parse(new TextDecoder().decode(entries['config.json']));
      const h5b = entries['model.weights.h5'];
      const h5 = new hdf5.File(h5b.buffer.slice(h5b.byteOffset, h5b.byteOffset + h5b.byteLength) as ArrayBuffer, 'w.h5');
      const specs: { name: string; shape: number[]; dtype: string }[] = [], chunks: number[] = [];
      const used: Record<string, number> = {};
      for (const layer of config.config.layers.slice(1)) { // after the InputLayer
        const base = layer.class_name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
        used[base] = (used[base] ?? -1) + 1;
        const key = `layers/${used[base] ? `${base}_${used[base]}` : base}`;
        const parts = { Bidirectional: ['forward_layer/cell', 'backward_layer/cell'], GRU: ['cell'], TimeDistributed: ['layer'] }[layer.class_name as string] ?? [''];
        for (const part of parts) {
          const vars = h5.get(`${key}${part ? `/${part}` : ''}/vars`) as hdf5.Group;
          for (const i of vars.keys.sort((x, y) => Number(x) - Number(y))) {
            const d = vars.get(i) as hdf5.Dataset;
            specs.push({ name: `${key}/${part}/${i}`, shape: d.shape, dtype: 'float32' });
            chunks.push(...Array.from(d.value));
          }
        }
      }
      const model = importTfjs(rt, { modelTopology: { class_name: 'Sequential', config: config.config }, weightsManifest: [{ weights: specs }] }, new Uint8Array(Float32Array.from(chunks).buffer));
      const got = model.predictOutputs(expected[name].inputs) as number[][];
      model.dispose();
      const worst = worstDifference(expected[name].outputs, got);
      console.log(`keras-import: ${name} through importTfjs, largest difference from the reference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('reads the layers into the specs they mean', () => {
    const model = importKeras(rt, file('bidirectional_gru_sum_then_simple_rnn_ave'));
    const layers = model.toJSON().layers as Record<string, unknown>[];
    model.dispose();
    expect(layers.map((l) => l.type)).toEqual(['embedding', 'gru', 'rnn', 'dense']);
    expect(layers[1]).toMatchObject({ bidirectional: true, merge: 'sum', returnSequences: true });
    expect(layers[2]).toMatchObject({ bidirectional: true, merge: 'mean', nonlinearity: 'relu', returnSequences: false });
  });

  it('refuses a truncated or non-zip file with a WeightFileError', () => {
    const bytes = file('lstm_last_softmax');
    expect(() => importKeras(rt, bytes.subarray(0, bytes.length - 100))).toThrow(WeightFileError);
    expect(() => importKeras(rt, bytes.subarray(0, bytes.length - 100))).toThrow(/zip is damaged or truncated/);
    expect(() => importKeras(rt, new TextEncoder().encode('{"not": "a zip"}'))).toThrow(/zip is damaged or truncated/);
  });

  it('names a missing dataset, a missing entry, a damaged h5 file and an unsupported layer', () => {
    expect(() => importKeras(rt, file('damaged_missing_dataset'))).toThrow(/layer 'lstm': model.weights.h5 has no dataset layers\/lstm\/cell\/vars\/1/);
    expect(() => importKeras(rt, file('unsupported_conv1d'))).toThrow(/layer 'conv1d': layer class Conv1D is not supported/);
    const entries = unzipSync(file('lstm_last_softmax'));
    const without = (name: string) => zipSync(Object.fromEntries(Object.entries(entries).filter(([k]) => k !== name)));
    expect(() => importKeras(rt, without('config.json'))).toThrow(/has no config.json/);
    expect(() => importKeras(rt, without('model.weights.h5'))).toThrow(/has no model.weights.h5/);
    // a Bidirectional whose backward_layer was built with other options
    const config = JSON.parse(new TextDecoder().decode(unzipSync(file('bidirectional_lstm_concat_mask_zero'))['config.json']));
    config.config.layers.find((l: { class_name: string }) => l.class_name === 'Bidirectional').config.backward_layer.config.units = 5;
    const other = zipSync({ ...unzipSync(file('bidirectional_lstm_concat_mask_zero')), 'config.json': new TextEncoder().encode(JSON.stringify(config)) });
    expect(() => importKeras(rt, other)).toThrow(/layer 'bidirectional': Bidirectional backward_layer differs from the forward layer in its units/);
    // use_bias false in the config while the file holds the bias
    const noBias = JSON.parse(new TextDecoder().decode(entries['config.json']));
    noBias.config.layers.find((l: { class_name: string }) => l.class_name === 'LSTM').config.use_bias = false;
    expect(() => importKeras(rt, zipSync({ ...entries, 'config.json': new TextEncoder().encode(JSON.stringify(noBias)) }))).toThrow(/layer 'lstm': layers\/lstm\/cell\/vars holds 3 variables, the layer's config 2/);
    const h5 = entries['model.weights.h5'];
    const cut = zipSync({ ...entries, 'model.weights.h5': h5.subarray(0, 600) });
    expect(() => importKeras(rt, cut)).toThrow(WeightFileError);
  });
});

describe('rnn-wasm import --from keras', () => {
  it('writes a model file that predicts as the reference, and refuses in one line', () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
    const tmp = mkdtempSync(join(tmpdir(), 'rnn-wasm-keras-import-'));
    try {
      const name = 'bidirectional_lstm_concat_mask_zero';
      writeFileSync(join(tmp, 'model.keras'), file(name));
      const r = runCli(['import', '--from', 'keras', join(tmp, 'model.keras')]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('embedding → lstm → dropout → dense');
      const model = loadModel(rt, readFileSync(join(tmp, 'model.safetensors')));
      const got = model.predictOutputs(expected[name].inputs) as number[][][];
      model.dispose();
      const worst = worstDifference(expected[name].outputs, got);
      console.log(`keras-import: CLI, largest difference from the reference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
      writeFileSync(join(tmp, 'conv.keras'), file('unsupported_conv1d'));
      expectOneLine(runCli(['import', '--from', 'keras', join(tmp, 'conv.keras')]), 1, /layer class Conv1D is not supported/);
      expect(existsSync(join(tmp, 'conv.safetensors'))).toBe(false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
