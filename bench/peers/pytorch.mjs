// Runs the PyTorch peer (bench/peers/pytorch_recurrent.py) with Debian's /usr/bin/python3
// when torch is importable there; returns { version, cells: { lstm: { w1, w2, w3 }, … },
// w4 } ({ median, min, max, n }, ms; W3 in µs), or null with a notice.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';

export function pytorchPeer(seconds = 2, { log = console.log } = {}) {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    log('  PyTorch peer skipped: /usr/bin/python3 with torch not found (apt-get install python3-torch libopenblas0-pthread)');
    return null;
  }
  const r = spawnSync(py, [new URL('./pytorch_recurrent.py', import.meta.url).pathname, String(seconds)], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(`  PyTorch peer failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  const out = { version: null, cells: {}, w4: null };
  for (const line of r.stdout.trim().split('\n')) {
    const row = JSON.parse(line);
    out.version = row.torch;
    if (row.cell === 'w4') out.w4 = row.w4;
    else out.cells[row.cell] = { w1: row.w1, w2: row.w2, w3: row.w3 };
  }
  // Debian's torch links the generic libblas.so.3; the alternative in force decides the BLAS.
  try { out.blas = realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3'); } catch { out.blas = 'unknown'; }
  for (const [cell, c] of Object.entries(out.cells)) log(`  PyTorch ${cell}: W1 ${c.w1.median.toFixed(2)} ms, W2 ${c.w2.median.toFixed(2)} ms, W3 ${c.w3.median.toFixed(1)} µs`);
  if (out.w4) log(`  PyTorch W4: ${out.w4.median.toFixed(1)} ms`);
  return out;
}
