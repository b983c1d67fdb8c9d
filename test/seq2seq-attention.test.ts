// Attention for Seq2Seq: the kernels (scores, masked softmax, context, and their
// backward) against a float64 reference and its finite differences; the attentional
// encoder–decoder's loss and every gradient against finite differences of the float64
// reference model for every attention kind, masked source lengths and a bidirectional
// encoder; a toy reversal task that only attention solves; the attention weights given
// to the user; bad configs. With dropout (embeddings, h̃, between the layers of the
// encoder and of the step-driven decoder): the same checks with the reference applying
// masks drawn here from a copy of the model's RNG state in the documented order.
import { describe, expect, it } from 'vitest';
import { Seq2Seq, optim, ConfigError, saveModel, loadModelOf, Rng } from '../src/index.js';
import { attentionScoresRef, seq2seqAttentionLossRef, type AttentionKindRef, type Seq2SeqMasksRef } from './reference/attention.js';
import { numericalGradient } from './reference/gradcheck.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, runtime, zeros } from './helpers/wasm.js';

const rt = runtime();
const k = rt.kernels;

describe('attention kernels', () => {
  // K = 6 (a 4-float vector and a 2-float tail), lengths below S (masked positions), one row of length 1.
  for (const kind of ['dot', 'additive'] as const) {
    it(`${kind}: weights and context, and the gradients w.r.t. q, keys, values${kind === 'additive' ? ', v' : ''} vs finite differences`, () => {
      const B = 3, S = 5, K = 6, V = 7, lengths = [5, 3, 1];
      const rng = testRng(kind === 'dot' ? 3 : 4);
      const q = rng.array(B * K), keys = rng.array(S * B * K), values = rng.array(S * B * V), v = rng.array(K), dctx = rng.array(B * V);
      const ref = () => attentionScoresRef(kind, B, S, K, V, q, keys, v, values, lengths);
      const Q = putF32(rt, q), Kp = putF32(rt, keys), Vp = putF32(rt, values), vp = putF32(rt, v), L = putI32(rt, lengths);
      const W = zeros(rt, B * S), C = zeros(rt, B * V);
      const kk = kind === 'dot' ? 0 : 1;
      k.attentionForward(kk, B, S, K, V, Q.ptr, Kp.ptr, vp.ptr, Vp.ptr, L.ptr, W.ptr, C.ptr, V);
      const r = ref();
      expectClose(read(W), r.weights, 1e-5, 1e-6, 'weights');
      expectClose(read(C), r.ctx, 1e-5, 1e-6, 'context');
      for (let b = 0; b < B; b++) for (let s = lengths[b]; s < S; s++) expect(read(W)[b * S + s]).toBe(0);
      const dQ = zeros(rt, B * K), dK = zeros(rt, S * B * K), dV = zeros(rt, S * B * V), dv = zeros(rt, K), scratch = zeros(rt, S);
      k.attentionBackward(kk, B, S, K, V, Q.ptr, Kp.ptr, vp.ptr, Vp.ptr, L.ptr, W.ptr, putF32(rt, dctx).ptr, V, dQ.ptr, dK.ptr, dv.ptr, dV.ptr, scratch.ptr);
      const f = () => ref().ctx.reduce((a, c, i) => a + c * dctx[i], 0);
      expectClose(read(dQ), numericalGradient(f, q), 1e-4, 1e-6, 'dq');
      expectClose(read(dK), numericalGradient(f, keys), 1e-4, 1e-6, 'dkeys');
      expectClose(read(dV), numericalGradient(f, values), 1e-4, 1e-6, 'dvalues');
      if (kind === 'additive') expectClose(read(dv), numericalGradient(f, v), 1e-4, 1e-6, 'dv');
    });
  }
});

const cases: { kind: AttentionKindRef; bidirectional: boolean; cell: 'lstm' | 'gru'; L: number }[] = [
  { kind: 'dot', bidirectional: false, cell: 'lstm', L: 1 },
  { kind: 'general', bidirectional: true, cell: 'lstm', L: 1 },
  { kind: 'bahdanau', bidirectional: true, cell: 'lstm', L: 2 },
  { kind: 'dot', bidirectional: true, cell: 'gru', L: 2 },
  { kind: 'bahdanau', bidirectional: false, cell: 'gru', L: 1 },
];

describe('Seq2Seq with attention', () => {
  for (const { kind, bidirectional, cell, L } of cases) {
    it(`${kind}, ${cell} × ${L}${bidirectional ? ', bidirectional encoder' : ''}: loss and every gradient vs finite differences of the float64 reference`, () => {
      const Vs = 6, Vt = 5, E = 3, H = 4;
      const m = new Seq2Seq(rt, { sourceVocabSize: Vs, targetVocabSize: Vt, embeddingDim: E, hiddenSize: H, numLayers: L, cell, bos: 0, eos: 1, seed: 7, attention: kind, bidirectional });
      // Source lengths 3, 1 and 2 (masked positions); target lengths 2, 3, 1.
      const inputs = [[2, 3, 4], [5], [3, 2]], targets = [[2, 3], [4, 2, 2], [3]];
      const r = m.lossAndGradients({ inputs, targets });
      const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(m.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
      const spec = { cell, kind, bidirectional, E, H, L, Vt, bos: 0, eos: 1 };
      const loss = () => seq2seqAttentionLossRef(spec, p, inputs, targets).loss;
      expect(Math.abs(r.loss - loss())).toBeLessThan(1e-5 * loss());
      const g = m.gradientDict();
      for (const name of Object.keys(p)) expectClose(g[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
      // The weights translate returns for the first token: the reference's first step (whose input is BOS either way).
      const out = m.translate(inputs, { returnAttention: true });
      const first = seq2seqAttentionLossRef(spec, p, inputs, targets).weights[0];
      inputs.forEach((src, b) => {
        if (!out.tokens[b].length) return;
        expect(out.attention[b]).toHaveLength(out.tokens[b].length);
        expectClose(out.attention[b][0], first.subarray(b * 3, b * 3 + src.length), 1e-5, 1e-6, `attention[${b}][0]`);
      });
      m.dispose();
    });
  }

  const dropoutCases: { kind: AttentionKindRef; bidirectional: boolean; cell: 'lstm' | 'gru'; L: number; dropout: number; embeddingDropout: number; outputDropout: number }[] = [
    { kind: 'general', bidirectional: true, cell: 'lstm', L: 1, dropout: 0, embeddingDropout: 0.3, outputDropout: 0.3 },
    { kind: 'bahdanau', bidirectional: false, cell: 'lstm', L: 2, dropout: 0.4, embeddingDropout: 0.2, outputDropout: 0.5 },
    { kind: 'dot', bidirectional: true, cell: 'gru', L: 3, dropout: 0.3, embeddingDropout: 0, outputDropout: 0 },
  ];
  for (const { kind, bidirectional, cell, L, dropout, embeddingDropout, outputDropout } of dropoutCases) {
    it(`${kind}, ${cell} × ${L}${bidirectional ? ', bidirectional encoder' : ''}, dropout ${dropout} between layers, ${embeddingDropout} on the embeddings, ${outputDropout} on h̃: loss and every gradient vs finite differences of the reference with the same masks`, () => {
      const Vs = 6, Vt = 5, E = 3, H = 4;
      const m = new Seq2Seq(rt, { sourceVocabSize: Vs, targetVocabSize: Vt, embeddingDim: E, hiddenSize: H, numLayers: L, cell, bos: 0, eos: 1, seed: 9, attention: kind, bidirectional, dropout, embeddingDropout, outputDropout });
      const inputs = [[2, 3, 4], [5], [3, 2]], targets = [[2, 3], [4, 2, 2], [3]];
      const S = 3, T = 4, B = 3;
      // The masks, drawn from a copy of the model's RNG in the order the model documents (inverted dropout: 0 or 1 / (1 − rate)).
      const rng = new Rng(0);
      rng.setState(m.rng.getState());
      const draw = (n: number, rate: number) => (rate > 0 ? Float64Array.from({ length: n }, () => (rng.next() < 1 - rate ? 1 / (1 - rate) : 0)) : undefined);
      const masks: Seq2SeqMasksRef = {};
      masks.srcEmb = draw(S * B * E, embeddingDropout);
      masks.encoder = Array.from({ length: L - 1 }, () => draw(S * B * H, dropout));
      masks.tgtEmb = draw(T * B * E, embeddingDropout);
      masks.decoder = Array.from({ length: L - 1 }, () => draw(T * B * H, dropout));
      masks.out = draw(T * B * H, outputDropout);
      const r = m.lossAndGradients({ inputs, targets });
      const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(m.stateDict()).map(([n, t]) => [n, Float64Array.from(t.data)]));
      const spec = { cell, kind, bidirectional, E, H, L, Vt, bos: 0, eos: 1 };
      const loss = () => seq2seqAttentionLossRef(spec, p, inputs, targets, masks).loss;
      const plain = seq2seqAttentionLossRef(spec, p, inputs, targets).loss;
      expect(Math.abs(loss() - plain), 'the masks change the loss').toBeGreaterThan(1e-3 * plain);
      expect(Math.abs(r.loss - loss())).toBeLessThan(1e-5 * loss());
      const g = m.gradientDict();
      for (const name of Object.keys(p)) expectClose(g[name].data, numericalGradient(loss, p[name]), 2e-4, 2e-6, name);
      // Evaluation drops nothing: the reference without masks.
      expect(Math.abs(m.evaluate({ inputs, targets }).loss - plain)).toBeLessThan(1e-5 * plain);
      m.dispose();
    });
  }

  it('dropout on the embeddings and h̃: recorded in the saved config, rejected out of [0, 1)', () => {
    const base = { sourceVocabSize: 6, targetVocabSize: 6, embeddingDim: 4, hiddenSize: 6, bos: 0, eos: 1, attention: 'dot' as const };
    const m = new Seq2Seq(rt, { ...base, embeddingDropout: 0.25, outputDropout: 0.5 });
    const loaded = loadModelOf(rt, saveModel(m), Seq2Seq);
    expect(loaded.config).toMatchObject({ embeddingDropout: 0.25, outputDropout: 0.5 });
    expect(loaded.translate([[2, 3], [4]])).toEqual(m.translate([[2, 3], [4]]));
    loaded.dispose();
    m.dispose();
    const plain = new Seq2Seq(rt, base);
    expect(Object.keys(plain.toJSON().config)).not.toContain('embeddingDropout');
    expect(Object.keys(plain.toJSON().config)).not.toContain('outputDropout');
    plain.dispose();
    expect(() => new Seq2Seq(rt, { ...base, embeddingDropout: 1 })).toThrow(ConfigError);
    expect(() => new Seq2Seq(rt, { ...base, outputDropout: -0.1 })).toThrow(/outputDropout/);
  });

  it('reverses digit strings of length 5–9 exactly with attention, where the plain encoder–decoder of the same size and steps does not', () => {
    const EOS = 1, V = 12; // 0 = BOS / padding, 1 = EOS, 2–11 = digits
    const rng = testRng(21);
    const make = () => Array.from({ length: 5 + rng.int(5) }, () => 2 + rng.int(10));
    const train = Array.from({ length: 1500 }, make), test = Array.from({ length: 100 }, make);
    const exact = (m: Seq2Seq) => {
      const out = m.translate(test);
      return out.filter((o, i) => o.join() === [...test[i]].reverse().join()).length / test.length;
    };
    const run = (attention: 'none' | 'dot') => {
      const m = new Seq2Seq(rt, { sourceVocabSize: V, targetVocabSize: V, embeddingDim: 16, hiddenSize: 32, bos: 0, eos: EOS, seed: 2, attention });
      const opt = optim.adam({ lr: 0.01 });
      for (let epoch = 0; epoch < 6; epoch++) {
        for (let i = 0; i < train.length; i += 32) {
          const src = train.slice(i, i + 32);
          m.trainStep({ inputs: src, targets: src.map((s) => [...s].reverse()) }, opt, { clipNorm: 5 });
        }
      }
      const e = exact(m);
      m.dispose();
      return e;
    };
    const withAttention = run('dot'), plain = run('none');
    expect(withAttention).toBe(1);
    expect(plain).toBeLessThan(0.9);
  });

  it('returns the attention weights with beam search too; a saved config records the attention', () => {
    const m = new Seq2Seq(rt, { sourceVocabSize: 6, targetVocabSize: 6, embeddingDim: 4, hiddenSize: 6, bos: 0, eos: 1, seed: 3, attention: 'general', bidirectional: true });
    const out = m.translate([[2, 3, 4, 5], [3]], { returnAttention: true, beamSize: 3, maxLength: 4 });
    out.tokens.forEach((t, i) => {
      expect(out.attention[i]).toHaveLength(t.length);
      for (const row of out.attention[i]) {
        expect(row).toHaveLength(i ? 1 : 4);
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      }
    });
    expect(m.translate([[2, 3, 4, 5], [3]], { beamSize: 3, maxLength: 4 })).toEqual(out.tokens);
    expect(m.toJSON().config).toMatchObject({ attention: 'general', bidirectional: true });
    // A model file records the attention config and decodes the same after loading.
    const loaded = loadModelOf(rt, saveModel(m), Seq2Seq);
    expect(loaded.config).toMatchObject({ attention: 'general', bidirectional: true });
    expect(loaded.translate([[2, 3, 4, 5], [3]], { returnAttention: true, beamSize: 3, maxLength: 4 })).toEqual(out);
    loaded.dispose();
    // A plain model writes today's config (no attention keys) and loads as before.
    const plain = new Seq2Seq(rt, { sourceVocabSize: 6, targetVocabSize: 6, embeddingDim: 4, hiddenSize: 6, bos: 0, eos: 1 });
    expect(Object.keys(plain.toJSON().config)).not.toContain('attention');
    expect(Object.keys(plain.toJSON().config)).not.toContain('bidirectional');
    const plainLoaded = loadModelOf(rt, saveModel(plain), Seq2Seq);
    expect(plainLoaded.config.attention).toBe('none');
    expect(plainLoaded.translate([[2, 3], [4]])).toEqual(plain.translate([[2, 3], [4]]));
    plainLoaded.dispose();
    expect(() => plain.translate([[2]], { returnAttention: true })).toThrow(ConfigError);
    m.dispose();
    plain.dispose();
  });

  it('rejects bad attention configs with typed errors', () => {
    const base = { sourceVocabSize: 4, targetVocabSize: 4, embeddingDim: 2, hiddenSize: 3, bos: 0, eos: 1 };
    expect(() => new Seq2Seq(rt, { ...base, attention: 'luong' as never })).toThrow(ConfigError);
    expect(() => new Seq2Seq(rt, { ...base, attention: 'luong' as never })).toThrow(/attention/);
    expect(() => new Seq2Seq(rt, { ...base, bidirectional: true })).toThrow(/hiddenSize = 3 .*even/);
    expect(() => new Seq2Seq(rt, { ...base, bidirectional: 'yes' as never })).toThrow(ConfigError);
    const m = new Seq2Seq(rt, { ...base, attention: 'dot' });
    expect(() => m.translate([[2]], { returnAttention: 1 as never })).toThrow(/returnAttention/);
    m.dispose();
  });
});
