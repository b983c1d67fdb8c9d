// The naive JavaScript baseline: C = A·B on Float32Arrays with the cache-friendly
// i-k-j loop order (what a careful JS programmer writes without SIMD).
export function naiveGemm(M, N, K, a, b, c) {
  c.fill(0);
  for (let i = 0; i < M; i++) {
    const ci = i * N;
    for (let k = 0; k < K; k++) {
      const aik = a[i * K + k];
      const bk = k * N;
      for (let j = 0; j < N; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}
