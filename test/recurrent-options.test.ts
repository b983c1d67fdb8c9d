// Recurrent options that change the parameters: bias: false leaves out bias_ih /
// bias_hh for every cell (PyTorch's bias=False), the footprint computed before
// building counts exactly what the layer allocates, and forgetBias needs a bias.
import { describe, expect, it } from 'vitest';
import { ConfigError, layers } from '../src/index.js';
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

/** The footprint counts each tensor padded to 16 floats, as the parameter table lays them out. */
function padding(dict: Record<string, { data: Float32Array }>): number {
  return Object.values(dict).reduce((a, t) => a + Math.ceil(t.data.length / 16) * 16 - t.data.length, 0);
}
