// The mul+add ceiling of 128-bit WebAssembly SIMD on this core, measured in the run:
// compiles bench/ceiling/muladd.ts (12 independent f32x4 mul+add chains, no memory
// traffic) with AssemblyScript into build/muladd.wasm and times it. GFLOP/s of the
// GEMM are reported as a share of this figure (issue 6: ≥ 80% of the ceiling).
import asc from 'assemblyscript/asc';
import { readFile, mkdir } from 'node:fs/promises';

const root = new URL('../', import.meta.url);

/** Compiles the probe once; the returned function times it ({ best, median } GFLOP/s over `runs` runs) and can be called again beside each measurement. */
export async function muladdProbe() {
  await mkdir(new URL('build/', root), { recursive: true });
  const { error } = await asc.main(['bench/ceiling/muladd.ts', '--outFile', 'build/muladd.wasm', '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert'],
    { stdout: process.stdout, stderr: process.stderr });
  if (error) throw new Error(`compiling the mul+add probe: ${error.message}`);
  const { instance } = await WebAssembly.instantiate(await readFile(new URL('build/muladd.wasm', root)), { env: { abort() {} } });
  const f = instance.exports.muladd;
  const iters = 1 << 20, flop = iters * 12 * 8;
  for (let i = 0; i < 20; i++) f(1000, 0.5); // tier-up to optimised code
  return (runs = 15) => {
    const gf = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      f(iters, 0.5);
      gf.push(flop / ((performance.now() - t0) * 1e6));
    }
    gf.sort((a, b) => a - b);
    return { best: gf.at(-1), median: gf[gf.length >> 1] };
  };
}

export async function muladdCeiling({ log = console.log } = {}) {
  const { best, median } = (await muladdProbe())(15);
  log(`mul+add ceiling (128-bit SIMD, 12 chains, one thread): best ${best.toFixed(1)} GFLOP/s, median ${median.toFixed(1)}`);
  return { best, median };
}
