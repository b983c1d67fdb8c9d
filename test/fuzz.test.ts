// Seeded mutation fuzzing of model files (F32, F16; LSTM, GRU, RNN; bidirectional,
// stacked) and checkpoints (issue 11): every variant must load with byte-identical
// weights, config and training state, or be refused with a typed error and every
// byte of wasm memory given back; never a plain exception, a trap, a silent load of
// different contents, a load over 2 s or a hang. The harness (scripts/fuzz-lib.mjs)
// loads in a worker thread under a watchdog, against dist/ (npm test builds first);
// `npm run fuzz` is the long run. Counts per outcome class are printed.
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- a plain ES module shared with scripts/fuzz.mjs
import { runFuzz, report, STRUCTURAL } from '../scripts/fuzz-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}

describe('fuzzed model files and checkpoints', () => {
  it('dist/ is built from the current sources (run npm run build)', () => {
    expect(statSync(join(root, 'dist/index.js')).mtimeMs).toBeGreaterThanOrEqual(newest(join(root, 'src')) - 1000);
  });

  it('structural damage (bytes, bits, truncation, extension, header length, header JSON): 10,000 variants, zero FAIL', async () => {
    const r = await runFuzz({ count: 10_000, seed: 20261126, categories: STRUCTURAL });
    console.log(report(r));
    expect(r.counts.identical + r.counts.refused + r.counts.FAIL).toBe(10_000);
    expect(r.counts.refused).toBeGreaterThan(9000);
    expect(r.counts.FAIL).toBe(0);
  }, 60_000);

  it('config and training-state values (checksum removed, so the validators must catch them): 1,000 variants, zero FAIL', async () => {
    const r = await runFuzz({ count: 1000, seed: 20261127, categories: ['config', 'training'] });
    console.log(report(r, 40));
    expect(r.counts.identical + r.counts.refused + r.counts.FAIL).toBe(1000);
    expect(r.counts.FAIL).toBe(0);
  }, 120_000);
});
