// Keras and ONNX weights imported by gate permutation behave like the layers they
// came from: outputs of the imported Recurrent layer against float64 references
// written in each framework's own layout and equations. Bad shapes are rejected.
import { describe, expect, it } from 'vitest';
import { fromKeras, fromOnnx, ParameterTable, Rng, WeightFileError, type StateDict } from '../src/index.js';
import { Recurrent, type RecurrentConfig } from '../src/layers/recurrent.js';
import { kerasGruRef, kerasLstmRef, onnxGruRef, onnxLstmRef } from './reference/frameworks.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, runtime } from './helpers/wasm.js';

const rt = runtime();
const T = 5, I = 3, H = 6;
const t32 = (shape: number[], data: ArrayLike<number>) => ({ shape, data: Float32Array.from(data) });

/** Runs the imported weights through a Recurrent layer on one sequence; returns [T][D·H]. */
function runImported(config: RecurrentConfig, dict: StateDict, x: Float64Array): Float64Array {
  const table = new ParameterTable();
  const layer = new Recurrent(rt, config, table, '');
  const params = rt.planner.alloc(table.total);
  table.loadStateDict(params.f32(), dict);
  layer.pack(params);
  const f = layer.forward(T, 1, putF32(rt, x).ptr, putI32(rt, [T]).ptr, 0, 0, false, new Rng(0), params);
  const out = Float64Array.from(new Float32Array(rt.memory.buffer, f.output, T * layer.outputSize));
  layer.dispose();
  return out;
}

describe('Keras import', () => {
  const rng = testRng(71);
  const x = rng.array(T * I);
  it('LSTM (gates i, f, c, o; kernel transposed; one bias)', () => {
    const kernel = rng.array(I * 4 * H, 0.5), rec = rng.array(H * 4 * H, 0.5), bias = rng.array(4 * H, 0.5);
    const { stateDict, config } = fromKeras('lstm', [{ kernel: t32([I, 4 * H], kernel), recurrentKernel: t32([H, 4 * H], rec), bias: t32([4 * H], bias) }]);
    expect(config).toMatchObject({ cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: false });
    expectClose(runImported(config, stateDict, x), kerasLstmRef(x, T, I, H, kernel, rec, bias), 1e-4, 2e-6, 'h');
  });
  for (const resetAfter of [true, false]) {
    it(`GRU reset_after=${resetAfter} (gates z, r, h${resetAfter ? '; bias [2][3u]' : ''})`, () => {
      const kernel = rng.array(I * 3 * H, 0.5), rec = rng.array(H * 3 * H, 0.5);
      const bias = rng.array(resetAfter ? 6 * H : 3 * H, 0.5);
      const { stateDict, config } = fromKeras('gru', [{ kernel: t32([I, 3 * H], kernel), recurrentKernel: t32([H, 3 * H], rec), bias: t32(resetAfter ? [2, 3 * H] : [3 * H], bias) }], { resetAfter });
      expect(config.resetBefore).toBe(!resetAfter);
      expectClose(runImported(config, stateDict, x), kerasGruRef(x, T, I, H, kernel, rec, bias, resetAfter), 1e-4, 2e-6, 'h');
    });
  }
  it('rejects shapes that do not fit, naming the tensor', () => {
    const w = { kernel: t32([I, 4 * H], new Float32Array(I * 4 * H)), recurrentKernel: t32([H, 4 * H], new Float32Array(H * 4 * H)), bias: t32([3 * H], new Float32Array(3 * H)) };
    expect(() => fromKeras('lstm', [w])).toThrow(WeightFileError);
    expect(() => fromKeras('lstm', [w])).toThrow('Keras weights 0 (layer 0): bias has shape [18], expected [24]');
    expect(() => fromKeras('lstm', [w], { bidirectional: true })).toThrow(/even number/);
    expect(() => fromKeras('gru', [{ ...w, kernel: t32([I, 4 * H], new Float32Array(I * 4 * H)) }])).toThrow(/kernel has shape \[3,24\], expected \[3,18\]/);
  });
});

describe('ONNX import', () => {
  const rng = testRng(72);
  const x = rng.array(T * I);
  const reversed = (a: Float64Array, width: number) => {
    const out = new Float64Array(a.length);
    for (let t = 0; t < T; t++) out.set(a.subarray(t * width, (t + 1) * width), (T - 1 - t) * width);
    return out;
  };
  it('bidirectional LSTM (gates i, o, f, c; B = [Wb, Rb]; direction 1 reverse)', () => {
    const W = rng.array(2 * 4 * H * I, 0.5), R = rng.array(2 * 4 * H * H, 0.5), B = rng.array(2 * 8 * H, 0.5);
    const { stateDict, config } = fromOnnx('lstm', [{ W: t32([2, 4 * H, I], W), R: t32([2, 4 * H, H], R), B: t32([2, 8 * H], B) }]);
    expect(config).toMatchObject({ cell: 'lstm', bidirectional: true, hiddenSize: H });
    const dir = (d: number, xs: Float64Array) => onnxLstmRef(xs, T, I, H, W.subarray(d * 4 * H * I), R.subarray(d * 4 * H * H),
      B.subarray(d * 8 * H, d * 8 * H + 4 * H), B.subarray(d * 8 * H + 4 * H, (d + 1) * 8 * H));
    const fwd = dir(0, x), bwd = reversed(dir(1, reversed(x, I)), H);
    const expected = new Float64Array(T * 2 * H);
    for (let t = 0; t < T; t++) {
      expected.set(fwd.subarray(t * H, (t + 1) * H), t * 2 * H);
      expected.set(bwd.subarray(t * H, (t + 1) * H), t * 2 * H + H);
    }
    expectClose(runImported(config, stateDict, x), expected, 1e-4, 2e-6, 'h');
  });
  for (const lbr of [0, 1] as const) {
    it(`GRU linear_before_reset=${lbr} (gates z, r, h)`, () => {
      const W = rng.array(3 * H * I, 0.5), R = rng.array(3 * H * H, 0.5), B = rng.array(6 * H, 0.5);
      const { stateDict, config } = fromOnnx('gru', [{ W: t32([1, 3 * H, I], W), R: t32([1, 3 * H, H], R), B: t32([1, 6 * H], B) }], { linearBeforeReset: lbr });
      expect(config.resetBefore).toBe(lbr === 0);
      expectClose(runImported(config, stateDict, x), onnxGruRef(x, T, I, H, W, R, B.subarray(0, 3 * H), B.subarray(3 * H), lbr), 1e-4, 2e-6, 'h');
    });
  }
  it('rejects peepholes and shapes that do not fit', () => {
    const W = t32([1, 4 * H, I], new Float32Array(4 * H * I)), R = t32([1, 4 * H, H], new Float32Array(4 * H * H));
    expect(() => fromOnnx('lstm', [{ W, R, P: t32([1, 3 * H], new Float32Array(3 * H)) }])).toThrow(/peephole/);
    expect(() => fromOnnx('lstm', [{ W, R: t32([1, 4 * H, H + 1], new Float32Array(4 * H * (H + 1))) }])).toThrow('ONNX node 0: R has shape [1,24,7], expected [1,24,6]');
    expect(() => fromOnnx('gru', [{ W: t32([1, 25, I], new Float32Array(25 * I)), R }])).toThrow(/25 is not a multiple of 3/);
    expect(() => fromOnnx('lstm', [{ W, R }, { W, R }])).toThrow(/node 1: W has shape \[1,24,3\], expected \[1,24,6\]/);
  });
});
