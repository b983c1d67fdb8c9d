// What the main thread and a training worker share: the control words both sides
// read and write with Atomics (a batch share's layout is the model's: DataParallel),
// the hand-off (a bounded spin, then Atomics.wait), and the probe workload that
// measures whether a second thread actually runs in parallel.
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
  /** The worker's dropout seed for this step. */
  seed: 5,
  /** The model's stateResets() count: the worker's replica resets its carried states when it changes. */
  resets: 6,
  /** The version of the weights in the shared buffer: an evaluation command copies them only when it changed. */
  weights: 7,
  /** First of the SHARE_HEADER_WORDS words the model writes its share's shape into. */
  header: 8,
  size: 16,
} as const;

/** Float64 slots of the numbers buffer. */
export const NUM = { lossScale: 0, lossSum: 1, workMs: 2, correct: 3, count: 4, size: 6 } as const;

export const OP = { step: 1, exchange: 2, ping: 3, probe: 4, exit: 5, evaluate: 6 } as const;

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
