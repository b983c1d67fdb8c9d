// Sequence regression / time-series forecasting: one-step LSTM, 12-step forecast.
import { loadRuntime, Sequential, layers, optim, fit, forecast } from 'rnn-wasm';

const rt = await loadRuntime();
const wave = (t) => Math.sin((2 * Math.PI * t) / 24) + 0.3 * Math.cos((2 * Math.PI * t) / 7);
const W = 30;
const data = Array.from({ length: 300 }, (_, s) => ({ input: Array.from({ length: W }, (_, t) => [wave(s + t)]), target: [wave(s + W)] }));
const model = new Sequential(rt, [layers.lstm({ hiddenSize: 32, returnSequences: false }), layers.dense({ units: 1 })], { inputFeatures: 1, loss: 'mse', seed: 1 });
await fit(model, data, { optimizer: optim.adam({ lr: 0.01 }), epochs: 30, batchSize: 30 });
const history = Array.from({ length: W }, (_, t) => [wave(1000 + t)]);
const pred = forecast(model, history, 12).map((v) => v[0]);
const truth = Array.from({ length: 12 }, (_, k) => wave(1000 + W + k));
console.log(pred.map((p, k) => `${p.toFixed(3)} (true ${truth[k].toFixed(3)})`).join('\n'));
