// A share of a packed batch in a SharedArrayBuffer, as Sequential ships it to a
// training worker: its shape in a few header words, its arrays one after another in
// the data buffer (lengths, inputs, then class ids or target vectors and mask). The
// reader takes views, not copies.
import { countTargets, type PackedBatch } from './packed-batch.js';

/** Header words: shape and which arrays are present. */
const H = { T: 0, B: 1, width: 2, perStep: 3, ids: 4, classes: 5 } as const;

/** Float count of a share's data: lengths, inputs, targets, mask. */
export function shareWords(p: Pick<PackedBatch, 'T' | 'B' | 'width' | 'perStep'>, C: number, mse: boolean): number {
  const R = p.perStep ? p.T * p.B : p.B;
  return p.B + p.T * p.B * p.width + R * (mse ? C + 1 : 1);
}

/** Copies a share into `data` and its shape into `header`. */
export function writeShare(header: Int32Array, data: SharedArrayBuffer, p: PackedBatch): void {
  const i32 = new Int32Array(data), f32 = new Float32Array(data);
  header[H.T] = p.T; header[H.B] = p.B; header[H.width] = p.width;
  header[H.perStep] = p.perStep ? 1 : 0; header[H.ids] = p.ids ? 1 : 0; header[H.classes] = p.classes ? 1 : 0;
  let at = 0;
  i32.set(p.lengths, at); at += p.B;
  if (p.ids) i32.set(p.ids, at); else f32.set(p.values!, at);
  at += p.T * p.B * p.width;
  if (p.classes) { i32.set(p.classes, at); return; }
  f32.set(p.targetValues!, at); at += p.targetValues!.length;
  f32.set(p.mask!, at);
}

/** Views of a share written by writeShare (no copies; valid until the next write). */
export function readShare(header: Int32Array, data: SharedArrayBuffer, C: number): PackedBatch {
  const T = header[H.T], B = header[H.B], width = header[H.width], perStep = header[H.perStep] === 1;
  const R = perStep ? T * B : B, n = T * B * width;
  let at = 0;
  const lengths = new Int32Array(data, at * 4, B); at += B;
  const p: PackedBatch = { T, B, lengths, width, perStep, count: 0, tokens: 0 };
  if (header[H.ids]) p.ids = new Int32Array(data, at * 4, n); else p.values = new Float32Array(data, at * 4, n);
  at += n;
  if (header[H.classes]) p.classes = new Int32Array(data, at * 4, R);
  else {
    p.targetValues = new Float32Array(data, at * 4, R * C); at += R * C;
    p.mask = new Float32Array(data, at * 4, R);
  }
  for (const l of lengths) p.tokens += l;
  p.count = countTargets(p);
  return p;
}
