// int8 weights for inference: every weight matrix of a quantized model as int8 values
// with one f32 scale per row (per output unit), symmetric (w ≈ q · scale, q in
// [−127, 127]). The model keeps the dequantized values as its f32 parameters (what
// stateDict, the embedding lookup and the exporters read); the layers pack the int8
// values for the integer kernels (assembly/qgemm.ts). The scales live in wasm memory,
// in regions of the planner given (the model's ledger), so they go with the model.
import type { Planner, Region } from './memory-planner.js';
import type { Kernels } from './kernels.js';
import { ConfigError } from '../errors.js';

/** The parameters quantize() turns into int8: every matrix (2-D tensor) of the model. */
export function isQuantizedParameter(shape: readonly number[]): boolean {
  return shape.length === 2;
}

/** One quantized matrix [rows][cols]: q row-major, one scale per row. */
export interface Int8Tensor {
  readonly rows: number;
  readonly cols: number;
  readonly q: Int8Array;
  readonly scales: Float32Array;
}

/**
 * Symmetric per-row int8 quantization: scale = f32(max|w_row| / 127), q = w / scale
 * rounded half away from zero (a row of zeros has scale 0 and q = 0).
 */
export function quantizeMatrix(w: Float32Array, rows: number, cols: number): Int8Tensor {
  const q = new Int8Array(rows * cols), scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(w[r * cols + c]));
    const s = (scales[r] = Math.fround(m / 127));
    if (s === 0) continue;
    for (let c = 0; c < cols; c++) {
      const v = w[r * cols + c] / s;
      q[r * cols + c] = Math.max(-127, Math.min(127, Math.sign(v) * Math.floor(Math.abs(v) + 0.5)));
    }
  }
  return { rows, cols, q, scales };
}

/** q · scale, the f32 values the quantized matrix stands for. */
export function dequantizeMatrix(t: Int8Tensor, out = new Float32Array(t.rows * t.cols)): Float32Array {
  for (let r = 0; r < t.rows; r++) for (let c = 0; c < t.cols; c++) out[r * t.cols + c] = t.q[r * t.cols + c] * t.scales[r];
  return out;
}

/** A packed int8 operand: the i16 panels of rows [from, from + count) and the pointer to their scales. */
export interface Int8Operand {
  packed: Region;
  scales: number;
}

/** The quantized matrices of one model by parameter name, with their scales in wasm memory. */
export class Int8Weights {
  private readonly scaleRegions = new Map<string, Region>();

  constructor(planner: Planner, readonly tensors: ReadonlyMap<string, Int8Tensor>) {
    for (const [name, t] of tensors) {
      const r = planner.alloc(t.rows);
      r.f32().set(t.scales);
      this.scaleRegions.set(name, r);
    }
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /**
   * Packs rows [from, from + count) of matrix `name` for x · Wᵀ (K = its columns) into a
   * new region of `planner` (the layer's, so the layer's owner frees it).
   */
  pack(k: Kernels, planner: Planner, name: string, from: number, count: number): Int8Operand {
    const t = this.tensors.get(name);
    if (!t) throw new ConfigError(`no int8 tensor '${name}'`);
    const K = t.cols;
    const stage = planner.alloc(Math.ceil((count * K) / 4));
    try {
      new Int8Array(stage.f32().buffer, stage.ptr, count * K).set(t.q.subarray(from * K, (from + count) * K));
      const packed = planner.alloc(k.qpackedBytes(K, count) / 4);
      k.qpackB(stage.ptr, K, count, packed.ptr);
      return { packed, scales: this.scaleRegions.get(name)!.ptr + from * 4 };
    } finally {
      planner.release(stage);
    }
  }
}

/** Bytes of scratch the integer GEMM needs for inputs up to K wide. */
export function int8ScratchFloats(k: Kernels, K: number): number {
  return k.qscratchBytes(K) / 4;
}
