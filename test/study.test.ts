// The vanishing-gradient study on a tiny budget: it produces every measurement, and
// the measured gradient norms fall with distance at initialisation (for the Elman
// cell by orders of magnitude), with the LSTM's additive path decaying slowest.
import { describe, expect, it } from 'vitest';
import { runVanishingStudy } from '../src/cli/study-vanishing.js';
import { plotStudy } from '../src/cli/plot.js';
import { runtime } from './helpers/wasm.js';

describe('vanishing-gradient study', () => {
  it('measures decaying gradient norms and accuracies; draws the figures', async () => {
    const r = runVanishingStudy(runtime(), { lengths: [3], gradientLength: 25, hidden: 16, steps: 20, batch: 16, seed: 1 });
    const at = (cell: string, d: number) => r.gradients.find((g) => g.cell === cell && g.phase === 'initialisation' && g.distance === d)!.norm;
    expect(at('Elman (tanh)', 24)).toBeLessThan(at('Elman (tanh)', 1) * 1e-4);
    expect(at('LSTM', 24) / at('LSTM', 1)).toBeGreaterThan(at('Elman (tanh)', 24) / at('Elman (tanh)', 1));
    expect(r.accuracy).toHaveLength(3);
    const figs = await plotStudy(r);
    expect(figs.gradients).toMatch(/^<svg/);
    expect(figs.accuracy).toMatch(/<\/svg>$/);
  });
});
