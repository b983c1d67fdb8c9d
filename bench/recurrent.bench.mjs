// Recurrent training and inference on the reference workloads (docs/BENCHMARKS.md): batch 32,
// 64 steps, input (embedding) 64, hidden 128, a dense head to 64 classes at every step,
// softmax cross-entropy summed over steps, BPTT, one Adam update. Also the forward
// alone (W2) and one streaming step at batch 1 (W3). Loss reduction 'sum', as every
// peer. The frozen model (freeze(): the embedding folded into the input projection) runs
// W2 and W3 beside the plain one. Returns per cell { ms, tps, gf } figures and { median, min, max, n } stats. FLOPs: a layer's forward is
// 2·T·B·G·H·(I+H) (G = 4 LSTM, 3 GRU, 1 Elman) plus 2·T·B·H·C for the head; training 3×.
import b from 'benny';
import { loadRuntimeSync, Sequential, layers, optim, freeze } from '../dist/index.js';
import { referenceWorkload } from '../dist/cli/bench.js';
import { fromBenny } from './timing.mjs';

export async function recurrentBench() {
  const { T, B, V, E, H, C, batch } = referenceWorkload();
  const tokens = T * B, inputs = batch.inputs;
  const rt = loadRuntimeSync();
  const rows = [];
  for (const [cell, G] of [['lstm', 4], ['gru', 3], ['rnn', 1]]) {
    const model = new Sequential(rt, [layers.embedding({ vocabSize: V, dim: E }), layers[cell]({ hiddenSize: H }), layers.dense({ units: C })], { seed: 1 });
    const opt = optim.adam({ lr: 1e-3 });
    const fwdFlop = 2 * T * B * G * H * (E + H) + 2 * T * B * H * C;
    const stream = model.stream(1);
    const frozen = freeze(model), frozenStream = frozen.stream(1);
    const out = new Float32Array(C);
    let tok = 0, tokF = 0;
    await b.suite(`${cell.toUpperCase()} T=${T} B=${B} I=${E} H=${H} C=${C}`,
      b.add(`W1 train step`, () => { model.trainStep(batch, opt, { reduction: 'sum' }); }, { minSamples: 10, maxTime: 2 }),
      b.add(`W2 inference`, () => { model.outputsView(inputs); }, { minSamples: 10, maxTime: 1.5 }),
      b.add(`W3 stream step (batch 1)`, () => { stream.step([tok = (tok + 7) % V], out); }, { minSamples: 10, maxTime: 1.5 }),
      b.add(`W2 inference, frozen (embedding folded)`, () => { frozen.outputsView(inputs); }, { minSamples: 10, maxTime: 1.5 }),
      b.add(`W3 stream step, frozen (batch 1)`, () => { frozenStream.step([tokF = (tokF + 7) % V], out); }, { minSamples: 10, maxTime: 1.5 }),
      b.cycle(),
      b.complete((s) => {
        const [tr, inf, st, infF, stF] = s.results;
        // Medians of benny's samples (the ms / tokens / GFLOP figures are benny's means).
        rows.push({ cell, train: { ms: 1000 / tr.ops, tps: tokens * tr.ops, gf: 3 * fwdFlop * tr.ops / 1e9 },
          infer: { ms: 1000 / inf.ops, tps: tokens * inf.ops, gf: fwdFlop * inf.ops / 1e9 }, streamUs: 1e6 / st.ops,
          w1: fromBenny(tr), w2: fromBenny(inf), w3: fromBenny(st, 1e6), fwdFlop,
          frozen: { w2: fromBenny(infF), w3: fromBenny(stF, 1e6) } });
      }),
    );
    frozenStream.dispose();
    frozen.dispose();
    stream.dispose();
    model.dispose();
  }
  console.log(`\nRecurrent summary (T=${T}, B=${B}, I=${E}, H=${H}, C=${C}, one thread)`);
  console.log('  cell   W1 train ms/step   tokens/s   GFLOP/s | W2 infer ms   tokens/s   GFLOP/s | W3 µs/step | frozen: W2 ms  W3 µs');
  for (const r of rows) {
    const f = (v, d = 1) => v.toFixed(d);
    console.log(`  ${r.cell.padEnd(5)} ${f(r.train.ms, 2).padStart(12)} ${Math.round(r.train.tps).toLocaleString('en').padStart(12)} ${f(r.train.gf).padStart(8)} | ` +
      `${f(r.infer.ms, 2).padStart(10)} ${Math.round(r.infer.tps).toLocaleString('en').padStart(10)} ${f(r.infer.gf).padStart(8)} | ${f(r.streamUs, 1).padStart(8)} | ${f(r.frozen.w2.median, 2).padStart(13)} ${f(r.frozen.w3.median, 1).padStart(6)}`);
  }
  return rows;
}
