// A worker of a ParallelPredictor: a model replica in its own runtime, rebuilt from
// the model's JSON by the model-kind registry, that runs a row-wise method on the rows
// of each request and posts the results back. Weights come from a SharedArrayBuffer
// and are reloaded only when the request's version changes.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRuntimeSync } from '../runtime/load.js';
import { buildReplica, type Replica } from '../parallel/replica.js';
import { importWorkerModules } from './worker-modules.js';
import { answerRequest, type PredictInit, type PredictRequest, type ServedReplica } from '../parallel/predict-protocol.js';

const init = workerData as PredictInit;
const shared = new Float32Array(init.params);

let model: Replica;
try {
  await importWorkerModules(init.modules);
  model = buildReplica(loadRuntimeSync(), init.config, init.int8);
} catch (e) {
  parentPort!.postMessage({ type: 'error', name: (e as Error).name, message: (e as Error).message });
  process.exit(1);
}
parentPort!.postMessage({ type: 'ready' });

const served: ServedReplica = { model, shared, version: -1 };
parentPort!.on('message', (m: PredictRequest | { type: 'exit' }) => {
  if ('type' in m) { parentPort!.close(); return; }
  parentPort!.postMessage(answerRequest(served, m));
});
