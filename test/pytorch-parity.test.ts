// PyTorch parity: fixtures written by scripts/pytorch_parity.py (torch.nn.RNN / LSTM /
// GRU in float64 on float32-representable inputs, packed sequences of different
// lengths, bias=False, proj_size) drive the public array modules (nn.rnn / nn.lstm /
// nn.gru): the state_dict loads by PyTorch's names (bias=False: no bias_ih / bias_hh at
// all; proj_size: weight_hr), and the forward outputs, final states and every
// parameter and input gradient must match.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { nn, readSafetensors, type StateDict } from '../src/index.js';
import { expectClose } from './helpers/arrays.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();
const dir = new URL('./fixtures/pytorch/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();

// f32 arithmetic against float64 PyTorch: relative 1e-5, with an absolute floor of
// 1e-6 for values near zero (gradients summed over many terms of both signs).
const RTOL = 1e-5, ATOL = 1e-6;

/** The fixture's config ({ cell, inputSize, hiddenSize, numLayers, bidirectional, … }) as a factory call. */
function build(config: string) {
  const { cell, ...options } = JSON.parse(config) as { cell: 'rnn' | 'lstm' | 'gru' } & nn.RNNOptions & nn.GRUOptions;
  return nn[cell](rt, options);
}

describe('PyTorch parity fixtures through nn modules', () => {
  it('covers every cell, 1–3 layers, both directions, with and without initial states', () => {
    expect(files.length).toBeGreaterThanOrEqual(36);
    for (const tag of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru', '_L1', '_L2', '_L3', '_bi', '_init']) expect(files.some((f) => f.includes(tag))).toBe(true);
  });

  it('covers LSTM proj_size stacked and bidirectional, with and without bias', () => {
    const p = files.filter((f) => /^lstm_.*_P\d/.test(f));
    expect(p.some((f) => f.includes('_bi')) && p.some((f) => /_L[23]/.test(f)) && p.some((f) => f.includes('_nobias'))).toBe(true);
  });

  it('covers bias=False for every cell, stacked and bidirectional', () => {
    for (const cell of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']) {
      const nb = files.filter((f) => f.startsWith(cell) && f.includes('_nobias'));
      expect(nb.some((f) => f.includes('_bi')) && nb.some((f) => /_L[23]/.test(f)), cell).toBe(true);
    }
  });

  for (const file of files) {
    it(file.replace('.safetensors', ''), () => {
      const { tensors: t, metadata } = readSafetensors(new Uint8Array(readFileSync(new URL(file, dir))));
      using m = build(metadata.config);
      // The fixture's module is saved as 'rnn' inside a model: its state_dict is the 'rnn.' names.
      const weights: StateDict = {};
      for (const [name, v] of Object.entries(t)) if (name.startsWith('rnn.')) weights[name.slice(4)] = v;
      expect(m.loadStateDict(weights, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });

      const f = m.forward(t.input, { lengths: t.lengths.data, h0: t.h0, c0: t.c0, training: true });
      for (const [got, want, label] of [[f.output, t.output, 'output'], [f.hn, t.hn, 'h_n'], [f.cn, t.cn, 'c_n']] as const) {
        if (!want) { expect(got, label).toBeUndefined(); continue; }
        expect(got?.shape, `${label} shape`).toEqual(want.shape);
        expectClose(got!.data, want.data, RTOL, ATOL, label);
      }

      const b = m.backward({ dOutput: t.grad_output, dhn: t.grad_hn, dcn: t.grad_cn });
      expect(b.dx.shape).toEqual(t.input.shape);
      expectClose(b.dx.data, t['grad.input'].data, RTOL, ATOL, 'grad input');
      if (t.h0) expectClose(b.dh0.data, t['grad.h0'].data, RTOL, ATOL, 'grad h0');
      if (t.c0) expectClose(b.dc0!.data, t['grad.c0'].data, RTOL, ATOL, 'grad c0');
      const g = m.gradients();
      expect(Object.keys(g).sort()).toEqual(Object.keys(weights).sort());
      for (const name of Object.keys(weights)) {
        expect(g[name].shape, `grad ${name} shape`).toEqual(t[`grad.rnn.${name}`].shape);
        expectClose(g[name].data, t[`grad.rnn.${name}`].data, RTOL, ATOL, `grad ${name}`);
      }
    });
  }
});
