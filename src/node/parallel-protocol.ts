// What the main thread and a training worker share: the control words both sides
// read and write with Atomics, the layout of a batch share in a SharedArrayBuffer,
// the hand-off (a bounded spin, then Atomics.wait), and the probe workload that
// measures whether a second thread actually runs in parallel.
import type { PackedBatch } from '../data/packed-batch.js';
import type { Runtime } from '../runtime/runtime.js';

/** Int32 slots of the control buffer. */
export const CTRL = {
  /** Command sequence number: the main thread increments it to hand work over. */
  cmd: 0,
  /** The worker sets it to the command's number when done. */
  done: 1,
  op: 2,
  /** 0 ok; 1 the worker threw (the error waits on the message port). */
  status: 3,
  /** Set by the worker when its thread exits, so a waiting main thread does not hang. */
  dead: 4,
  T: 8, B: 9, width: 10, perStep: 11, ids: 12, classes: 13, seed: 14,
  size: 16,
} as const;

/** Float64 slots of the numbers buffer. */
export const NUM = { lossScale: 0, lossSum: 1, workMs: 2, size: 4 } as const;

export const OP = { step: 1, exchange: 2, ping: 3, probe: 4, exit: 5 } as const;

/** Float count of a share's data: lengths, inputs, targets, mask. */
export function shareWords(p: Pick<PackedBatch, 'T' | 'B' | 'width' | 'perStep'>, C: number, mse: boolean): number {
  const R = p.perStep ? p.T * p.B : p.B;
  return p.B + p.T * p.B * p.width + R * (mse ? C + 1 : 1);
}

/** Copies a share into `data` and its shape into the control words. */
export function writeShare(ctrl: Int32Array, data: SharedArrayBuffer, p: PackedBatch): void {
  const i32 = new Int32Array(data), f32 = new Float32Array(data);
  ctrl[CTRL.T] = p.T; ctrl[CTRL.B] = p.B; ctrl[CTRL.width] = p.width;
  ctrl[CTRL.perStep] = p.perStep ? 1 : 0; ctrl[CTRL.ids] = p.ids ? 1 : 0; ctrl[CTRL.classes] = p.classes ? 1 : 0;
  let at = 0;
  i32.set(p.lengths, at); at += p.B;
  if (p.ids) i32.set(p.ids, at); else f32.set(p.values!, at);
  at += p.T * p.B * p.width;
  if (p.classes) { i32.set(p.classes, at); return; }
  f32.set(p.targetValues!, at); at += p.targetValues!.length;
  f32.set(p.mask!, at);
}

/** Views of a share written by writeShare (no copies; valid until the next command). */
export function readShare(ctrl: Int32Array, data: SharedArrayBuffer, C: number): PackedBatch {
  const T = ctrl[CTRL.T], B = ctrl[CTRL.B], width = ctrl[CTRL.width], perStep = ctrl[CTRL.perStep] === 1;
  const R = perStep ? T * B : B, n = T * B * width;
  let at = 0;
  const lengths = new Int32Array(data, at * 4, B); at += B;
  const p: PackedBatch = { T, B, lengths, width, perStep, count: 0, tokens: 0 };
  if (ctrl[CTRL.ids]) p.ids = new Int32Array(data, at * 4, n); else p.values = new Float32Array(data, at * 4, n);
  at += n;
  if (ctrl[CTRL.classes]) p.classes = new Int32Array(data, at * 4, R);
  else {
    p.targetValues = new Float32Array(data, at * 4, R * C); at += R * C;
    p.mask = new Float32Array(data, at * 4, R);
  }
  for (const l of lengths) p.tokens += l;
  return p;
}

/**
 * Waits until a[i] differs from `old` and returns the new value: spins for up to
 * spinMicros (a hand-off in well under a microsecond when both threads have a core),
 * then sleeps in Atomics.wait (≈ 30 µs to wake, but no core burnt when the other
 * thread is slow or the machine is busy). Returns undefined if a[deadSlot] is set.
 */
export function waitForChange(a: Int32Array, i: number, old: number, spinMicros: number, deadSlot = -1): number | undefined {
  const until = performance.now() + spinMicros / 1000;
  for (let k = 0; ; k++) {
    const v = Atomics.load(a, i);
    if (v !== old) return v;
    if ((k & 63) === 63 && performance.now() > until) break;
  }
  for (;;) {
    Atomics.wait(a, i, old, 200);
    const v = Atomics.load(a, i);
    if (v !== old) return v;
    if (deadSlot >= 0 && Atomics.load(a, deadSlot) !== 0) return undefined;
  }
}

/** A fixed amount of GEMM work (≈ 200 MFLOP, ≈ 4 ms), run alone and then on both threads at once. */
export function probeWork(rt: Runtime): number {
  const k = rt.kernels, M = 32, K = 256, N = 512;
  const a = rt.planner.alloc(M * K), b = rt.planner.alloc(k.packedSize(K, N)), c = rt.planner.alloc(M * N);
  const t0 = performance.now();
  for (let r = 0; r < 24; r++) k.gemmPacked(M, N, K, a.ptr, K, 1, b.ptr, c.ptr, N, 0);
  const ms = performance.now() - t0;
  rt.planner.release(c); rt.planner.release(b); rt.planner.release(a);
  return ms;
}
