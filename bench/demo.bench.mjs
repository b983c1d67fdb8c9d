// The main job end to end (issue 14): `node dist/cli/main.js demo` with its defaults
// (threads: the cores available) in a child process, as a user runs it. Wall time from
// spawn to exit, the child's CPU seconds and its test accuracy from the CLI's
// `--report` file (machine-readable: nothing parsed from the human output).
//   node bench/demo.bench.mjs              the demo (≈ 1–2.5 min)
//   node bench/demo.bench.mjs --limit 400  a quick check on the first 400 sentences
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** { wallSeconds, cpuSeconds, accuracy, baseline, threads: { requested, used }, epochs, tokensPerSecond, limit } or { error }. */
export async function demoBench({ limit, log = console.log } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-demo-bench-'));
  const report = join(dir, 'run.json');
  const args = [main, 'demo', '--out', join(dir, 'pos-brown.safetensors'), '--report', report, ...(limit ? ['--limit', String(limit)] : [])];
  try {
    const t0 = performance.now();
    let stderr = '';
    const code = await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      p.stderr.on('data', (d) => { stderr += d; });
      p.on('error', reject);
      p.on('exit', (c) => resolve(c));
    });
    const wallSeconds = (performance.now() - t0) / 1000;
    if (code !== 0) {
      const why = stderr.trim().split('\n').at(-1) ?? `exit code ${code}`;
      log(`  demo failed (exit code ${code}): ${why}`);
      return { error: why, wallSeconds, limit: limit ?? null };
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const out = {
      wallSeconds, processSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, accuracy: r.metric.value, split: r.metric.split,
      baseline: r.baselines[0]?.value ?? null, threads: r.threads, epochs: r.epochs, tokensPerSecond: r.tokensPerSecond, limit: limit ?? null,
    };
    log(`  demo${limit ? ` (--limit ${limit})` : ''}: ${wallSeconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU (×${(r.cpuSeconds / r.wallSeconds).toFixed(2)} of its own wall), ` +
      `${r.threads.used ?? '?'} of ${r.threads.requested} threads, ${r.epochs} epochs at ${Math.round(r.tokensPerSecond).toLocaleString('en')} tokens/s; ${r.metric.split} ${r.metric.name} ${(100 * r.metric.value).toFixed(2)}%`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--limit');
  await demoBench({ limit: i > 0 ? Number(process.argv[i + 1]) : undefined });
}
