// A compact way for tests to build the common embedding → recurrent → dense model.
import { Sequential, layers, type Runtime } from '../../src/index.js';
import type { RecurrentConfig } from '../../src/layers/recurrent.js';

export interface SimpleModelConfig extends Partial<Omit<RecurrentConfig, 'inputSize' | 'hiddenSize'>> {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  numClasses: number;
  /** 'steps': a label per step; 'last': per sequence, from the final states. */
  output?: 'steps' | 'last';
  seed?: number;
  maxLength?: number;
}

/** embedding → recurrent (named 'rnn') → dense (named 'head'), as PyTorch modules with those attribute names. */
export function simpleModel(rt: Runtime, c: SimpleModelConfig): Sequential {
  const { vocabSize, embeddingDim, hiddenSize, numClasses, output = 'steps', seed, maxLength, cell = 'rnn', ...rec } = c;
  return new Sequential(rt, [
    layers.embedding({ vocabSize, dim: embeddingDim }),
    new layers.RecurrentLayer({ ...rec, cell, hiddenSize, returnSequences: output === 'steps', name: 'rnn' }),
    layers.dense({ units: numClasses, name: 'head' }),
  ], { seed, maxLength });
}
