// A validated training batch in the kernels' layout (inputs and targets packed
// time-major), and the contiguous rows of it that one thread trains on. Splitting
// the packed batch, not the caller's arrays, means validation runs once over the
// whole batch (errors name the caller's indices) and each share is a plain copy.

import type { Arena } from './arena.js';

export interface PackedBatch {
  /** Padded length and number of sequences. */
  T: number;
  B: number;
  /** Valid steps per sequence. */
  lengths: Int32Array;
  /** Token ids, field-major [field][T][B] (one field: time-major [T][B]). */
  ids?: Int32Array;
  /** Feature vectors, time-major [T][B][F]. */
  values?: Float32Array;
  /** Id fields per step (ids) or features per step (values). */
  width: number;
  /** True when the model has an output per step (rows T·B), false for one per sequence (rows B). */
  perStep: boolean;
  /** Cross-entropy: the class of each output row, −1 where ignored (padding, ignore targets). */
  classes?: Int32Array;
  /** MSE: the target vector of each output row, and the row mask (1 labelled, 0 not). */
  targetValues?: Float32Array;
  mask?: Float32Array;
  /** Labelled rows (cross-entropy) or labelled target elements (MSE): the divisor of 'mean'. */
  count: number;
  /** Valid input steps. */
  tokens: number;
}

/** Labelled rows (classes ≥ 0) or, for MSE, mask sum × values per row. */
export function countTargets(p: Pick<PackedBatch, 'classes' | 'targetValues' | 'mask'>): number {
  let n = 0;
  if (p.classes) {
    for (const c of p.classes) if (c >= 0) n++;
    return n;
  }
  const mask = p.mask!, C = mask.length ? p.targetValues!.length / mask.length : 0;
  for (const m of mask) n += m;
  return n * C;
}

/** Rows [b0, b1) of a packed batch, padded only to their own longest sequence (arrays from `arena` when given). */
export function sliceRows(p: PackedBatch, b0: number, b1: number, arena?: Arena): PackedBatch {
  const B = b1 - b0, lengths = p.lengths.slice(b0, b1);
  let T = 0, tokens = 0;
  for (const l of lengths) { T = Math.max(T, l); tokens += l; }
  const out: PackedBatch = { T, B, lengths, width: p.width, perStep: p.perStep, count: 0, tokens };
  // Copies [planes][T][B][w] blocks: rows b0..b1 of the first T steps of each plane.
  // With steps = 1 the same copy reads a [B][w] array (one row per sequence).
  const take = <A extends Int32Array | Float32Array>(src: A, planes: number, w: number, make: (n: number) => A, steps = T): A => {
    const dst = make(planes * steps * B * w);
    for (let f = 0; f < planes; f++) {
      for (let t = 0; t < steps; t++) {
        const from = ((f * p.T + t) * p.B + b0) * w;
        dst.set(src.subarray(from, from + B * w), (f * T + t) * B * w);
      }
    }
    return dst;
  };
  const i32 = (n: number) => (arena ? arena.i32(n) : new Int32Array(n));
  const f32 = (n: number) => (arena ? arena.f32(n) : new Float32Array(n));
  if (p.ids) out.ids = take(p.ids, p.width, 1, i32);
  if (p.values) out.values = take(p.values, 1, p.width, f32);
  const rowsOf = <A extends Int32Array | Float32Array>(src: A, w: number, make: (n: number) => A): A =>
    take(src, 1, w, make, p.perStep ? T : 1);
  const R = p.perStep ? p.T * p.B : p.B;
  if (p.classes) out.classes = rowsOf(p.classes, 1, i32);
  if (p.targetValues) out.targetValues = rowsOf(p.targetValues, p.targetValues.length / R, f32);
  if (p.mask) out.mask = rowsOf(p.mask, 1, f32);
  out.count = countTargets(out);
  return out;
}

/**
 * Where to cut a batch into rows [0, s) and [s, B) so both parts cost about the
 * same: a part costs (its rows) × (its longest sequence), since the kernels run
 * every row of every step up to the part's padded length. Ties give the first
 * part (the main thread, which also reduces and updates) the smaller share.
 */
export function balancedSplit(lengths: Int32Array): number {
  const B = lengths.length;
  if (B < 2) return B;
  const prefixMax = new Int32Array(B + 1), suffixMax = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) prefixMax[b + 1] = Math.max(prefixMax[b], lengths[b]);
  for (let b = B - 1; b >= 0; b--) suffixMax[b] = Math.max(suffixMax[b + 1], lengths[b]);
  let best = 1, bestCost = Infinity;
  for (let s = 1; s < B; s++) {
    const a = s * prefixMax[s], c = (B - s) * suffixMax[s];
    const cost = Math.max(a, c) + 1e-6 * a; // prefer the smaller first part on ties
    if (cost < bestCost) { bestCost = cost; best = s; }
  }
  return best;
}

/**
 * Where to cut a batch into `parts` runs of rows of about equal cost (a run costs
 * its rows × its longest sequence, as in balancedSplit): `parts + 1` boundaries from
 * 0 to B, part i being rows [cuts[i], cuts[i + 1]). The largest part's cost is the
 * least possible; the runs are filled from the last, so the first part (the main
 * thread's, which also reduces and updates) is the smallest, and no part is empty
 * while there are at least as many rows as parts.
 */
export function balancedCuts(lengths: Int32Array, parts: number): number[] {
  const B = lengths.length;
  const n = Math.max(1, Math.floor(parts));
  const cuts = (limit: number, keep: boolean): number[] | undefined => {
    const out = new Array<number>(n + 1).fill(0);
    out[n] = B;
    let end = B;
    for (let j = n - 1; j >= 1; j--) {
      let start = end, longest = 0;
      // Leave at least one row for each part before this one, when there are enough rows.
      const floor = keep && B >= n ? j : 0;
      while (start > floor && (end - start + 1) * Math.max(longest, lengths[start - 1], 1) <= limit) {
        start--;
        longest = Math.max(longest, lengths[start]);
      }
      out[j] = start;
      end = start;
    }
    let longest = 1;
    for (let b = 0; b < end; b++) longest = Math.max(longest, lengths[b]);
    return end * longest <= limit ? out : undefined;
  };
  let hi = 1;
  for (let b = 0; b < B; b++) hi = Math.max(hi, lengths[b]);
  hi *= Math.max(B, 1);
  let lo = 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (cuts(mid, false)) hi = mid; else lo = mid + 1;
  }
  return cuts(lo, true)!;
}

/**
 * `parts + 1` boundaries that cut `rows` rows into runs of equal size (the first
 * runs one row shorter where they do not divide): the same cuts for every batch of
 * the same size, as a stateful model needs, whose rows are streams each thread
 * carries from batch to batch.
 */
export function evenCuts(rows: number, parts: number): number[] {
  const n = Math.max(1, Math.floor(parts));
  return Array.from({ length: n + 1 }, (_, i) => Math.floor((i * rows) / n));
}
