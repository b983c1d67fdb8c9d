// bench/report.mjs's issue 14 rows on hand-made results: which rows count as met, how
// the grid's two criteria are counted, and the limit named for a miss (figures
// derived here from the inputs, independently of the report's code).
import { describe, expect, it } from 'vitest';
import { gridTarget, demoTarget, w2ThreadsTarget } from '../bench/report.mjs';

const s = (median: number) => ({ median, min: median, max: median, n: 3 });

describe('bench report: issue 14 rows', () => {
  const row = (B: number, ratio: number, extra: Record<string, unknown> = {}) => ({ cell: 'lstm', B, H: 256, L: 1, bi: false, ms: s(100), share: 0.9, ratio: s(ratio), ...extra });

  it('the grid counts a shape that passes either criterion; batch < 8 is not counted', () => {
    const g = { threads: 'failing', cores: 2, rows: [
      row(1, 0.5), // batch 1: outside the target
      row(8, 1.2), // passes one thread
      row(16, 0.8, { ms2: s(50), ratio2: s(1.6) }), // passes with threads: 2
      row(64, 0.4, { ms2: s(80), ratio2: s(0.5) }), // fails both
    ] };
    const [, text, verdict] = gridTarget(g);
    expect(text).toMatch(/^2 of 3 shapes pass \(1 at one thread, 1 with threads: 2\)/);
    expect(text).toMatch(/lowest one-thread ratio ×0\.40/);
    // Own speed-ups 100/50 = 2 and 100/80 = 1.25; needed for the failing shape: 1.5 × 1.25 / 0.5 = 3.75.
    expect(text).toMatch(/second thread gives ×1\.25–×2\.00 of our one-thread speed on 2 shared cores where ×3\.75–×3\.75 would be needed/);
    expect(verdict).toBe('**missed**');
    expect(gridTarget({ ...g, rows: g.rows.slice(0, 3) })[2]).toBe('**met**');
  });

  it('a shape below ×1 that threads: 2 did not time is a miss, and says why', () => {
    const [, text, verdict] = gridTarget({ threads: false, rows: [row(8, 0.9)] });
    expect(text).toMatch(/0 of 1 shapes pass.*1 shape below ×1 not timed with threads: 2 \(`--no-grid-threads`\)/);
    expect(verdict).toBe('**missed**');
  });

  it('the demo: met only on the full run within 60 s at ≥ 97.8%, and a miss names its cause', () => {
    const d = { wallSeconds: 50, processSeconds: 49, cpuSeconds: 90, accuracy: 0.979, split: 'test', baseline: 0.87, threads: { requested: 2, used: 2 }, epochs: 3, tokensPerSecond: 30000, limit: null };
    expect(demoTarget(d)[2]).toBe('**met**');
    expect(demoTarget({ ...d, limit: 400 })[2]).toBe('not measured');
    const slow = demoTarget({ ...d, wallSeconds: 120, processSeconds: 118, cpuSeconds: 118, threads: { requested: 2, used: 1 } });
    expect(slow[2]).toBe('**missed**');
    expect(slow[1]).toMatch(/3 epochs at 30,000 training tokens\/s; CPU \/ wall = ×1\.00 cores busy \(the start-up probe kept 1 of 2 threads/);
    expect(demoTarget({ ...d, accuracy: 0.97 })[1]).toMatch(/0\.80 points short/);
    expect(demoTarget(null)[2]).toBe('not measured');
  });

  it('W2 on two threads: the ratio decides, and a miss splits the call into one share\'s forward and the rest', () => {
    const w = { threads: 2, identical: true, ort: s(6), int8Two: s(8), f32Two: s(12), int8OnePredict: s(9), int8Forward32: s(7), int8Forward16: s(3.5),
      ratio: s(0.75), ratioF32: s(0.5), splitCostMs: s(4.5), rounds: 9, reps: 10 };
    const [, text, verdict] = w2ThreadsTarget(w);
    expect(verdict).toBe('**missed**');
    // 3.5 / 8 = 44%, 4.5 / 8 = 56%; a free split: 6 / 3.5 = ×1.71.
    expect(text).toMatch(/3\.50 ms = 44% of the two-thread call.*the other 4\.50 ms = 56%; with a free split the ratio would be ×1\.71/);
    expect(w2ThreadsTarget({ ...w, ratio: s(1.1) })[2]).toBe('**met**');
    expect(w2ThreadsTarget({ ...w, ratio: s(1.1), threads: 1 })[2]).toBe('**missed**');
    expect(w2ThreadsTarget(null)[2]).toBe('not measured');
  });
});
