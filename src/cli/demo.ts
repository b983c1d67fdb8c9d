// `npm run demo`: trains the embedded toy part-of-speech tagger (embedding →
// bidirectional LSTM → dense, one tag per word) and prints its accuracy, throughput and some tagged sentences.
import { loadRuntime } from '../runtime/load.js';
import { Sequential } from '../model/sequential.js';
import * as layers from '../layers/index.js';
import { Vocabulary } from '../data/vocabulary.js';
import { toyPosCorpus } from '../data/toy-pos.js';
import { adam } from '../optim/index.js';

const corpus = toyPosCorpus();
const words = Vocabulary.build(corpus.map((s) => s.words.map((w) => w.toLowerCase())));
const tagNames = [...new Set(corpus.flatMap((s) => s.tags))];
const inputs = corpus.map((s) => words.encode(s.words.map((w) => w.toLowerCase())));
const targets = corpus.map((s) => s.tags.map((t) => tagNames.indexOf(t)));

const rt = await loadRuntime();
const model = new Sequential(rt, [
  layers.embedding({ vocabSize: words.size, dim: 16 }),
  layers.lstm({ hiddenSize: 32, bidirectional: true }),
  layers.dense({ units: tagNames.length }),
], { seed: 42 });
const opt = adam({ lr: 0.02 });
const tokens = inputs.reduce((a, s) => a + s.length, 0);
console.log(`rnn-wasm demo: tagging ${corpus.length} sentences (${tokens} words, ${words.size - 2} word types, ${tagNames.length} tags)`);
console.log(`model: embedding(${words.size}, 16) → bidirectional LSTM(16 → 2×32) → dense(64 → ${tagNames.length}); Adam lr 0.02\n`);

const epochs = 100;
let trainTime = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = performance.now();
  const { loss } = model.trainStep({ inputs, targets }, opt, { clipNorm: 5 });
  trainTime += performance.now() - t0;
  if (epoch === 1 || epoch % 25 === 0) {
    const accuracy = model.evaluate({ inputs, targets }).accuracy ?? 0;
    console.log(`epoch ${String(epoch).padStart(3)}  loss ${loss.toFixed(4)}  accuracy ${(100 * accuracy).toFixed(1)}%`);
  }
}
const accuracy = model.evaluate({ inputs, targets }).accuracy ?? 0;
console.log(`\ntraining accuracy: ${(100 * accuracy).toFixed(1)}% over ${tokens} words`);
console.log(`throughput: ${Math.round((epochs * tokens) / (trainTime / 1000)).toLocaleString('en')} tokens/s (training steps, one batch of the whole corpus)\n`);

for (const sentence of ['I like cake', 'we can fish', 'the fish can swim', 'she eats cake like a dog', 'my watch is sweet']) {
  const ws = sentence.split(' ');
  const pred = model.predict([words.encode(ws.map((w) => w.toLowerCase()))]) as number[][];
  console.log(ws.map((w, i) => `${w}/${tagNames[pred[0][i]]}`).join(' '));
}
