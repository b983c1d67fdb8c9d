// The argument block of the recurrent kernels (rnn/lstm/gru Forward and Backward):
// one u32 per field, in this order, written by TypeScript (src/runtime/recurrent-args.ts)
// at the byte offsets scripts/kernel-abi.mjs generates from this enum, so both sides
// read one declaration. A field a kernel needs that holds 0 traps (`need`): a
// forgotten argument fails loudly instead of reading address 0.
export const enum Arg {
  T, B, I, H,
  /** rnn: 0 tanh, 1 relu; gru: 0 reset after, 1 reset before; lstm: 0. */
  variant,
  /** 1: the bias fields are given; 0: the cell has no biases (PyTorch's bias=False), they are ignored. */
  bias,
  /** LSTM proj_size (0 = no projection): h has P floats, h_t = W_hr m_t. */
  P,
  x, lengths, h0, c0,
  /** Packed for the forward (x · Wᵀ): W_ih, W_hh (GRU: its r, z rows), GRU's n rows of W_hh. */
  wih, whh, whhN,
  bih, bhh,
  /** Saved by the forward for the backward: activated gates, c (LSTM) or GRU products, states. */
  gates, saved, hs,
  /** LSTM with projection: packed W_hr for the forward and the backward, every m_t = o ⊙ tanh(c_t). */
  whr, whrBack, ms,
  /** GRU forward scratch [B][3H]. */
  hg,
  /** Packed for the backward (dz · W): as wih, whh, whhN. */
  wihBack, whhBack, whhNBack,
  /** Loss gradients in: every step's output, the final h and c (0 = none). */
  dhs, dhLast, dcLast,
  /** Gradients out (dx, dh0, dc0 optional): accumulated, except dh0 / dc0 which are written. */
  dx, dwih, dwhh, dbih, dbhh, dh0, dc0, dwhr,
  /** Backward scratch. */
  dz, dhg, dhCur, carry, carryC, drh, pack,
  /** LSTM with projection: each step's gradient w.r.t. W_hr m_t [T][B][P], and w.r.t. m_t [B][H]. */
  dhAll, dm,
  /** int8 inference: the direction's quantized-operand block (assembly/qgemm.ts, QW); 0 = f32 weights. */
  quant,
  /**
   * 1: a frozen model's folded embedding (src/model/freeze.ts) already wrote each step's
   * input projection and biases into gates (Elman: hs); the kernel skips its bias
   * broadcast and input GEMM, and x is not read. 0: the usual input projection.
   */
  folded,
  COUNT,
}

/** Field f (0 = none). */
@inline export function opt(a: usize, f: Arg): usize {
  return <usize>load<u32>(a + (<usize>f << 2));
}

/** Field f, which must be given. */
@inline export function need(a: usize, f: Arg): usize {
  const p = <usize>load<u32>(a + (<usize>f << 2));
  if (!p) unreachable();
  return p;
}

@inline export function int(a: usize, f: Arg): i32 {
  return load<i32>(a + (<usize>f << 2));
}

/** A bias field: 0 when the block says the cell has none, else required. */
@inline export function bias(a: usize, f: Arg): usize {
  return int(a, Arg.bias) ? need(a, f) : 0;
}

/** Fields the kernels report so a test can compare them with TypeScript's copy. */
export function recurrentArgCount(): i32 {
  return Arg.COUNT;
}
