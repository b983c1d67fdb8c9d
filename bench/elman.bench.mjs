// Elman training step (embedding 64 → RNN 128 tanh → dense 64 classes at every step,
// softmax cross-entropy, BPTT, one SGD update), batch 32 × 64 steps, in tokens/s:
// Sequential.trainStep beside the naive JS implementation of the same step.
import b from 'benny';
import { loadRuntimeSync, Sequential, layers, optim } from '../dist/index.js';
import { NaiveElman } from './naive/elman.mjs';
import { referenceWorkload } from '../dist/cli/bench.js';
import { fromBenny } from './timing.mjs';

export async function elmanBench() {
  const { T, B, V, E, H, C, batch: { inputs, targets } } = referenceWorkload();
  const tokens = T * B;
  const rt = loadRuntimeSync();
  const model = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers.rnn({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
  const opt = optim.sgd({ lr: 0.01 });
  const batch = { inputs, targets };
  const naive = new NaiveElman({ V, E, H, C });
  const ids = new Int32Array(T * B), tg = new Int32Array(T * B);
  for (let t = 0; t < T; t++) for (let bb = 0; bb < B; bb++) { ids[t * B + bb] = inputs[bb][t]; tg[t * B + bb] = targets[bb][t]; }
  // Both compute the same loss for the same kind of model: a sanity check that the baseline is real.
  const l0 = naive.trainStep(ids, tg, T, B, 0.01) / tokens, m0 = model.trainStep(batch, opt).loss;
  console.log(`  first-step mean loss: wasm ${m0.toFixed(3)}, naive JS ${l0.toFixed(3)} (ln ${C} = ${Math.log(C).toFixed(3)})`);
  const res = [];
  const flop = 3 * 2 * T * B * H * (E + H) + 3 * 2 * T * B * H * C; // RNN + head, forward + backward
  await b.suite(`Elman training step, T=${T} B=${B} E=${E} H=${H} C=${C}`,
    b.add('rnn-wasm Sequential.trainStep', () => { model.trainStep(batch, opt); }, { minSamples: 10, maxTime: 3 }),
    b.add('naive JS Float32Array', () => { naive.trainStep(ids, tg, T, B, 0.01); }, { minSamples: 3, maxTime: 3 }),
    b.cycle(),
    b.complete((s) => { for (const r of s.results) res.push({ name: r.name, ms: 1000 / r.ops, tokensPerSec: tokens * r.ops, gflops: (flop * r.ops) / 1e9, stats: fromBenny(r) }); }),
  );
  console.log('\nElman training step summary');
  for (const r of res) {
    console.log(`  ${r.name.padEnd(30)} ${r.ms.toFixed(2).padStart(8)} ms/step  ${Math.round(r.tokensPerSec).toLocaleString('en').padStart(10)} tokens/s  ${r.gflops.toFixed(1).padStart(5)} GFLOP/s`);
  }
  console.log(`  ratio: ×${(res[0].tokensPerSec / res[1].tokensPerSec).toFixed(1)} naive JS`);
  return res;
}
