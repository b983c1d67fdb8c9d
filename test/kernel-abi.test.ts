// The kernel boundary is checked, not trusted: src/runtime/kernels.generated.ts must be
// what scripts/kernel-abi.mjs makes of assembly/ now, the instantiated module must
// export exactly the functions it declares with the same parameter counts, and the
// recurrent kernels' argument block must agree on both sides and refuse a missing field.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateAbi } from '../scripts/kernel-abi.mjs';
import { KERNEL_ARITY, RECURRENT_ARG_COUNT, RECURRENT_ARG_OFFSETS, StreamCell } from '../src/runtime/kernels.generated.js';
import { writeRecurrentArgs, RECURRENT_ARG_WORDS, type RecurrentArgs } from '../src/runtime/recurrent-args.js';
import { CELLS } from '../src/cells/index.js';
import { recurrentArgs, runtime } from './helpers/wasm.js';

const root = new URL('../', import.meta.url);
const rt = runtime();
const exports = rt.kernels as unknown as Record<string, unknown>;

describe('wasm kernel boundary', () => {
  it('kernels.generated.ts is current with assembly/ (run npm run build)', () => {
    expect(readFileSync(new URL('src/runtime/kernels.generated.ts', root), 'utf8')).toBe(generateAbi(root));
  });

  it('every declared kernel is exported with the declared number of parameters', () => {
    const declared = Object.entries(KERNEL_ARITY);
    expect(declared.length).toBeGreaterThan(30);
    for (const [name, arity] of declared) {
      expect(typeof exports[name], name).toBe('function');
      expect((exports[name] as (...a: unknown[]) => unknown).length, `${name} arity`).toBe(arity);
    }
  });

  it('no export is missing from the interface', () => {
    const undeclared = Object.keys(exports).filter((n) => n !== 'memory' && !(n in KERNEL_ARITY));
    expect(undeclared).toEqual([]);
    expect(exports.memory).toBeInstanceOf(WebAssembly.Memory);
  });

  it('the argument block has as many fields on both sides, at distinct word offsets', () => {
    expect(rt.kernels.recurrentArgCount()).toBe(RECURRENT_ARG_COUNT);
    const offsets = Object.values(RECURRENT_ARG_OFFSETS);
    expect(offsets).toEqual(offsets.map((_, i) => 4 * i));
    expect(RECURRENT_ARG_WORDS).toBe(RECURRENT_ARG_COUNT);
  });

  it('a field left undefined is refused by the writer', () => {
    const block = rt.planner.alloc(RECURRENT_ARG_WORDS);
    const all = Object.fromEntries(Object.keys(RECURRENT_ARG_OFFSETS).map((n) => [n, 1])) as RecurrentArgs;
    expect(writeRecurrentArgs(block, all)).toBe(block.ptr);
    const { dwih: _, ...missing } = all;
    expect(() => writeRecurrentArgs(block, missing as RecurrentArgs)).toThrow(/'dwih'/);
    rt.planner.release(block);
  });

  it('a needed field holding 0 traps in the kernel instead of reading address 0', () => {
    // x is left out: lstmForward must trap before touching memory.
    expect(() => rt.kernels.lstmForward(recurrentArgs(rt, { T: 1, B: 1, I: 1, H: 1 }))).toThrow(WebAssembly.RuntimeError);
    // bias = 1 with no bias pointers traps too; bias = 0 is the only way to say "no biases".
    expect(() => rt.kernels.rnnForward(recurrentArgs(rt, { T: 1, B: 1, I: 1, H: 1, x: 64, wih: 64, whh: 64, lengths: 64, hs: 64 })))
      .toThrow(WebAssembly.RuntimeError);
  });

  it('each cell variant declares its own stream code from assembly/stream.ts', () => {
    const codes = [
      CELLS.rnn.streamCode({ nonlinearity: 'tanh', resetBefore: false, bias: true }),
      CELLS.rnn.streamCode({ nonlinearity: 'relu', resetBefore: false, bias: true }),
      CELLS.lstm.streamCode({ nonlinearity: 'tanh', resetBefore: false, bias: true }),
      CELLS.gru.streamCode({ nonlinearity: 'tanh', resetBefore: false, bias: true }),
      CELLS.gru.streamCode({ nonlinearity: 'tanh', resetBefore: true, bias: true }),
    ];
    expect(new Set(codes).size).toBe(5);
    expect(codes.sort()).toEqual(Object.values(StreamCell).sort());
  });
});
