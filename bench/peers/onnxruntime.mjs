// onnxruntime-node peer (inference only: W2 forward at batch 32 × 64 steps, W3 one
// streaming step at batch 1 with the recurrent state fed back), on models exported by
// bench/peers/pytorch_onnx.py into build/onnx at bench time. One intra-op thread, as
// every other peer. Skipped with a notice when torch (for the export) or the native
// binding is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { measure, scale } from '../timing.mjs';

const require = createRequire(import.meta.url);

/** Exports the W2/W3 models into `dir` with PyTorch; null when done, else why not. */
export function exportModels(dir) {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    return 'the models are exported by PyTorch: /usr/bin/python3 with torch not found';
  }
  const r = spawnSync(py, [new URL('./pytorch_onnx.py', import.meta.url).pathname, dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `export failed: ${r.stderr.trim().split('\n').at(-1)}`;
}

/** Returns { version, cells: { lstm: { w2, w3 }, … } } (ms; w3 in µs), or null with a notice. */
export async function onnxruntimePeer(wl, { dir = 'build/onnx', seconds = 2, cells = ['lstm', 'gru', 'rnn'], log = console.log } = {}) {
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    log(`  onnxruntime-node peer skipped: ${e.message.split('\n')[0]}`);
    return null;
  }
  const why = exportModels(dir);
  if (why) {
    log(`  onnxruntime-node peer skipped: ${why}`);
    return null;
  }
  const { T, B, H, V, batch } = wl;
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const ids = new BigInt64Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids[t * B + b] = BigInt(batch.inputs[b][t]);
  const x = new ort.Tensor('int64', ids, [T, B]);
  const out = { version: require('onnxruntime-node/package.json').version, cells: {} };
  for (const cell of cells) {
    const s2 = await ort.InferenceSession.create(`${dir}/${cell}-w2.onnx`, opts);
    const w2 = await measure(async () => { (await s2.run({ x })).probs.data; }, { warmup: 3, minSamples: 10, seconds });
    const s3 = await ort.InferenceSession.create(`${dir}/${cell}-w3.onnx`, opts);
    const names = cell === 'lstm' ? ['h', 'c'] : ['h'];
    let state = Object.fromEntries(names.map((n) => [`${n}0`, new ort.Tensor('float32', new Float32Array(H), [1, 1, H])]));
    let tok = 0;
    const step = async () => {
      const r = await s3.run({ x: new ort.Tensor('int64', BigInt64Array.of(BigInt((tok = (tok + 7) % V))), [1, 1]), ...state });
      r.probs.data;
      state = Object.fromEntries(names.map((n) => [`${n}0`, r[`${n}1`]]));
    };
    const w3 = scale(await measure(async () => { for (let i = 0; i < 100; i++) await step(); }, { warmup: 2, minSamples: 5, seconds }), 10);
    out.cells[cell] = { w2, w3 };
    log(`  onnxruntime-node ${cell}: W2 ${w2.median.toFixed(2)} ms, W3 ${w3.median.toFixed(1)} µs`);
    await s2.release();
    await s3.release();
  }
  return out;
}
