// The worker side of a WebPredictor: a module Web Worker calls servePredictions(self)
// and then answers the page's messages. The first message carries the model's JSON
// and the SharedArrayBuffer of its weights; the worker rebuilds a replica (its own
// runtime and memory) and runs each request's rows, reloading the weights when the
// request's version changes. The worker only predicts, so it loads the forward-only
// kernel module (what rnn-wasm/inference embeds) whichever entry imported it.
import { loadRuntime } from '../runtime/load-forward.js';
import { buildReplica } from './replica.js';
import { answerRequest, type PredictInit, type PredictReply, type PredictRequest, type ServedReplica } from './predict-protocol.js';

/** What servePredictions needs of a worker's global scope (a DedicatedWorkerGlobalScope has it). */
export interface MessageScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Serves a WebPredictor's requests in this worker: `servePredictions(self)` in a
 * module worker that imports rnn-wasm (or rnn-wasm/inference). Register model kinds of
 * your own (registerModelKind) in that module before the first message arrives.
 */
export function servePredictions(scope: MessageScope): void {
  let served: ServedReplica | undefined;
  let queue = Promise.resolve();
  scope.addEventListener('message', (event) => {
    const m = event.data as ({ type: 'init' } & Omit<PredictInit, 'modules'>) | PredictRequest;
    queue = queue.then(async () => {
      if ('type' in m && m.type === 'init') {
        try {
          served = { model: buildReplica(await loadRuntime(), m.config, m.int8), shared: new Float32Array(m.params), version: -1 };
          scope.postMessage({ type: 'ready' });
        } catch (e) {
          scope.postMessage({ type: 'error', name: (e as Error).name, message: (e as Error).message });
        }
        return;
      }
      if (!served) {
        const r = m as PredictRequest;
        scope.postMessage({ id: r.id, type: 'error', name: 'ConfigError', message: 'the prediction worker has no model yet' } satisfies PredictReply);
        return;
      }
      scope.postMessage(answerRequest(served, m as PredictRequest));
    });
  });
}
