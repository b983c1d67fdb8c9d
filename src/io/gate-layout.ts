// Conversions from other frameworks' recurrent weight layouts to PyTorch's (the
// canonical one): gate blocks reordered, kernels transposed, biases split. Shared by
// the Keras and ONNX importers.
import { WeightFileError } from '../errors.js';
import type { Tensor } from './safetensors.js';
import type { StateDict } from '../runtime/parameter-table.js';
import { CELLS, type CellType } from '../cells/index.js';

/** Gate count per cell, from the cell table (src/cells/). */
export const GATES = Object.fromEntries(Object.values(CELLS).map((c) => [c.name, c.gates])) as Readonly<Record<CellType, number>>;

/** Per cell, the other framework's gate block that feeds each of PyTorch's gates, declared by the cell. */
export function gateOrder(cell: CellType, framework: 'keras' | 'onnx'): readonly number[] {
  return CELLS[cell].importOrder[framework];
}

export function expectShape(what: string, t: Tensor | undefined, shape: number[]): Tensor {
  if (!t || !Array.isArray(t.shape) || !(t.data instanceof Float32Array)) {
    throw new WeightFileError(`${what} is missing: expected a tensor of shape [${shape}]`);
  }
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new WeightFileError(`${what} has shape [${t.shape}], expected [${shape}]`);
  }
  if (t.data.length !== shape.reduce((a, b) => a * b, 1)) throw new WeightFileError(`${what} holds ${t.data.length} values for shape [${shape}]`);
  return t;
}

/**
 * Rows of a [G·H][cols] matrix (or a [G·H] vector: cols = 1) with gate blocks
 * reordered: output block q is input block order[q].
 */
export function permuteGateRows(src: ArrayLike<number>, H: number, cols: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * H * cols);
  order.forEach((from, q) => {
    for (let r = 0; r < H * cols; r++) out[q * H * cols + r] = src[from * H * cols + r];
  });
  return out;
}

/** [rows][cols] → [cols][rows]. */
export function transpose(src: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

export function suffix(layer: number, reverse: boolean): string {
  return `_l${layer}${reverse ? '_reverse' : ''}`;
}

/** Adds one direction's four PyTorch tensors. */
export function put(dict: StateDict, prefix: string, sfx: string, G: number, H: number, I: number,
                    wih: Float32Array, whh: Float32Array, bih: Float32Array, bhh: Float32Array): void {
  dict[`${prefix}weight_ih${sfx}`] = { shape: [G * H, I], data: wih };
  dict[`${prefix}weight_hh${sfx}`] = { shape: [G * H, H], data: whh };
  dict[`${prefix}bias_ih${sfx}`] = { shape: [G * H], data: bih };
  dict[`${prefix}bias_hh${sfx}`] = { shape: [G * H], data: bhh };
}
