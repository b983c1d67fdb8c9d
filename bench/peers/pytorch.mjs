// Runs the PyTorch peer (bench/peers/pytorch_recurrent.py) with Debian's /usr/bin/python3
// when torch is importable there; returns its rows, or null with a notice.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function pytorchPeer(seconds = 2) {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    console.log('  PyTorch peer skipped: /usr/bin/python3 with torch not found (apt-get install python3-torch libopenblas0-pthread)');
    return null;
  }
  const r = spawnSync(py, [new URL('./pytorch_recurrent.py', import.meta.url).pathname, String(seconds)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`  PyTorch peer failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}
