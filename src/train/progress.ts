// What fit() prints by default on a terminal, as Keras does: one line per epoch that
// updates in place while the epoch runs, then stays with the epoch's summary. Silent
// when standard error is not a terminal (CI logs, tests, browsers) or with verbose: false.
import type { FitEvent } from './events.js';

interface Sink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Standard error when it is a terminal (Node, Deno, Bun), else undefined. No Node import: the library runs anywhere. */
export function terminal(): Sink | undefined {
  const err = (globalThis as { process?: { stderr?: Sink } }).process?.stderr;
  return err?.isTTY ? err : undefined;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));
const rate = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));

export function progressPrinter(epochs: number, sink: Sink): (e: FitEvent) => void {
  let last = 0, steps = 0;
  const width = String(epochs).length;
  const head = (epoch: number) => `Epoch ${String(epoch).padStart(width)}/${epochs}`;
  return (e) => {
    if (e.type === 'step') {
      steps = e.stepsPerEpoch;
      const now = Date.now();
      if (now - last < 100 && e.step + 1 < e.stepsPerEpoch) return;
      last = now;
      const done = Math.round((20 * (e.step + 1)) / e.stepsPerEpoch);
      const bar = '='.repeat(Math.max(0, done - 1)) + (done ? '>' : '') + '.'.repeat(20 - done);
      const line = `${head(e.epoch)} ${e.step + 1}/${e.stepsPerEpoch} [${bar}] ETA ${Math.ceil(e.etaSeconds)}s · loss ${fmt(e.loss)} · ${rate(e.tokensPerSecond)} tokens/s`;
      sink.write(`\r${line.slice(0, (sink.columns ?? 120) - 1)}\x1b[K`);
    } else if (e.type === 'epoch') {
      const v = e.validation;
      const extra = v ? ` · val_loss ${fmt(v.loss)}${v.accuracy !== undefined ? ` · val_accuracy ${fmt(v.accuracy)}` : ''}` : '';
      sink.write(`\r${head(e.epoch)} ${steps}/${steps} · ${e.seconds.toFixed(1)}s · loss ${fmt(e.loss)}${extra} · ${rate(e.tokensPerSecond)} tokens/s\x1b[K\n`);
    } else if (e.reason !== 'completed') {
      sink.write(`stopped after epoch ${e.epochs}: ${e.reason}\n`);
    }
  };
}
