// Central finite differences in float64: the independent check of every reference backward.

/** d f / d x[i] ≈ (f(x + h e_i) − f(x − h e_i)) / 2h for every i (x is restored). */
export function numericalGradient(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + h;
    const fp = f();
    x[i] = v - h;
    const fm = f();
    x[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
