// W4 big (issue 6): one LSTM layer, hidden 512 over 512 input features, batch 64,
// 32 steps, a dense head to 64 classes at every step, cross-entropy summed, BPTT and
// one Adam update. GFLOP/s counts the LSTM alone, as the issue defines it:
// 3 · 2·T·B·4H·(I+H) per step (the head adds 3 · 2·T·B·H·C = 6%, not counted).
import { loadRuntimeSync, Sequential, layers, optim } from '../dist/index.js';
import { Rng } from '../dist/random.js';
import { measure } from './timing.mjs';

export const W4 = { T: 32, B: 64, I: 512, H: 512, C: 64 };
export const w4Flop = ({ T, B, I, H } = W4) => 3 * 2 * T * B * 4 * H * (I + H);

export async function bigBench({ seconds = 4, log = console.log } = {}) {
  const { T, B, I, H, C } = W4;
  const rt = loadRuntimeSync();
  const rng = new Rng(7);
  const inputs = Array.from({ length: B }, () => Array.from({ length: T }, () => Float32Array.from({ length: I }, () => rng.uniform(-1, 1))));
  const targets = inputs.map((s) => s.map(() => rng.int(C)));
  const model = new Sequential(rt, [layers.lstm({ hiddenSize: H }), layers.dense({ units: C })], { inputFeatures: I, seed: 1 });
  const opt = optim.adam({ lr: 1e-3 });
  const w4 = await measure(() => { model.trainStep({ inputs, targets }, opt, { reduction: 'sum' }); }, { warmup: 3, minSamples: 5, seconds });
  model.dispose();
  const gflops = w4Flop() / (w4.median * 1e6);
  log(`W4 big LSTM training step (T=${T} B=${B} I=${I} H=${H} C=${C}, one thread): ${w4.median.toFixed(1)} ms (${w4.min.toFixed(1)}–${w4.max.toFixed(1)}), ${gflops.toFixed(1)} GFLOP/s`);
  return { w4, gflops };
}
