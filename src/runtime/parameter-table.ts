// Named tensors laid out back to back in one flat f32 buffer (params, and the same
// layout again for grads and optimizer moments). Each tensor starts on a 16-float
// (64-byte) boundary so kernels get aligned pointers.
import { NonFiniteError, ShapeError } from '../errors.js';

export interface ParameterEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in floats from the start of the buffer. */
  readonly offset: number;
  readonly size: number;
}

export type StateDict = Record<string, { shape: number[]; data: Float32Array }>;

export class ParameterTable {
  readonly entries: ParameterEntry[] = [];
  private readonly byName = new Map<string, ParameterEntry>();
  total = 0;

  add(name: string, shape: number[]): ParameterEntry {
    const size = shape.reduce((a, b) => a * b, 1);
    const e = { name, shape, offset: this.total, size };
    this.entries.push(e);
    this.byName.set(name, e);
    this.total += Math.ceil(size / 16) * 16;
    return e;
  }

  get(name: string): ParameterEntry {
    const e = this.byName.get(name);
    if (!e) throw new ShapeError(`no parameter named '${name}'`);
    return e;
  }

  /** Names the parameter element at a flat index ('lstm.weight_ih_l0'[12]), or the alignment padding. */
  describe(index: number): string {
    const e = this.entries.find((x) => index >= x.offset && index < x.offset + x.size);
    return e ? `'${e.name}'[${index - e.offset}]` : `padding element ${index}`;
  }

  /** Copies every tensor out of buf. */
  toStateDict(buf: Float32Array): StateDict {
    const out: StateDict = {};
    for (const e of this.entries) out[e.name] = { shape: [...e.shape], data: buf.slice(e.offset, e.offset + e.size) };
    return out;
  }

  /**
   * Validates a whole state dict (names, shapes) and copies it into `stage` (laid out as
   * the parameters); a model checks finiteness there (one SIMD pass) before adopting it.
   */
  loadStateDict(stage: Float32Array, dict: StateDict): void {
    const expected = this.entries.map((e) => e.name);
    const missing = expected.filter((n) => !(n in dict));
    const unexpected = Object.keys(dict).filter((n) => !this.byName.has(n));
    if (missing.length || unexpected.length) {
      throw new ShapeError(`state dict does not match the model: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
    }
    for (const e of this.entries) {
      const { shape, data } = dict[e.name];
      if (!Array.isArray(shape) || shape.length !== e.shape.length || shape.some((d, i) => d !== e.shape[i])) {
        throw new ShapeError(`'${e.name}' has shape [${shape}], expected [${e.shape}]`);
      }
      if (!data || data.length !== e.size) throw new ShapeError(`'${e.name}' holds ${data?.length} values, expected ${e.size}`);
    }
    for (const e of this.entries) stage.set(dict[e.name].data, e.offset);
  }

  /** The error for a staged buffer that holds a NaN or ±Inf, naming the first such weight. */
  nonFiniteError(stage: Float32Array): NonFiniteError {
    for (const e of this.entries) {
      for (let i = 0; i < e.size; i++) {
        const v = stage[e.offset + i];
        if (!Number.isFinite(v)) return new NonFiniteError(`'${e.name}'[${i}] = ${v}: weights must be finite`);
      }
    }
    return new NonFiniteError('weights must be finite');
  }
}
