// Sequence labelling (many-to-many, aligned): the toy part-of-speech corpus with a bidirectional LSTM.
import { loadRuntime, Sequential, layers, optim, fit, Vocabulary, toyPosCorpus } from 'rnn-wasm';

const rt = await loadRuntime();
const corpus = toyPosCorpus();
const words = Vocabulary.build(corpus.map((s) => s.words));
const tags = [...new Set(corpus.flatMap((s) => s.tags))];
const data = corpus.map((s) => ({ input: words.encode(s.words), target: s.tags.map((t) => tags.indexOf(t)) }));
const model = new Sequential(rt, [
  layers.embedding({ vocabSize: words.size, dim: 16 }),
  layers.lstm({ hiddenSize: 32, bidirectional: true }),
  layers.dense({ units: tags.length }),
], { seed: 1 });
await fit(model, data, { optimizer: optim.adam({ lr: 0.02 }), epochs: 60, batchSize: 8 });
const sentence = ['the', 'fish', 'can', 'swim'];
console.log(sentence.map((w, i) => `${w}/${tags[model.predict([words.encode(sentence)])[0][i]]}`).join(' '));
