// The naive Float32Array JavaScript LSTM (bench/naive/lstm.mjs) on W1: the same
// embedding → LSTM 128 → dense 64 training step with Adam, timed in the same run.
// (The naive Elman is timed beside ours in elman.bench.mjs.)
import { NaiveLSTM } from './naive/lstm.mjs';
import { measure } from './timing.mjs';

export async function naiveLstmBench(wl, { reps = 3, log = console.log } = {}) {
  const { T, B, V, E, H, C, batch: { inputs, targets } } = wl;
  const net = new NaiveLSTM({ V, E, H, C });
  const ids = new Int32Array(T * B), tg = new Int32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) { ids[t * B + b] = inputs[b][t]; tg[t * B + b] = targets[b][t]; }
  let loss = 0;
  const w1 = await measure(() => { loss = net.trainStep(ids, tg, T, B); }, { warmup: 1, minSamples: reps });
  log(`  naive JS LSTM W1: ${w1.median.toFixed(0)} ms (${w1.min.toFixed(0)}–${w1.max.toFixed(0)}), mean loss ${(loss / (T * B)).toFixed(3)}`);
  return { w1 };
}
