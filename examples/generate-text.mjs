// Language modelling (next token, teacher forcing) and generation.
import { loadRuntime, Sequential, layers, optim, fit, generate, Vocabulary, tokenize } from 'rnn-wasm';

const rt = await loadRuntime();
const text = 'to be, or not to be, that is the question. '.repeat(20);
const chars = tokenize.characters(text);
const vocab = Vocabulary.build([chars], { specials: ['<unk>'] });
const ids = vocab.encode(chars);
const data = [];
for (let s = 0; s + 33 <= ids.length; s += 8) data.push({ input: ids.slice(s, s + 32), target: ids.slice(s + 1, s + 33) });
const model = new Sequential(rt, [layers.embedding({ vocabSize: vocab.size, dim: 16 }), layers.lstm({ hiddenSize: 96 }), layers.dense({ units: vocab.size })], { seed: 1 });
await fit(model, data, { optimizer: optim.adam({ lr: 0.01 }), epochs: 15, batchSize: 16 });
const prompt = vocab.encode(tokenize.characters('to be'));
console.log('greedy:     to be' + vocab.decode(generate(model, prompt, { maxTokens: 40, temperature: 0 })).join(''));
console.log('sampled:    to be' + vocab.decode(generate(model, prompt, { maxTokens: 40, temperature: 0.8, topP: 0.9, seed: 3 })).join(''));
