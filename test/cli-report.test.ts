// `--report FILE`: the finished training run as JSON for scripts (npm run bench reads
// the demo's). Spawns the built CLI (npm test builds first) on a small pos-brown run.
import { describe, expect, it, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-cli-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rnn-wasm demo/train --report', () => {
  it('writes the metric printed on stdout, the threads asked for and used, and the process times', () => {
    expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
    const report = join(dir, 'run.json');
    const t0 = performance.now();
    const r = runCli(['demo', '--limit', '400', '--epochs', '1', '--threads', '1', '--out', join(dir, 'd.safetensors'), '--report', report]);
    const outerSeconds = (performance.now() - t0) / 1000;
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(report, 'utf8'));
    // The same figure the human summary prints (two percent digits there).
    const printed = /pos-brown test token accuracy: ([\d.]+)%/.exec(r.stdout);
    expect(printed, r.stdout).not.toBeNull();
    expect(j.task).toBe('pos-brown');
    expect(j.metric).toMatchObject({ name: 'token accuracy', split: 'test', higherIsBetter: true });
    expect(Math.abs(100 * j.metric.value - Number(printed![1]))).toBeLessThanOrEqual(0.005);
    expect(j.baselines.map((b: { name: string }) => b.name)).toContain('most frequent tag');
    expect(j.epochs).toBe(1);
    expect(j.threads).toEqual({ requested: 1, used: 1 });
    expect(j.wallSeconds).toBeGreaterThan(0);
    expect(j.wallSeconds).toBeLessThanOrEqual(outerSeconds);
    expect(j.cpuSeconds).toBeGreaterThan(0);
    expect(j.model).toBe(join(dir, 'd.safetensors'));
  });

  it('an unwritable --report is refused before training', () => {
    expectOneLine(runCli(['demo', '--limit', '400', '--epochs', '1', '--out', join(dir, 'e.safetensors'), '--report', join(dir, 'missing-dir', 'r.json')]), 1, /missing-dir/);
  });
});
