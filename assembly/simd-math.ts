// SIMD approximations of exp, tanh and sigmoid over f32x4.
// Constants live in a static table and are loaded with load32_splat: V8 11.x
// re-materialises v128.const inside loops (docs/ARCHITECTURE.md, Kernels).
// Errors against float64 Math (test/activations.test.ts checks the bounds; the
// measured maxima over 400 001 points are in brackets):
//   tanhV    absolute error <= 5e-7 on [-20, 20]  (3.3e-7)
//   sigmoidV absolute error <= 3e-7 on [-20, 20]  (2.3e-7)
//   expV     relative error <= 2e-7 on [-87, 88]  (7.8e-8)

// tanh: odd rational minimax p(x)/q(x) of degree 13/6 (the Eigen / XLA / MLAS
// approximation), clamped at +-7.9053 where float32 tanh rounds to +-1.
const TANH_C: usize = memory.data<f32>([
  7.90531110763549805, -7.90531110763549805,
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
  5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04,
  4.89352455891786e-03,
  1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
  4.89352518554385e-03,
  0.5,
], 16);

// exp: Cody-Waite range reduction x = n ln2 + r with n rounded by the 1.5*2^23
// magic constant, e^r by the Cephes expf polynomial, 2^n built in the exponent bits.
const EXP_C: usize = memory.data<f32>([
  88.3, -87.3,
  1.44269504088896341,           // log2(e)
  12582912.0,                    // 1.5 * 2^23
  0.693359375, -2.12194440e-4,   // ln2 split into hi + lo
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
  4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  1.0,
], 16);

@inline function c(table: usize, i: usize): v128 {
  return v128.load32_splat(table + (i << 2));
}

@inline export function tanhV(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, c(TANH_C, 1)), c(TANH_C, 0));
  const x2 = f32x4.mul(x, x);
  let p = c(TANH_C, 2);
  p = f32x4.add(f32x4.mul(p, x2), c(TANH_C, 3));
  p = f32x4.add(f32x4.mul(p, x2), c(TANH_C, 4));
  p = f32x4.add(f32x4.mul(p, x2), c(TANH_C, 5));
  p = f32x4.add(f32x4.mul(p, x2), c(TANH_C, 6));
  p = f32x4.add(f32x4.mul(p, x2), c(TANH_C, 7));
  p = f32x4.add(f32x4.mul(p, x2), c(TANH_C, 8));
  p = f32x4.mul(p, x);
  let q = c(TANH_C, 9);
  q = f32x4.add(f32x4.mul(q, x2), c(TANH_C, 10));
  q = f32x4.add(f32x4.mul(q, x2), c(TANH_C, 11));
  q = f32x4.add(f32x4.mul(q, x2), c(TANH_C, 12));
  return f32x4.div(p, q);
}

// sigmoid(x) = 1/2 + tanh(x/2)/2: no overflow anywhere, error half of tanh's.
@inline export function sigmoidV(x: v128): v128 {
  const half = c(TANH_C, 13);
  return f32x4.add(half, f32x4.mul(half, tanhV(f32x4.mul(x, half))));
}

@inline export function expV(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, c(EXP_C, 1)), c(EXP_C, 0));
  const magic = c(EXP_C, 3);
  const t = f32x4.add(f32x4.mul(x, c(EXP_C, 2)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, c(EXP_C, 4)));
  r = f32x4.sub(r, f32x4.mul(n, c(EXP_C, 5)));
  const r2 = f32x4.mul(r, r);
  let p = c(EXP_C, 6);
  p = f32x4.add(f32x4.mul(p, r), c(EXP_C, 7));
  p = f32x4.add(f32x4.mul(p, r), c(EXP_C, 8));
  p = f32x4.add(f32x4.mul(p, r), c(EXP_C, 9));
  p = f32x4.add(f32x4.mul(p, r), c(EXP_C, 10));
  p = f32x4.add(f32x4.mul(p, r), c(EXP_C, 11));
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), c(EXP_C, 12));
  // t's bits are 0x4B400000 + n; 2^n = (n + 127) << 23
  const bits = i32x4.shl(i32x4.sub(t, i32x4.splat(0x4B400000 - 127)), 23);
  return f32x4.mul(p, bits);
}

@inline export function tanhS(x: f32): f32 { return f32x4.extract_lane(tanhV(f32x4.splat(x)), 0); }
@inline export function sigmoidS(x: f32): f32 { return f32x4.extract_lane(sigmoidV(f32x4.splat(x)), 0); }
@inline export function expS(x: f32): f32 { return f32x4.extract_lane(expV(f32x4.splat(x)), 0); }

// Whole-array forms (y may alias x); exported for tests and for layers that need them.
export function tanhArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), tanhV(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), tanhS(load<f32>(x + (<usize>i << 2))));
}

export function sigmoidArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), sigmoidV(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoidS(load<f32>(x + (<usize>i << 2))));
}

export function expArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), expV(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), expS(load<f32>(x + (<usize>i << 2))));
}

/** dx = dy ⊙ (1 − y²) over n floats, the backward of y = tanh(x) from its output (dx may alias dy). */
export function tanhBackwardArray(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, v = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(v, v))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, v = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (1 - v * v));
  }
}
