// Weight initialisers beyond PyTorch's defaults (which each layer applies itself).
import type { Rng } from './random.js';

/** Glorot / Xavier uniform: U(±√(6 / (fanIn + fanOut))) into out[offset, offset + fanIn·fanOut). */
export function xavierUniform(out: Float32Array, offset: number, fanIn: number, fanOut: number, rng: Rng): void {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < fanIn * fanOut; i++) out[offset + i] = rng.uniform(-a, a);
}

/**
 * A random n × n orthogonal matrix (row-major) into out at offset: a Gaussian matrix
 * orthonormalised by modified Gram–Schmidt in float64 (the Q of its QR factorisation,
 * uniformly distributed over the orthogonal group, as torch.nn.init.orthogonal_).
 */
export function orthogonal(out: Float32Array, offset: number, n: number, rng: Rng): void {
  const q: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let d = 0;
        for (let j = 0; j < n; j++) d += u[j] * v[j];
        for (let j = 0; j < n; j++) v[j] -= d * u[j];
      }
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm);
    for (let j = 0; j < n; j++) v[j] /= norm;
    q.push(v);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[offset + i * n + j] = q[i][j];
}
