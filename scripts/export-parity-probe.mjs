// Writes models saved by rnn-wasm for the PyTorch round trip: for each configuration,
// a safetensors file with the weights under nn.RNN / LSTM / GRU state_dict names, the
// config in its metadata, a probe batch (different lengths) and rnn-wasm's outputs.
// `npm run parity:pytorch` then loads them into PyTorch (scripts/pytorch_parity.py check).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeSync, nn, Rng, writeSafetensors } from '../dist/index.js';

const outDir = process.argv[2] ?? 'build/parity';
mkdirSync(outDir, { recursive: true });
const rt = loadRuntimeSync();
const configs = [
  { cell: 'rnn', inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, nonlinearity: 'tanh' },
  { cell: 'rnn', inputSize: 3, hiddenSize: 4, numLayers: 1, bidirectional: false, nonlinearity: 'relu' },
  { cell: 'lstm', inputSize: 6, hiddenSize: 9, numLayers: 3, bidirectional: true },
  { cell: 'lstm', inputSize: 16, hiddenSize: 32, numLayers: 1, bidirectional: false },
  { cell: 'gru', inputSize: 4, hiddenSize: 11, numLayers: 2, bidirectional: true },
  { cell: 'gru', inputSize: 8, hiddenSize: 5, numLayers: 1, bidirectional: false },
  { cell: 'gru', inputSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, bias: false },
  { cell: 'rnn', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: false, nonlinearity: 'tanh', bias: false },
  { cell: 'lstm', inputSize: 5, hiddenSize: 8, numLayers: 2, bidirectional: true, projSize: 3 },
  { cell: 'lstm', inputSize: 4, hiddenSize: 6, numLayers: 1, bidirectional: false, projSize: 2, bias: false },
];
const T = 7, lengths = [7, 3, 5, 1];
const B = lengths.length;
configs.forEach((cfg, i) => {
  // The public array module, initialised from a seed, run on a probe batch of different lengths.
  const { cell, ...options } = cfg;
  const m = nn[cell](rt, { ...options, seed: 100 + i });
  const rng = new Rng(1000 + i);
  const x = Float32Array.from({ length: T * B * cfg.inputSize }, () => rng.normal());
  const f = m.forward({ data: x, shape: [T, B, cfg.inputSize] }, { lengths });
  const tensors = {
    ...m.stateDict(),
    'probe.input': { shape: [T, B, cfg.inputSize], data: x },
    'probe.lengths': { shape: [B], data: Float32Array.from(lengths) },
    'probe.output': f.output,
    'probe.hn': f.hn,
  };
  if (f.cn) tensors['probe.cn'] = f.cn;
  m.dispose();
  const file = join(outDir, `${cfg.cell}_${i}.safetensors`);
  writeFileSync(file, writeSafetensors(tensors, { config: JSON.stringify(cfg) }));
  console.log('wrote', file);
});
