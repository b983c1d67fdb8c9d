// Embedding, dense and the losses (WASM, f32) against the float64 references.
import { describe, expect, it } from 'vitest';
import {
  denseBackwardRef, denseRef, embeddingBackwardRef, embeddingRef, mseBackwardRef, mseRef,
  softmaxCrossEntropyBackwardRef, softmaxCrossEntropyRef, softmaxRef,
} from './reference/layers.js';
import { expectClose, testRng } from './helpers/arrays.js';
import { putF32, putI32, read, runtime, zeros } from './helpers/wasm.js';

const rt = runtime();
const k = rt.kernels;

describe('embedding kernels', () => {
  for (const [V, D, R] of [[5, 4, 7], [11, 13, 9], [3, 1, 2]]) {
    it(`V=${V} D=${D} R=${R}, repeated ids`, () => {
      const rng = testRng(V + D + R);
      const ids = Array.from({ length: R }, (_, i) => (i % 3 === 0 ? 1 : rng.int(V)));
      const table = rng.array(V * D), dout = rng.array(R * D);
      const Ids = putI32(rt, ids), Tab = putF32(rt, table), Out = zeros(rt, R * D);
      k.embeddingForward(Ids.ptr, R, D, Tab.ptr, Out.ptr);
      expect(Array.from(read(Out))).toEqual(Array.from(embeddingRef(ids, D, table)));
      const dT = putF32(rt, new Float64Array(V * D).fill(1));
      k.embeddingBackward(Ids.ptr, R, D, putF32(rt, dout).ptr, dT.ptr);
      expectClose(read(dT), embeddingBackwardRef(ids, D, V, dout).map((v) => v + 1), 1e-6, 1e-6, 'dtable');
    });
  }
});

describe('column sums (bias gradients)', () => {
  // 32-column register blocks, 4-column vectors and a scalar tail, into one or two destinations.
  for (const [rows, cols] of [[1, 1], [5, 3], [9, 32], [17, 43], [33, 70], [2048 / 16, 512]]) {
    it(`rows=${rows} cols=${cols}`, () => {
      const rng = testRng(rows * 1000 + cols);
      const src = rng.array(rows * cols), d1 = rng.array(cols), d2 = rng.array(cols);
      const sums = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) sums[j] += src[r * cols + j];
      const S = putF32(rt, src), D1 = putF32(rt, d1), D2 = putF32(rt, d2);
      k.addColumnSums(S.ptr, rows, cols, D1.ptr, 0);
      expectClose(read(D1), d1.map((v, j) => v + sums[j]), 1e-5, 1e-5, 'dst');
      expect(Array.from(read(D2))).toEqual(Array.from(d2).map(Math.fround));
      k.addColumnSums(S.ptr, rows, cols, D1.ptr, D2.ptr);
      expectClose(read(D1), d1.map((v, j) => v + 2 * sums[j]), 1e-5, 1e-5, 'dst (twice)');
      expectClose(read(D2), d2.map((v, j) => v + sums[j]), 1e-5, 1e-5, 'dst2');
    });
  }
});

describe('dense kernels', () => {
  for (const [R, In, Out, bias] of [[4, 8, 16, 1], [7, 13, 5, 1], [1, 3, 33, 0], [64, 40, 12, 1]]) {
    it(`R=${R} In=${In} Out=${Out}${bias ? '' : ' no bias'}`, () => {
      const rng = testRng(R * 100 + In * 10 + Out);
      const x = rng.array(R * In), W = rng.array(Out * In), b = rng.array(Out), dy = rng.array(R * Out);
      const X = putF32(rt, x), Wr = putF32(rt, W), Br = putF32(rt, b), Y = zeros(rt, R * Out);
      const wT = zeros(rt, k.packedSize(In, Out)), wN = zeros(rt, k.packedSize(Out, In));
      k.packB(Wr.ptr, In, In, Out, 1, wT.ptr);
      k.packB(Wr.ptr, In, Out, In, 0, wN.ptr);
      k.denseForward(R, In, Out, X.ptr, wT.ptr, bias ? Br.ptr : 0, Y.ptr);
      expectClose(read(Y), denseRef(R, In, Out, x, W, bias ? b : null), 1e-5, 1e-5, 'y');
      const g = denseBackwardRef(R, In, Out, x, W, dy);
      const DX = putF32(rt, new Float64Array(R * In).fill(9)), DW = zeros(rt, Out * In), DB = zeros(rt, Out);
      k.denseBackward(R, In, Out, X.ptr, wN.ptr, putF32(rt, dy).ptr, DX.ptr, 0, DW.ptr, DB.ptr, zeros(rt, k.packedSize(R, In)).ptr);
      expectClose(read(DX), g.dx, 1e-5, 1e-5, 'dx (overwritten)');
      expectClose(read(DW), g.dW, 1e-5, 1e-5, 'dW');
      expectClose(read(DB), g.db, 1e-5, 1e-5, 'db');
      k.denseBackward(R, In, Out, X.ptr, wN.ptr, putF32(rt, dy).ptr, DX.ptr, 1, DW.ptr, DB.ptr, zeros(rt, k.packedSize(R, In)).ptr);
      expectClose(read(DX), g.dx.map((v) => 2 * v), 1e-5, 1e-5, 'dx (accumulated)');
      expectClose(read(DW), g.dW.map((v) => 2 * v), 1e-5, 1e-5, 'dW (accumulated)');
    });
  }
});

describe('softmax cross-entropy kernels', () => {
  for (const [R, C, scale] of [[6, 5, 1], [9, 16, 1 / 7], [3, 1, 1], [4, 37, 0.5], [5, 64, 1], [3, 8, 1]]) {
    it(`R=${R} C=${C} scale=${scale.toFixed(3)} with ignored rows`, () => {
      const rng = testRng(R * C);
      const logits = rng.array(R * C, 8);
      const targets = Array.from({ length: R }, (_, r) => (r % 3 === 1 ? -1 : rng.int(C)));
      const Lg = putF32(rt, logits), Tg = putI32(rt, targets), P = zeros(rt, R * C), D = zeros(rt, R * C);
      const loss = k.softmaxCrossEntropyForward(R, C, Lg.ptr, Tg.ptr, P.ptr);
      const ref = softmaxCrossEntropyRef(R, C, logits, targets);
      expect(Math.abs(loss - ref)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref)));
      expectClose(read(P), softmaxRef(R, C, logits), 1e-5, 1e-7, 'probs');
      k.softmaxCrossEntropyBackward(R, C, P.ptr, Tg.ptr, scale, D.ptr);
      expectClose(read(D), softmaxCrossEntropyBackwardRef(R, C, logits, targets, scale), 1e-5, 1e-7, 'dlogits');
    });
  }

  it('a NaN logit makes its row NaN wherever it sits (the max runs 4 lanes at a time from 8 classes)', () => {
    const C = 9;
    for (const at of [0, 3, 5, 8]) {
      const logits = Array.from({ length: C }, (_, j) => (j === at ? NaN : j / 4));
      const P = zeros(rt, C);
      const loss = k.softmaxCrossEntropyForward(1, C, putF32(rt, logits).ptr, putI32(rt, [1]).ptr, P.ptr);
      expect(loss).toBeNaN();
      expect(Array.from(read(P)).every(Number.isNaN)).toBe(true);
    }
  });

  it('stays finite for huge logits', () => {
    const logits = [1e4, -1e4, 0, 3e4];
    const P = zeros(rt, 4);
    const loss = k.softmaxCrossEntropyForward(1, 4, putF32(rt, logits).ptr, putI32(rt, [0]).ptr, P.ptr);
    expect(loss).toBeCloseTo(2e4, 0);
    // exp is clamped at -87.3, so far-off classes get ~1e-38 rather than exactly 0.
    expectClose(read(P), [0, 0, 0, 1], 0, 1e-37, 'probs');
  });
});

describe('MSE kernels', () => {
  for (const [R, C, masked] of [[5, 3, 1], [8, 8, 0], [2, 17, 1]]) {
    it(`R=${R} C=${C}${masked ? ' masked' : ''}`, () => {
      const rng = testRng(R + C);
      const y = rng.array(R * C), t = rng.array(R * C);
      const mask = masked ? Array.from({ length: R }, (_, r) => (r % 2 ? 0 : 1)) : null;
      const Y = putF32(rt, y), Tr = putF32(rt, t), M = mask ? putF32(rt, mask) : null, D = zeros(rt, R * C);
      const loss = k.mseForward(R, C, Y.ptr, Tr.ptr, M?.ptr ?? 0);
      expect(Math.abs(loss - mseRef(R, C, y, t, mask))).toBeLessThanOrEqual(1e-6 * R * C);
      k.mseBackward(R, C, Y.ptr, Tr.ptr, M?.ptr ?? 0, 0.3, D.ptr);
      expectClose(read(D), mseBackwardRef(R, C, y, t, mask, 0.3), 1e-6, 1e-7, 'dy');
    });
  }
});
