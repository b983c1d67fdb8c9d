// Peak RSS of a W1 LSTM training run and a memory-growth check: RSS, V8's committed
// heap, JS heap used, external and wasm memory after the warm-up against after the last step, in a fresh child process
// (bench/memory-child.mjs, run with --expose-gc so each reading follows a full GC).
// Default 300 steps (≈ 15 s); `npm run bench -- --soak` runs the 10,000.
import { spawnSync } from 'node:child_process';

export function memoryBench({ steps = 300, warm = 50, log = console.log } = {}) {
  const child = new URL('./memory-child.mjs', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--expose-gc', child, String(steps), String(warm)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    log(`  memory check failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  const m = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const after = m.samples.find((s) => s.step === warm), last = m.samples.at(-1);
  const d = (k) => last[k] - after[k];
  m.growth = { rssMB: d('rssMB'), heapMB: d('heapMB'), heapTotalMB: d('heapTotalMB'), externalMB: d('externalMB'), wasmMB: d('wasmMB'),
    rssOutsideHeapMB: d('rssMB') - d('heapTotalMB') };
  log(`W1 LSTM memory, ${steps} training steps in ${m.seconds.toFixed(0)} s (${warm} warm-up): peak RSS ${m.peakRssMB.toFixed(0)} MB; ` +
    `after warm-up → end: RSS ${after.rssMB.toFixed(1)} → ${last.rssMB.toFixed(1)} MB (V8's committed heap ${after.heapTotalMB.toFixed(1)} → ${last.heapTotalMB.toFixed(1)} MB), ` +
    `JS heap used ${after.heapMB.toFixed(1)} → ${last.heapMB.toFixed(1)} MB, external ${after.externalMB.toFixed(1)} → ${last.externalMB.toFixed(1)} MB, wasm memory ${after.wasmMB.toFixed(1)} → ${last.wasmMB.toFixed(1)} MB`);
  return m;
}
