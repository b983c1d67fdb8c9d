// Moving test data in and out of the kernels' linear memory.
import { loadRuntimeSync, type Runtime, type Region } from '../../src/index.js';
import { RECURRENT_ARG_OFFSETS } from '../../src/runtime/kernels.generated.js';
import { RECURRENT_ARG_WORDS, writeRecurrentArgs, type RecurrentArgs } from '../../src/runtime/recurrent-args.js';

let shared: Runtime | undefined;
export function runtime(): Runtime {
  return (shared ??= loadRuntimeSync());
}

export function putF32(rt: Runtime, data: ArrayLike<number>): Region {
  const r = rt.planner.alloc(data.length);
  r.f32().set(data);
  return r;
}

export function putI32(rt: Runtime, data: ArrayLike<number>): Region {
  const r = rt.planner.alloc(data.length);
  r.i32().set(data);
  return r;
}

export function zeros(rt: Runtime, n: number): Region {
  return rt.planner.alloc(n);
}

/** A float64 copy of the first n floats (default: all). */
export function read(r: Region, n = r.length): Float64Array {
  return Float64Array.from(r.f32().subarray(0, n));
}

/**
 * A recurrent kernels' argument block (assembly/recurrent-args.ts) holding `fields`
 * and 0 elsewhere: a field a kernel needs and the test left out traps in the kernel.
 */
export function recurrentArgs(rt: Runtime, fields: Partial<RecurrentArgs>): number {
  const all = Object.fromEntries(Object.keys(RECURRENT_ARG_OFFSETS).map((n) => [n, 0])) as RecurrentArgs;
  return writeRecurrentArgs(rt.planner.alloc(RECURRENT_ARG_WORDS), { ...all, bias: 1, ...fields });
}
