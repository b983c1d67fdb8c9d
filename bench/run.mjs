// `npm run bench`: every suite, one after another in one process.
import os from 'node:os';
import { gemmBench } from './gemm.bench.mjs';
import { elmanBench } from './elman.bench.mjs';
import { recurrentBench } from './recurrent.bench.mjs';
import { pytorchPeer } from './peers/pytorch.mjs';

console.log(`rnn-wasm benchmarks — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, single thread\n`);
await gemmBench();
console.log();
await elmanBench();
console.log();
const ours = await recurrentBench();
console.log('\nPyTorch CPU (one thread), same workloads, in the same run:');
const torch = pytorchPeer();
if (torch) {
  console.log('  cell   W1 train: PyTorch ms  ratio (PyTorch / rnn-wasm) | W2 infer: PyTorch ms  ratio | W3 stream: PyTorch µs  ratio');
  for (const t of torch) {
    const o = ours.find((r) => r.cell === t.cell);
    console.log(`  ${t.cell.padEnd(5)} ${t.trainMs.toFixed(2).padStart(20)} ${(t.trainMs / o.train.ms).toFixed(2).padStart(8)}× | ${t.inferMs.toFixed(2).padStart(20)} ${(t.inferMs / o.infer.ms).toFixed(2).padStart(5)}× | ${t.streamUs.toFixed(1).padStart(21)} ${(t.streamUs / o.streamUs).toFixed(1).padStart(5)}×`);
  }
}
