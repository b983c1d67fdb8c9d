// Recurrent options that change the parameters: bias: false leaves out bias_ih /
// bias_hh for every cell (PyTorch's bias=False), the footprint computed before
// building counts exactly what the layer allocates, and forgetBias needs a bias.
// projSize (LSTM proj_size) is the core's: checked there, refused by the Sequential layer.
import { describe, expect, it } from 'vitest';
import { ConfigError, ParameterTable, Recurrent, layers } from '../src/index.js';
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
    // Not yet through the Sequential layer (final states, stream): fails closed.
    expect(() => layers.lstm({ hiddenSize: 6, projSize: 2 } as never)).toThrow(ConfigError);
  });
});

/** The footprint counts each tensor padded to 16 floats, as the parameter table lays them out. */
function padding(dict: Record<string, { data: Float32Array }>): number {
  return Object.values(dict).reduce((a, t) => a + Math.ceil(t.data.length / 16) * 16 - t.data.length, 0);
}
