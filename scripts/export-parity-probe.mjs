// Writes models saved by rnn-wasm for the PyTorch round trip: for each configuration,
// a safetensors file with the weights under nn.RNN / LSTM / GRU state_dict names, the
// config in its metadata, a probe batch (different lengths) and rnn-wasm's outputs.
// `npm run parity:pytorch` then loads them into PyTorch (scripts/pytorch_parity.py check).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeSync, Recurrent, ParameterTable, Rng, writeSafetensors } from '../dist/index.js';

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
  const table = new ParameterTable();
  const layer = new Recurrent(rt, cfg, table, '');
  const params = rt.planner.alloc(table.total);
  const rng = new Rng(100 + i);
  layer.initialise(params.f32(), rng);
  layer.pack(params);
  const x = rt.planner.alloc(T * B * cfg.inputSize);
  x.f32().set(Array.from({ length: T * B * cfg.inputSize }, () => rng.normal()));
  const len = rt.planner.alloc(B);
  len.i32().set(lengths);
  const f = layer.forward(T, B, x.ptr, len.ptr, 0, 0, false, rng, params);
  const D = cfg.bidirectional ? 2 : 1, H = cfg.hiddenSize, L = cfg.numLayers, W = layer.stateSize;
  const view = (ptr, n) => new Float32Array(rt.memory.buffer, ptr, n).slice();
  const tensors = {
    ...table.toStateDict(params.f32()),
    'probe.input': { shape: [T, B, cfg.inputSize], data: x.f32().slice() },
    'probe.lengths': { shape: [B], data: Float32Array.from(lengths) },
    'probe.output': { shape: [T, B, layer.outputSize], data: view(f.output, T * B * layer.outputSize) },
    'probe.hn': { shape: [L * D, B, W], data: view(f.hn, L * D * B * W) },
  };
  if (cfg.cell === 'lstm') tensors['probe.cn'] = { shape: [L * D, B, H], data: view(f.cn, L * D * B * H) };
  const file = join(outDir, `${cfg.cell}_${i}.safetensors`);
  writeFileSync(file, writeSafetensors(tensors, { config: JSON.stringify(cfg) }));
  console.log('wrote', file);
});
