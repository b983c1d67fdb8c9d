// PyTorch parity: fixtures written by scripts/pytorch_parity.py (torch.nn.RNN / LSTM /
// GRU in float64 on float32-representable inputs, packed sequences of different
// lengths) load here by state_dict name, and the forward outputs, final states and
// every parameter and input gradient must match. The layer's state_dict names must be
// exactly the module's (bias=False: no bias_ih / bias_hh at all; proj_size: weight_hr).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { readSafetensors, Recurrent, ParameterTable, Rng, type RecurrentConfig } from '../src/index.js';
import { expectClose } from './helpers/arrays.js';
import { putF32, putI32, runtime, zeros } from './helpers/wasm.js';

const rt = runtime();
const dir = new URL('./fixtures/pytorch/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();

// f32 arithmetic against float64 PyTorch: relative 1e-5, with an absolute floor of
// 1e-6 for values near zero (gradients summed over many terms of both signs).
const RTOL = 1e-5, ATOL = 1e-6;

describe('PyTorch parity fixtures', () => {
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
      const cfg = JSON.parse(metadata.config) as RecurrentConfig;
      const [T, B, I] = t.input.shape;
      const { hiddenSize: H, numLayers: L = 1 } = cfg;
      const D = cfg.bidirectional ? 2 : 1;
      const W = cfg.projSize || H; // floats of h (proj_size)
      const table = new ParameterTable();
      const layer = new Recurrent(rt, cfg, table, 'rnn.');
      const params = rt.planner.alloc(table.total), grads = rt.planner.alloc(table.total);
      const weights = Object.fromEntries(Object.entries(t).filter(([n]) => n.startsWith('rnn.')));
      expect(table.entries.map((e) => e.name).sort()).toEqual(Object.keys(weights).sort());
      if (cfg.bias === false) expect(Object.keys(weights).some((n) => n.includes('bias'))).toBe(false);
      table.loadStateDict(params.f32(), weights);
      layer.pack(params);

      const lengths = Array.from(t.lengths.data);
      const X = putF32(rt, t.input.data), Lg = putI32(rt, lengths);
      const H0 = t.h0 ? putF32(rt, t.h0.data) : null, C0 = t.c0 ? putF32(rt, t.c0.data) : null;
      const f = layer.forward(T, B, X.ptr, Lg.ptr, H0?.ptr ?? 0, C0?.ptr ?? 0, false, new Rng(0), params);
      const view = (ptr: number, n: number) => new Float32Array(rt.memory.buffer, ptr, n).slice();
      expectClose(view(f.output, T * B * D * W), t.output.data, RTOL, ATOL, 'output');
      expectClose(view(f.hn, L * D * B * W), t.hn.data, RTOL, ATOL, 'h_n');
      if (t.cn) expectClose(view(f.cn, L * D * B * H), t.cn.data, RTOL, ATOL, 'c_n');

      const DH0 = zeros(rt, L * D * B * W), DC0 = zeros(rt, L * D * B * H);
      const dx = layer.backward(putF32(rt, t.grad_output.data).ptr, putF32(rt, t.grad_hn.data).ptr,
        t.grad_cn ? putF32(rt, t.grad_cn.data).ptr : 0, grads, H0 ? DH0.ptr : 0, C0 ? DC0.ptr : 0);
      expectClose(view(dx, T * B * I), t['grad.input'].data, RTOL, ATOL, 'grad input');
      if (H0) expectClose(DH0.f32(), t['grad.h0'].data, RTOL, ATOL, 'grad h0');
      if (C0) expectClose(DC0.f32(), t['grad.c0'].data, RTOL, ATOL, 'grad c0');
      const g = table.toStateDict(grads.f32());
      for (const name of Object.keys(weights)) expectClose(g[name].data, t[`grad.${name}`].data, RTOL, ATOL, `grad ${name}`);
      layer.dispose();
      for (const r of [params, grads]) rt.planner.release(r);
    });
  }
});
