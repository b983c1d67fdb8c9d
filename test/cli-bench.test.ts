// `rnn-wasm bench` for a configuration the user gives: the table names that shape and
// has a row per requested cell; bad settings are typed errors. (Timings are not tested.)
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';
import { runQuickBench, referenceWorkload } from '../src/cli/bench.js';
import { runtime } from './helpers/wasm.js';

describe('rnn-wasm bench', () => {
  it('runs the shape it is given, for the cells it is given', async () => {
    const lines = await runQuickBench(runtime(), { seconds: 0.01, cells: ['gru', 'rnn'], T: 3, B: 2, E: 4, H: 8, C: 5, V: 10, layers: 2 });
    expect(lines[0]).toContain('[T=3 B=2 I=4 H=8 layers=2 C=5, one thread]');
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['gru', 'rnn']);
    // Figures only need to be numbers: at this tiny shape a rate can print as 0.0 (timings are not tested).
    for (const l of lines.slice(1)) expect(l.split(/\s+/).slice(1).map(Number).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });

  it('trains on any number of threads (3 here, on any machine: the probe may keep fewer and says so)', async () => {
    const lines = await runQuickBench(runtime(), { seconds: 0.01, cells: ['lstm'], threads: 3, T: 3, B: 6, E: 4, H: 8, C: 5, V: 10 });
    expect(lines[0]).toContain('training on 3 threads');
    const rows = lines.filter((l) => l.startsWith('lstm'));
    expect(rows).toHaveLength(1);
    if (lines.length > 2) expect(lines[1]).toMatch(/^\(training on [12] threads?: /);
  });

  it('keeps the reference workload for options left undefined', () => {
    const w = referenceWorkload({ H: undefined, B: 4 });
    expect([w.T, w.B, w.E, w.H, w.C]).toEqual([64, 4, 64, 128, 64]);
    expect(w.batch.inputs).toHaveLength(4);
  });

  it('rejects an unknown cell and a non-positive size', async () => {
    await expect(runQuickBench(runtime(), { seconds: 0.01, cells: ['lstmm' as 'lstm'] })).rejects.toBeInstanceOf(ConfigError);
    await expect(runQuickBench(runtime(), { seconds: 0.01, H: 0 })).rejects.toThrow(/H = 0 is invalid/);
  });
});
