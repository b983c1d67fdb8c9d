// Loading the kernels every supported way, and the memory planner's guarantees.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { embeddedWasmBytes, loadRuntime, loadRuntimeSync, MemoryPlanner, WasmLoadError } from '../src/index.js';

describe('loadRuntime', () => {
  const check = (rt: { kernels: { gemm: unknown } }) => expect(typeof rt.kernels.gemm).toBe('function');

  it('instantiates the embedded module (async and sync)', async () => {
    check(await loadRuntime());
    check(loadRuntimeSync());
  });

  it('accepts a precompiled WebAssembly.Module and raw bytes', async () => {
    const file = readFileSync(new URL('../dist/wasm/rnn-simd.wasm', import.meta.url));
    expect(Buffer.from(embeddedWasmBytes()).equals(file)).toBe(true);
    check(await loadRuntime({ module: new WebAssembly.Module(file) }));
    check(await loadRuntime({ module: new Uint8Array(file) }));
    check(loadRuntimeSync({ module: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) }));
  });

  it('gives a typed error for bytes that are not the module', async () => {
    await expect(loadRuntime({ module: new Uint8Array([1, 2, 3]) })).rejects.toThrow(WasmLoadError);
    expect(() => loadRuntimeSync({ module: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) })).toThrow(/could not instantiate/);
  });

  it('two runtimes are independent', () => {
    const a = loadRuntimeSync(), b = loadRuntimeSync();
    expect(a.memory).not.toBe(b.memory);
  });
});

describe('MemoryPlanner', () => {
  const fresh = () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    return { memory, planner: new MemoryPlanner(memory, 100) };
  };

  it('hands out 64-byte aligned, zeroed, non-overlapping regions', () => {
    const { planner } = fresh();
    const rs = [3, 17, 1, 64, 5].map((n) => planner.alloc(n));
    for (const r of rs) {
      expect(r.ptr % 64).toBe(0);
      expect(r.ptr).toBeGreaterThanOrEqual(100);
      expect(Array.from(r.f32()).every((v) => v === 0)).toBe(true);
    }
    const spans = rs.map((r) => [r.ptr, r.ptr + r.byteLength]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });

  it('grows memory only when needed, and views survive growth', () => {
    const { memory, planner } = fresh();
    const a = planner.alloc(100);
    a.f32()[99] = 42;
    const oldView = a.f32();
    const pages = memory.buffer.byteLength;
    const big = planner.alloc(200_000); // needs more than one page
    expect(memory.buffer.byteLength).toBeGreaterThan(pages);
    expect(oldView.length).toBe(0); // detached by the growth...
    expect(a.f32()[99]).toBe(42); // ...but the accessor re-creates it
    expect(big.f32().length).toBe(200_000);
  });

  it('reuses released space before growing', () => {
    const { memory, planner } = fresh();
    const a = planner.alloc(1000);
    planner.alloc(10);
    planner.release(a);
    const size = memory.buffer.byteLength;
    const b = planner.alloc(500);
    expect(b.ptr).toBe(a.ptr);
    expect(memory.buffer.byteLength).toBe(size);
  });

  it('refuses to release a region twice', () => {
    const { planner } = fresh();
    const a = planner.alloc(10);
    planner.alloc(10);
    planner.release(a);
    expect(() => planner.release(a)).toThrow(/released twice/);
  });

  it('zeroes reused space', () => {
    const { planner } = fresh();
    const a = planner.alloc(32);
    a.f32().fill(5);
    planner.release(a);
    expect(Array.from(planner.alloc(32).f32()).every((v) => v === 0)).toBe(true);
  });
});
