// Loads and stores of 1–4 floats as one v128, so per-row SIMD loops need no
// separate scalar tail: the last chunk of a row with n % 4 != 0 goes through a
// 16-byte staging slot (lanes past n read as 0 and are never written back).

const SLOT: usize = memory.data(16, 16);

@inline export function ld(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  v128.store(SLOT, f32x4.splat(0));
  memory.copy(SLOT, p, <usize>n << 2);
  return v128.load(SLOT);
}

@inline export function st(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  v128.store(SLOT, v);
  memory.copy(p, SLOT, <usize>n << 2);
}
