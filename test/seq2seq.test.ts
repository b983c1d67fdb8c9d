// Encoder–decoder: gradients (through the encoder-to-decoder state hand-off) against
// finite differences of a float64 reference; learning to reverse sequences, decoded
// greedily and by beam search; bad input.
import { describe, expect, it } from 'vitest';
import { Seq2Seq, optim, loadRuntimeSync, ConfigError, TokenIdError } from '../src/index.js';
import { stackForwardRef } from './reference/stack.js';
import { embeddingRef, denseRef, softmaxCrossEntropyRef } from './reference/layers.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

describe('Seq2Seq', () => {
  for (const cell of ['lstm', 'gru'] as const) {
    it(`${cell}: teacher-forced loss and every gradient vs finite differences of the float64 reference`, () => {
      const Vs = 6, Vt = 5, E = 3, H = 4, L = 2;
      const m = new Seq2Seq(rt, { sourceVocabSize: Vs, targetVocabSize: Vt, embeddingDim: E, hiddenSize: H, numLayers: L, cell, bos: 0, eos: 1, seed: 4 });
      const inputs = [[2, 3, 4], [5]], targets = [[2, 3], [4, 2, 2]];
      const r = m.lossAndGradients({ inputs, targets });
      const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(m.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
      const weights = (pre: string) => Array.from({ length: L }, (_, l) => ({
        wih: p[`${pre}.weight_ih_l${l}`], whh: p[`${pre}.weight_hh_l${l}`], bih: p[`${pre}.bias_ih_l${l}`], bhh: p[`${pre}.bias_hh_l${l}`],
      }));
      const timeMajor = (seqs: number[][]) => {
        const T = Math.max(...seqs.map((s) => s.length)), ids: number[] = [];
        for (let t = 0; t < T; t++) for (const s of seqs) ids.push(s[t] ?? 0);
        return { T, ids, lengths: seqs.map((s) => s.length) };
      };
      const loss = () => {
        const src = timeMajor(inputs);
        const enc = stackForwardRef({ cell, T: src.T, B: 2, I: E, H, L, D: 1, merge: 'concat' }, embeddingRef(src.ids, E, p['encoder_embedding.weight']), weights('encoder'), src.lengths, null, null);
        const dec = timeMajor(targets.map((t) => [0, ...t]));
        const out = stackForwardRef({ cell, T: dec.T, B: 2, I: E, H, L, D: 1, merge: 'concat' }, embeddingRef(dec.ids, E, p['decoder_embedding.weight']), weights('decoder'), dec.lengths, enc.hn, cell === 'lstm' ? enc.cn : null);
        const logits = denseRef(dec.T * 2, H, Vt, out.output, p['head.weight'], p['head.bias']);
        const labels = timeMajor(targets.map((t) => [...t, 1]));
        const tg = labels.ids.map((v, i) => (Math.floor(i / 2) < labels.lengths[i % 2] ? v : -1));
        return softmaxCrossEntropyRef(dec.T * 2, Vt, logits, tg) / tg.filter((v) => v >= 0).length;
      };
      expect(Math.abs(r.loss - loss())).toBeLessThan(1e-5 * loss());
      const g = m.gradientDict();
      for (const name of Object.keys(p)) expectClose(g[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
    });
  }

  it('learns to reverse sequences; greedy and beam search decode held-out sources', () => {
    const PAD_BOS = 0, EOS = 1, V = 10;
    const rng = testRng(12);
    const make = () => Array.from({ length: 3 + rng.int(3) }, () => 2 + rng.int(V - 2));
    const train = Array.from({ length: 600 }, make), test = Array.from({ length: 50 }, make);
    const m = new Seq2Seq(rt, { sourceVocabSize: V, targetVocabSize: V, embeddingDim: 16, hiddenSize: 64, bos: PAD_BOS, eos: EOS, seed: 1 });
    const opt = optim.adam({ lr: 0.01 });
    for (let epoch = 0; epoch < 12; epoch++) {
      for (let i = 0; i < train.length; i += 25) {
        const src = train.slice(i, i + 25);
        m.trainStep({ inputs: src, targets: src.map((s) => [...s].reverse()) }, opt, { clipNorm: 5 });
      }
    }
    const exact = (out: number[][]) => out.filter((o, i) => o.join() === [...test[i]].reverse().join()).length / test.length;
    const greedy = exact(m.translate(test));
    const beam = exact(m.translate(test, { beamSize: 4 }));
    expect(greedy).toBeGreaterThanOrEqual(0.9);
    expect(beam).toBeGreaterThanOrEqual(greedy - 0.02);
  });

  it('decodes while decoder steps grow memory (a large target vocabulary, many beams)', () => {
    // Each decoder step's softmax over 20 000 classes for 25 beams needs a bigger workspace than the
    // first step: memory grows inside step(), so views taken before it would be detached.
    const m = new Seq2Seq(loadRuntimeSync(), { sourceVocabSize: 10, targetVocabSize: 20000, embeddingDim: 4, hiddenSize: 8, bos: 0, eos: 1, seed: 3 });
    const out = m.translate([[2, 3, 4]], { beamSize: 25, maxLength: 3 });
    expect(out[0].length).toBeLessThanOrEqual(3);
    expect(() => m.translate([[2]], { maxLength: Infinity })).toThrow(/maxLength = Infinity/);
    expect(() => m.translate([[2]], { lengthPenalty: NaN })).toThrow(/lengthPenalty/);
    m.dispose();
    m.dispose(); // idempotent
    expect(() => m.translate([[2]])).toThrow(/disposed/);
  });

  it('rejects bad configs and input', () => {
    expect(() => new Seq2Seq(rt, { sourceVocabSize: 4, targetVocabSize: 4, embeddingDim: 2, hiddenSize: 2, bos: 0, eos: 4 })).toThrow(ConfigError);
    const m = new Seq2Seq(rt, { sourceVocabSize: 4, targetVocabSize: 4, embeddingDim: 2, hiddenSize: 2, bos: 0, eos: 1 });
    expect(() => m.translate([[1], [9]])).toThrow(TokenIdError);
    expect(() => m.translate([[1], [9]])).toThrow(/sources\[1\]\[0\] = 9/);
    expect(() => m.trainStep({ inputs: [[1]], targets: [[7]] }, optim.sgd({ lr: 0.1 }))).toThrow(/targets\[0\]\[0\] = 7/);
    expect(() => m.translate([[1]], { beamSize: 0 })).toThrow(/beamSize/);
  });
});
