// A worker of a ParallelPredictor: a model replica in its own runtime, rebuilt from
// the model's JSON by the model-kind registry, that runs a row-wise method on the rows
// of each request and posts the results back. Weights come from a SharedArrayBuffer
// and are reloaded only when the request's version changes.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRuntimeSync } from '../runtime/load.js';
import { buildReplica, type Replica } from '../parallel/replica.js';
import { ConfigError } from '../errors.js';
import { importWorkerModules } from './worker-modules.js';
import { ROW_METHODS, runRows, type PredictInit, type PredictReply, type PredictRequest } from '../parallel/predict-protocol.js';

const init = workerData as PredictInit;
const shared = new Float32Array(init.params);
let version = -1;

let model: Replica;
try {
  await importWorkerModules(init.modules);
  model = buildReplica(loadRuntimeSync(), init.config, init.int8);
} catch (e) {
  parentPort!.postMessage({ type: 'error', name: (e as Error).name, message: (e as Error).message });
  process.exit(1);
}
parentPort!.postMessage({ type: 'ready' });

parentPort!.on('message', (m: PredictRequest | { type: 'exit' }) => {
  if ('type' in m) { parentPort!.close(); return; }
  let reply: PredictReply;
  try {
    if (!ROW_METHODS.includes(m.method)) throw new ConfigError(`unknown method ${m.method}`);
    if (m.version !== version) {
      model.params.f32().set(shared);
      model.parametersChanged();
      version = m.version;
    }
    reply = { id: m.id, type: 'result', results: runRows(model, m.method, m.rows, m.args, m.batchSize) };
  } catch (e) {
    reply = { id: m.id, type: 'error', name: (e as Error).name, message: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
