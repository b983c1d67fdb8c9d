// The fuzz harness's loader thread (see scripts/fuzz-lib.mjs): loads each variant it
// is sent and answers with its outcome class. Its own thread so that the main thread
// can cut off a load that hangs.
import { parentPort, workerData } from 'node:worker_threads';
import { makeClassifier } from './fuzz-lib.mjs';

const lib = await import(workerData.dist);
const rt = lib.loadRuntimeSync();
const classify = makeClassifier(lib, rt, workerData.bases);
parentPort.on('message', ({ base, bytes }) => {
  const r = classify(base, bytes, workerData.limitMs);
  r.recycle = rt.memory.buffer.byteLength > 256 * 1024 * 1024;
  parentPort.postMessage(r);
});
parentPort.postMessage('ready');
