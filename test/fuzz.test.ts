// Seeded mutation fuzzing of model files (F32, F16, int8; LSTM, GRU, RNN; bidirectional,
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
import { runFuzz, report, STRUCTURAL, DIST, buildBases, makeClassifier } from '../scripts/fuzz-lib.mjs';

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

  it('the classifier itself: a plain exception, a trap, an empty message, a leak and a silent change are FAIL', async () => {
    const lib = await import(DIST);
    const rt = lib.loadRuntimeSync();
    const bases = buildBases(lib).filter((b: { name: string }) => b.name === 'lstm-f32' || b.name === 'lstm-checkpoint');
    let fault: ((bytes: Uint8Array) => unknown) | undefined;
    const stub = {
      ...lib,
      loadModel: (r: unknown, bytes: Uint8Array) => (fault ? fault(bytes) : lib.loadModel(r, bytes)),
      loadCheckpoint: (r: unknown, bytes: Uint8Array) => {
        const c = lib.loadCheckpoint(r, bytes);
        if (fault) c.state = { ...c.state, epoch: c.state.epoch + 1 };
        return c;
      },
    };
    const classify = makeClassifier(stub, rt, bases);
    const outcome = (f: typeof fault, base = 0) => { fault = f; const r = classify(base, bases[base].bytes, 2000); fault = undefined; return r; };
    expect(outcome(undefined).cls).toBe('identical');
    expect(outcome(() => { throw new TypeError('x is undefined'); })).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/^plain TypeError/) });
    expect(outcome(() => { throw new WebAssembly.RuntimeError('unreachable'); })).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/^trap/) });
    expect(outcome(() => { throw new lib.WeightFileError(''); })).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/empty message/) });
    expect(outcome(() => { throw new lib.WeightFileError('bad file'); }).cls).toBe('refused');
    expect(outcome(() => { rt.planner.alloc(100); throw new lib.WeightFileError('bad file'); })).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/planner inUse/) });
    expect(outcome((b) => { const m = lib.loadModel(rt, b); m.params.f32()[3] += 1; return m; })).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/tensor embedding.weight differs/) });
    expect(outcome((b) => { const m = lib.loadModel(rt, b); m.options.seed += 1; return m; })).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/config differs/) });
    expect(outcome(() => null, 1)).toMatchObject({ cls: 'FAIL', why: expect.stringMatching(/training state differs/) });
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
