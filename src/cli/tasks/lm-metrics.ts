// How the language-model tasks (charlm-moby, train --pattern lm) score a model and
// their n-gram baselines: bits per token over a held-out stream.
import type { Sequential } from '../../model/sequential.js';
import { bpttBatches } from '../../data/batching.js';

/** Bits per token of a stateful language model over a token stream (its states reset first). */
export function bitsPerToken(model: Sequential, ids: number[], bpttLength = 256): number {
  model.resetStates();
  let nll = 0, count = 0;
  const B = Math.max(1, Math.min(8, Math.floor(ids.length / (bpttLength + 1))));
  for (const b of bpttBatches(ids, { batchSize: B, bpttLength })) {
    const r = model.evaluate(b.inputs.map((input, i) => ({ input, target: b.targets[i] })));
    nll += r.loss * r.count;
    count += r.count;
  }
  model.resetStates();
  return nll / count / Math.LN2;
}

/** Bits per character of an interpolated n-gram model with Witten–Bell smoothing (n = 1: add-one unigram). */
export function ngramBitsPerChar(train: number[], test: number[], V: number, n: number): number {
  const counts: Map<string, Map<number, number>>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < train.length; i++) {
    for (let k = 0; k < n && k <= i; k++) {
      const ctx = train.slice(i - k, i).join(',');
      const m = counts[k].get(ctx) ?? new Map<number, number>();
      m.set(train[i], (m.get(train[i]) ?? 0) + 1);
      counts[k].set(ctx, m);
    }
  }
  const total = (m: Map<number, number>) => { let s = 0; for (const v of m.values()) s += v; return s; };
  let bits = 0;
  for (let i = 0; i < test.length; i++) {
    const uni = counts[0].get('')!;
    let p = ((uni.get(test[i]) ?? 0) + 1) / (total(uni) + V);
    for (let k = 1; k < n && k <= i; k++) {
      const m = counts[k].get(test.slice(i - k, i).join(','));
      if (!m) break;
      const c = total(m), types = m.size, lambda = c / (c + types);
      p = lambda * ((m.get(test[i]) ?? 0) / c) + (1 - lambda) * p;
    }
    bits -= Math.log2(p);
  }
  return bits / test.length;
}
