import type { Rng } from '../random.js';

/** Inverted-dropout mask: each entry 1/(1 − rate) with probability 1 − rate, else 0, drawn from rng in order. */
export function fillDropoutMask(mask: Float32Array, rate: number, rng: Rng): void {
  const keep = 1 - rate, scale = 1 / keep;
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? scale : 0;
}
