// `npm run bench`: every suite, one after another in one process.
import os from 'node:os';
import { gemmBench } from './gemm.bench.mjs';
import { elmanBench } from './elman.bench.mjs';
import { recurrentBench } from './recurrent.bench.mjs';

console.log(`rnn-wasm benchmarks — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, single thread\n`);
await gemmBench();
console.log();
await elmanBench();
console.log();
await recurrentBench();
