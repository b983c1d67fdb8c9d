// Model weights through safetensors files: a round trip gives identical predictions,
// other dtypes load converted, and bad files (wrong names, shapes, dtypes, NaN,
// truncated, oversized header) are rejected with a WeightFileError, leaving the
// model unchanged.
import { describe, expect, it } from 'vitest';
import { WeightFileError, readSafetensors, writeSafetensors, saveModel, loadWeights } from '../src/index.js';
import { runtime } from './helpers/wasm.js';
import { simpleModel, type SimpleModelConfig } from './helpers/models.js';

const rt = runtime();
const cfg = { vocabSize: 9, embeddingDim: 4, hiddenSize: 6, numClasses: 3, cell: 'lstm' as const, numLayers: 2, bidirectional: true };
const probe = [[1, 2, 3, 4], [5, 6]];

describe('model weight files', () => {
  it('save → load into a differently seeded model gives identical predictions', () => {
    const a = simpleModel(rt, { ...cfg, seed: 1 }), b = simpleModel(rt, { ...cfg, seed: 2 });
    expect(b.predictOutputs(probe)).not.toEqual(a.predictOutputs(probe));
    const bytes = saveModel(a);
    expect(JSON.parse(readSafetensors(bytes).metadata['rnn-wasm.config']).layers[1].cell).toBe('lstm');
    loadWeights(b, bytes);
    expect(b.predictOutputs(probe)).toEqual(a.predictOutputs(probe));
  });

  it('loads F16 weights converted to float32', () => {
    const a = simpleModel(rt, { ...cfg, seed: 1 });
    // Rewrite one tensor as F16 by hand: 1.0 everywhere (0x3C00).
    const { tensors } = readSafetensors(saveModel(a));
    const name = 'head.bias';
    const header: Record<string, unknown> = {};
    const parts: Uint8Array[] = [];
    let off = 0;
    for (const [n, t] of Object.entries(tensors)) {
      const count = t.data.length;
      const bytes = n === name ? new Uint8Array(new Uint16Array(count).fill(0x3c00).buffer) : new Uint8Array(t.data.buffer.slice(0));
      header[n] = { dtype: n === name ? 'F16' : 'F32', shape: t.shape, data_offsets: [off, off + bytes.length] };
      parts.push(bytes);
      off += bytes.length;
    }
    const json = new TextEncoder().encode(JSON.stringify(header));
    const file = new Uint8Array(8 + json.length + off);
    new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
    file.set(json, 8);
    let p = 8 + json.length;
    for (const b of parts) { file.set(b, p); p += b.length; }
    loadWeights(a, file);
    expect(Array.from(a.stateDict()[name].data)).toEqual([1, 1, 1]);
  });

  const base = () => simpleModel(rt, { ...cfg, seed: 1 });
  const withDict = (edit: (d: Record<string, { shape: number[]; data: Float32Array }>) => void) => {
    const d = base().stateDict();
    edit(d);
    return writeSafetensors(d);
  };
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a missing tensor', () => withDict((d) => delete d['rnn.weight_hh_l1_reverse']), /missing \[rnn.weight_hh_l1_reverse\]/],
    ['an unexpected tensor', () => withDict((d) => { d['rnn.weight_ih_l2'] = { shape: [1], data: new Float32Array(1) }; }), /unexpected \[rnn.weight_ih_l2\]/],
    ['a wrong shape', () => withDict((d) => { d['head.weight'] = { shape: [3, 6], data: new Float32Array(18) }; }), /'head.weight' has shape \[3,6\], expected \[3,12\]/],
    ['a NaN weight', () => withDict((d) => { d['rnn.bias_ih_l0'].data[3] = NaN; }), /'rnn.bias_ih_l0'\[3\] = NaN/],
    ['an integer dtype', () => {
      const json = new TextEncoder().encode(JSON.stringify({ 'head.bias': { dtype: 'I32', shape: [3], data_offsets: [0, 12] } }));
      const f = new Uint8Array(8 + json.length + 12);
      new DataView(f.buffer).setBigUint64(0, BigInt(json.length), true);
      f.set(json, 8);
      return f;
    }, /dtype I32: weights must be F32, F16, BF16 or F64/],
    ['truncated data', () => saveModel(base()).subarray(0, 500), /truncated/],
    ['a header length of 2^60', () => { const f = saveModel(base()).slice(); new DataView(f.buffer).setBigUint64(0, 2n ** 60n, true); return f; }, /exceeds/],
  ];
  for (const [what, make, msg] of cases) {
    it(`rejects a file with ${what} and keeps the weights`, () => {
      const m = base();
      const before = saveModel(m);
      const file = make();
      expect(() => loadWeights(m, file)).toThrow(WeightFileError);
      expect(() => loadWeights(m, file)).toThrow(msg);
      expect(Buffer.from(saveModel(m)).equals(Buffer.from(before))).toBe(true);
    });
  }
});
