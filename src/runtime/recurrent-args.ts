// The recurrent kernels' argument block (assembly/recurrent-args.ts): one u32 per
// field at offsets generated from the AssemblyScript enum. Every field must be named
// (the type requires it, and the writer refuses a missing one), so a forgotten
// argument fails instead of reading as pointer 0; 0 is written only on purpose.
import { RECURRENT_ARG_COUNT, RECURRENT_ARG_OFFSETS } from './kernels.generated.js';
import type { Region } from './memory-planner.js';

export type RecurrentArgName = keyof typeof RECURRENT_ARG_OFFSETS;
export type RecurrentArgs = Record<RecurrentArgName, number>;

const FIELDS = Object.entries(RECURRENT_ARG_OFFSETS) as [RecurrentArgName, number][];

/** Floats (words) an argument block occupies. */
export const RECURRENT_ARG_WORDS = RECURRENT_ARG_COUNT;

/** Writes args into block (RECURRENT_ARG_WORDS words) and returns its pointer for the kernel. */
export function writeRecurrentArgs(block: Region, args: RecurrentArgs): number {
  const w = block.i32();
  for (const [name, offset] of FIELDS) {
    const v = args[name];
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`recurrent kernel argument '${name}' = ${v}: expected an integer in [0, 2^32)`);
    w[offset >> 2] = v;
  }
  return block.ptr;
}
