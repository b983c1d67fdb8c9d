// Recurrent options that change the parameters: bias: false leaves out bias_ih /
// bias_hh for every cell (PyTorch's bias=False), the footprint computed before
// building counts exactly what the layer allocates, and forgetBias needs a bias.
// projSize (LSTM proj_size): where it applies, and through a Sequential model.
import { describe, expect, it } from 'vitest';
import { ConfigError, ParameterTable, layers } from '../src/index.js';
import { Recurrent } from '../src/layers/recurrent.js';
import { modelFootprint } from '../src/config/footprint.js';
import { runtime } from './helpers/wasm.js';
import { simpleModel } from './helpers/models.js';

const rt = runtime();

describe('recurrent bias: false', () => {
  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    it(`${cell}: no bias tensors, and the footprint matches what is built`, () => {
      for (const bias of [true, false]) {
        const m = simpleModel(rt, { vocabSize: 7, embeddingDim: 3, hiddenSize: 5, numClasses: 2, cell, numLayers: 2, bidirectional: true, bias });
        const names = Object.keys(m.stateDict()).filter((n) => n.startsWith('rnn.'));
        expect(names.length).toBe(bias ? 16 : 8);
        expect(names.some((n) => n.includes('bias'))).toBe(bias);
        const specs = JSON.parse(JSON.stringify(m.toJSON())).layers;
        expect(modelFootprint(specs, { seq: true, features: 0 }).params).toBe(m.parameterCount + padding(m.stateDict()));
        m.dispose();
      }
    });
  }

  it('refuses forgetBias without biases', () => {
    expect(() => layers.lstm({ hiddenSize: 4, bias: false, forgetBias: 1 })).toThrow(ConfigError);
  });
});

describe('recurrent projSize', () => {
  it('the core takes it for the LSTM: weight_hr, weight_hh [4H][P], outputs of P per direction', () => {
    const table = new ParameterTable();
    const r = new Recurrent(rt, { cell: 'lstm', inputSize: 3, hiddenSize: 6, projSize: 2, numLayers: 2, bidirectional: true }, table, '');
    expect(r.outputSize).toBe(4);
    expect(table.get('weight_hr_l1_reverse').shape).toEqual([2, 6]);
    expect(table.get('weight_hh_l0').shape).toEqual([24, 2]);
    expect(table.get('weight_ih_l1').shape).toEqual([24, 4]);
    r.dispose();
  });

  it('is refused where it does not apply', () => {
    const core = (o: object) => () => new Recurrent(rt, { cell: 'lstm', inputSize: 3, hiddenSize: 6, ...o } as never, new ParameterTable(), '');
    expect(core({ cell: 'gru', projSize: 2 })).toThrow(/LSTM cell only/);
    expect(core({ projSize: 6 })).toThrow(/smaller than hiddenSize/);
    expect(core({ projSize: 2, recurrentInit: 'orthogonal' })).toThrow(ConfigError);
    expect(() => layers.gru({ hiddenSize: 6, projSize: 2 })).toThrow(/LSTM cell only/);
  });

  for (const output of ['steps', 'last'] as const) {
    it(`a Sequential LSTM with projSize (${output}): footprint, JSON round trip, gradients by central differences`, () => {
      const m = simpleModel(rt, { vocabSize: 7, embeddingDim: 3, hiddenSize: 6, numClasses: 3, cell: 'lstm', numLayers: 2, bidirectional: true, projSize: 2, output, seed: 3 });
      expect(m.stateDict()['rnn.weight_hr_l1_reverse'].shape).toEqual([2, 6]);
      expect(m.stateDict()['head.weight'].shape).toEqual([3, 4]);
      const specs = JSON.parse(JSON.stringify(m.toJSON())).layers;
      expect(modelFootprint(specs, { seq: true, features: 0 }).params).toBe(m.parameterCount + padding(m.stateDict()));
      expect(specs[1].projSize).toBe(2);

      const inputs = [[1, 2, 3, 4], [5, 6], [0, 3, 2]];
      const batch = { inputs, targets: output === 'steps' ? inputs.map((q) => q.map((v) => v % 3)) : [0, 2, 1] };
      m.lossAndGradients(batch);
      const g = m.gradientDict(), w = m.stateDict();
      // Float32 central differences with a wide step: a wrong state width would be far off.
      const h = 1e-2;
      for (const name of ['rnn.weight_hr_l1', 'rnn.weight_hr_l0_reverse', 'rnn.weight_hh_l1_reverse', 'rnn.weight_ih_l0']) {
        for (const i of [0, 5, w[name].data.length - 1]) {
          const v = w[name].data[i];
          const at = (x: number) => {
            w[name].data[i] = x;
            m.loadStateDict(w);
            return m.lossAndGradients(batch).loss;
          };
          const fd = (at(v + h) - at(v - h)) / (2 * h);
          at(v);
          expect(Math.abs(g[name].data[i] - fd), `${name}[${i}]: ${g[name].data[i]} vs ${fd}`).toBeLessThan(1e-3 + 2e-2 * Math.abs(fd));
        }
      }
      m.dispose();
    });
  }
});

/** The footprint counts each tensor padded to 16 floats, as the parameter table lays them out. */
function padding(dict: Record<string, { data: Float32Array }>): number {
  return Object.values(dict).reduce((a, t) => a + Math.ceil(t.data.length / 16) * 16 - t.data.length, 0);
}
