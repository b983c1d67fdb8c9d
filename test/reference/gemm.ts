// Float64 reference: C = op(A) · op(B), row-major, by the textbook triple loop.
export function matmul(transA: boolean, transB: boolean, M: number, N: number, K: number,
                       a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const av = transA ? a[k * M + i] : a[i * K + k];
        const bv = transB ? b[j * K + k] : b[k * N + j];
        s += av * bv;
      }
      c[i * N + j] = s;
    }
  }
  return c;
}
