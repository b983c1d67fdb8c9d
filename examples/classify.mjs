// Sequence classification (many-to-one): does a sequence contain token 1?
// Run after `npm run build` (the package imports itself by name): node examples/classify.mjs
import { loadRuntime, Sequential, layers, optim, fit, evaluateDataset, Rng } from 'rnn-wasm';

const rt = await loadRuntime();
const rng = new Rng(1);
const make = (n) => Array.from({ length: n }, () => {
  const input = Array.from({ length: 1 + rng.int(10) }, () => rng.int(6));
  return { input, target: input.includes(1) ? 1 : 0 };
});
const [train, test] = [make(1000), make(200)];
const model = new Sequential(rt, [
  layers.embedding({ vocabSize: 6, dim: 8 }),
  layers.gru({ hiddenSize: 16, returnSequences: false }), // one row per sequence: the final states
  layers.dense({ units: 2 }),
], { seed: 1 });
await fit(model, train, { optimizer: optim.adam({ lr: 0.01 }), epochs: 5, batchSize: 32, validationData: test,
  onEvent: (e) => e.type === 'epoch' && console.log(`epoch ${e.epoch + 1}: loss ${e.loss.toFixed(3)}, val accuracy ${e.validation.accuracy.toFixed(3)}`) });
console.log('test accuracy', evaluateDataset(model, test).accuracy);
