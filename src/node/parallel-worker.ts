// The second thread of a ParallelTrainer: a model replica in its own runtime (own
// wasm memory, own scratch), rebuilt from the model's JSON by the model-kind
// registry, that, per command, takes the current weights and a share of the batch
// from shared buffers, runs forward and backward, and leaves its gradients and loss
// sum in shared buffers. No messages per step: commands and completions are Atomics
// on the control words.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadRuntimeSync } from '../runtime/load.js';
import { modelFromJSON } from '../io/model-kinds.js';
import { DATA_PARALLEL_METHODS, SHARE_HEADER_WORDS, isDataParallel, type DataParallel } from '../model/data-parallel.js';
import { ConfigError } from '../errors.js';
import { importWorkerModules } from './worker-modules.js';
import type { Trainable } from '../model/trainable.js';
import { Rng } from '../random.js';
import { CTRL, NUM, OP, probeWork, waitForChange } from './parallel-protocol.js';

export interface WorkerInit {
  /** The model's toJSON(). */
  config: { format: string };
  /** Imported first: they register the model kinds of their own (ParallelOptions.workerModules). */
  modules: string[];
  ctrl: SharedArrayBuffer;
  nums: SharedArrayBuffer;
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  data: SharedArrayBuffer;
  port: MessagePort;
  spinMicros: number;
}

const init = workerData as WorkerInit;
const ctrl = new Int32Array(init.ctrl), nums = new Float64Array(init.nums);
const header = new Int32Array(init.ctrl, CTRL.header * 4, SHARE_HEADER_WORDS);
const sharedParams = new Float32Array(init.params), sharedGrads = new Float32Array(init.grads);
let data = init.data;
process.on('exit', () => {
  Atomics.store(ctrl, CTRL.dead, 1);
  Atomics.notify(ctrl, CTRL.done);
});

let model: DataParallel;
try {
  await importWorkerModules(init.modules);
  const rt = loadRuntimeSync();
  // Any registered model kind; the weights arrive with every step.
  let m: Trainable;
  try {
    m = modelFromJSON(rt, init.config, false);
  } catch (e) {
    if (!(e instanceof ConfigError) || !e.message.startsWith('unknown model kind')) throw e;
    throw new ConfigError(`${e.message}; the worker has its own registry: list the module that registers this kind in the trainer's workerModules option`);
  }
  if (!isDataParallel(m)) throw new ConfigError(`the model kind ${init.config.format} rebuilt in the worker does not implement DataParallel (${DATA_PARALLEL_METHODS.join(', ')})`);
  model = m;
  // Tier-up before the start-up probe times this thread: baseline-compiled GEMM runs several times slower.
  for (let i = 0; i < 3; i++) probeWork(rt);
} catch (e) {
  parentPort!.postMessage({ type: 'error', name: (e as Error).name, message: (e as Error).message });
  process.exit(1);
}
// Read before announcing readiness: the first command may follow at once.
let seen = Atomics.load(ctrl, CTRL.cmd);
// The main model's resetStates() count last seen: a stateful replica forgets its rows' states when it changes.
let resets = -1;
// The version of the weights this replica holds (CTRL.weights when it last copied them).
let weights = -1;
parentPort!.postMessage({ type: 'ready' });

for (;;) {
  const cmd = waitForChange(ctrl, CTRL.cmd, seen, init.spinMicros)!;
  seen = cmd;
  // A larger share than before arrives with a new data buffer, posted before the command.
  for (let m = receiveMessageOnPort(init.port); m; m = receiveMessageOnPort(init.port)) data = (m.message as { data: SharedArrayBuffer }).data;
  const op = ctrl[CTRL.op];
  if (op === OP.exit) break;
  try {
    const t0 = performance.now();
    if (op === OP.step || op === OP.exchange || (op === OP.evaluate && ctrl[CTRL.weights] !== weights)) {
      model.params.f32().set(sharedParams);
      model.parametersChanged();
      weights = ctrl[CTRL.weights];
    }
    if (op === OP.step) {
      if (ctrl[CTRL.resets] !== resets) {
        resets = ctrl[CTRL.resets];
        model.resetStates();
      }
      const share = model.readShare(header, data);
      const { lossSum } = model.shareGradients(share, nums[NUM.lossScale], new Rng(ctrl[CTRL.seed]));
      nums[NUM.lossSum] = lossSum;
    }
    if (op === OP.evaluate) {
      if (!model.shareEvaluation) throw new ConfigError(`the model kind ${init.config.format} does not implement shareEvaluation`);
      const e = model.shareEvaluation(model.readShare(header, data));
      nums[NUM.lossSum] = e.lossSum;
      nums[NUM.correct] = e.correct ?? NaN; // NaN: regression, no accuracy
      nums[NUM.count] = e.count;
    }
    if (op === OP.step || op === OP.exchange) sharedGrads.set(model.grads.f32());
    if (op === OP.probe) nums[NUM.workMs] = probeWork(model.rt);
    else nums[NUM.workMs] = performance.now() - t0;
    ctrl[CTRL.status] = 0;
  } catch (e) {
    ctrl[CTRL.status] = 1;
    const err = e as Error & { code?: string };
    init.port.postMessage({ type: 'error', name: err.name, code: err.code, message: err.message });
  }
  Atomics.store(ctrl, CTRL.done, cmd);
  Atomics.notify(ctrl, CTRL.done);
}
Atomics.store(ctrl, CTRL.done, seen);
Atomics.notify(ctrl, CTRL.done);
init.port.close();
