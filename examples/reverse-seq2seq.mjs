// Encoder–decoder: learn to reverse digit sequences; greedy and beam-search decoding.
import { loadRuntime, Seq2Seq, optim, Rng } from 'rnn-wasm';

const rt = await loadRuntime();
const rng = new Rng(2);
const make = () => Array.from({ length: 3 + rng.int(4) }, () => 2 + rng.int(10)); // 0 = BOS, 1 = EOS
const train = Array.from({ length: 2000 }, make), test = Array.from({ length: 100 }, make);
const model = new Seq2Seq(rt, { sourceVocabSize: 12, targetVocabSize: 12, embeddingDim: 16, hiddenSize: 64, bos: 0, eos: 1, seed: 1 });
const opt = optim.adam({ lr: 0.01 });
for (let epoch = 0; epoch < 6; epoch++) {
  for (let i = 0; i < train.length; i += 32) {
    const src = train.slice(i, i + 32);
    model.trainStep({ inputs: src, targets: src.map((s) => [...s].reverse()) }, opt, { clipNorm: 5 });
  }
}
const exact = (out) => out.filter((o, i) => o.join() === [...test[i]].reverse().join()).length / test.length;
console.log('exact match, greedy:', exact(model.translate(test)), 'beam 4:', exact(model.translate(test, { beamSize: 4 })));
