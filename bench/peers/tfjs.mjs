// TensorFlow.js peer (@tensorflow/tfjs layers API), on the cpu backend or the
// @tensorflow/tfjs-backend-wasm backend (single-threaded in Node): the reference
// workloads of issue 6 with the same shapes as ours — embedding 1000→64, LSTM / GRU /
// SimpleRNN 128 returning every step, a dense head to 64 classes at every step,
// softmax cross-entropy summed over all steps, gradients through time and one Adam
// update (W1); the forward with softmax (W2); one stateful step at batch 1 (W3).
// tfjs is slow (seconds per W1 step), so it takes few samples: 1 warm-up + `reps`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { measure, scale } from '../timing.mjs';

const require = createRequire(import.meta.url);

async function loadTf(backend) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dir + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  if (backend === 'wasm' && !tf.getKernel('UnsortedSegmentSum', 'wasm')) registerSegmentSum(tf);
  await tf.ready();
  return tf;
}

// tfjs-backend-wasm 4.22 lacks UnsortedSegmentSum, the gradient of the embedding's
// gather, so training an embedding fails there. This shim (a plain scatter-add of
// 2048 rows × 64 floats per W1 step, microseconds) is the only code of ours in the
// wasm peer's step; without it the peer could not run W1 at all.
function registerSegmentSum(tf) {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs: { x, segmentIds }, backend, attrs: { numSegments } }) => {
      const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
      const xs = backend.typedArrayFromHeap(x), ids = backend.typedArrayFromHeap(segmentIds), o = backend.typedArrayFromHeap(out);
      o.fill(0);
      for (let r = 0; r < ids.length; r++) {
        const s = ids[r];
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < inner; j++) o[s * inner + j] += xs[r * inner + j];
      }
      return out;
    },
  });
}

function build(tf, cell, { T, B, V, E, H, C }, stateful = false) {
  const rnn = { lstm: tf.layers.lstm, gru: tf.layers.gru, rnn: tf.layers.simpleRNN }[cell];
  const m = tf.sequential();
  m.add(tf.layers.embedding(stateful ? { inputDim: V, outputDim: E, batchInputShape: [1, 1] } : { inputDim: V, outputDim: E, inputLength: T }));
  m.add(rnn({ units: H, returnSequences: true, stateful, recurrentInitializer: 'glorotUniform' }));
  m.add(tf.layers.dense({ units: C }));
  return m;
}

/**
 * Times the workloads on one tfjs backend ('cpu' or 'wasm'). Returns
 * { version, backend, cells: { lstm: { w1, w2, w3 }, … } } in ms (w3 in µs), or null
 * with a notice when the backend cannot load.
 */
export async function tfjsPeer(backend, wl, { cells = ['lstm', 'gru', 'rnn'], reps = 3, w1Warmup = 1, streamSteps = 20, log = console.log } = {}) {
  let tf;
  try {
    tf = await loadTf(backend);
  } catch (e) {
    log(`  tfjs ${backend} peer skipped: ${e.message}`);
    return null;
  }
  const { T, B, C, batch } = wl;
  const out = { version: tf.version.tfjs, backend, cells: {} };
  // Time-major in ours; tfjs takes [batch, time].
  const x = tf.tensor2d(batch.inputs.flat(), [B, T], 'int32');
  const y = tf.oneHot(tf.tensor2d(batch.targets.flat(), [B, T], 'int32'), C);
  for (const cell of cells) {
    const model = build(tf, cell, wl);
    const opt = tf.train.adam(1e-3);
    const w1 = await measure(() => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }), undefined, undefined, tf.Reduction.SUM), true);
      loss.dataSync();
      loss.dispose();
    }, { warmup: w1Warmup, minSamples: reps });
    const w2 = await measure(() => {
      tf.tidy(() => tf.softmax(model.predict(x)).dataSync());
    }, { warmup: 1, minSamples: reps });
    const sm = build(tf, cell, wl, true);
    sm.setWeights(model.getWeights());
    let tok = 0;
    const w3 = scale(await measure(() => {
      for (let i = 0; i < streamSteps; i++) {
        tf.tidy(() => tf.softmax(sm.predict(tf.tensor2d([[(tok = (tok + 7) % wl.V)]], [1, 1], 'int32'))).dataSync());
      }
    }, { warmup: 1, minSamples: reps }), 1000 / streamSteps);
    out.cells[cell] = { w1, w2, w3, w1Warmup };
    log(`  tfjs ${backend} ${cell}: W1 ${w1.median.toFixed(0)} ms, W2 ${w2.median.toFixed(1)} ms, W3 ${w3.median.toFixed(0)} µs`);
    model.dispose();
    sm.dispose();
    opt.dispose();
  }
  x.dispose();
  y.dispose();
  return out;
}
