// The wasm memory a validated model config needs, computed without allocating, and
// the refusal when the runtime cannot give it. Mirrors what the layers' build()
// allocates: the parameters and their gradients (each tensor padded to 16 floats, as
// the parameter table lays them out) and the GEMM-packed weight copies.
import type { Runtime } from '../runtime/runtime.js';
import type { LayerSpec } from './layer-schemas.js';
import { MemoryLimitError } from '../errors.js';
import { MAX_WASM_BYTES } from '../runtime/memory-planner.js';
import { CELLS, isCellType, type CellType } from '../cells/index.js';
import { operandShape } from '../cells/cell.js';

/**
 * Floats needed to pack a K × N GEMM operand (assembly/gemm.ts packedSize), computed
 * here in doubles: the kernel's i32 version would overflow on sizes the planner must
 * refuse first.
 */
export function packedFloats(K: number, N: number): number {
  return Math.ceil(N / 16) * 16 * K;
}

const tensor = (...shape: number[]): number => Math.ceil(shape.reduce((a, b) => a * b, 1) / 16) * 16;

export interface Footprint {
  /** Parameter floats (the gradients take as many again). */
  params: number;
  /** Floats of packed weight copies. */
  packed: number;
}

interface Shape { seq: boolean; features: number }

/** Parameters and packed weights of a recurrent stack with `I` inputs, from its cell's declarations. */
function recurrentFootprint(cellType: CellType, I: number, H: number, L: number, bidirectional: boolean, merge: string,
                            bias = true, projSize = 0): Footprint & { outputSize: number } {
  const cell = CELLS[cellType], D = bidirectional ? 2 : 1;
  const o = { bias, nonlinearity: 'tanh', resetBefore: false, projSize } as const;
  const W = cell.stateSize(H, o), out = bidirectional && merge === 'concat' ? 2 * W : W;
  const dir = (i: number): Footprint => {
    const params = cell.parameters(i, H, o);
    return {
      params: params.reduce((a, p) => a + tensor(...p.shape), 0),
      packed: cell.packed(o).reduce((a, op) => a + packedFloats(...operandShape(op, params.find((p) => p.role === op.weight)!.shape)), 0),
    };
  };
  const first = dir(I), rest = dir(out);
  return { params: D * (first.params + (L - 1) * rest.params), packed: D * (first.packed + (L - 1) * rest.packed), outputSize: out };
}

/** One layer's footprint from its (validated) spec, and the shape it hands on. */
function layerFootprint(s: LayerSpec, input: Shape): Footprint & { output: Shape } {
  const o = s as unknown as Record<string, never>; // validated by the layer's schema
  switch (s.type) {
    case 'embedding': {
      const fields: { vocabSize: number; dim: number }[] = o.fields ?? [{ vocabSize: o.vocabSize, dim: o.dim }];
      const ch = o.chars as { vocabSize: number; dim: number; hiddenSize: number } | undefined;
      const chars = ch ? recurrentFootprint('lstm', ch.dim, ch.hiddenSize, 1, true, 'concat') : { params: 0, packed: 0 };
      const params = fields.reduce((a, f) => a + tensor(f.vocabSize, f.dim), 0) + (ch ? tensor(ch.vocabSize, ch.dim) : 0) + chars.params;
      const dim = fields.reduce((a, f) => a + f.dim, 0) + (ch ? 2 * ch.hiddenSize : 0);
      return { params, packed: chars.packed, output: { seq: true, features: dim } };
    }
    case 'dense': {
      const U: number = o.units, I = input.features;
      return { params: tensor(U, I) + tensor(U), packed: packedFloats(I, U) + packedFloats(U, I), output: { seq: input.seq, features: U } };
    }
    case 'pooling': return { params: 0, packed: 0, output: { seq: false, features: input.features } };
    default: {
      if (!isCellType(s.type)) return { params: 0, packed: 0, output: input };
      const r = recurrentFootprint(s.type, input.features, o.hiddenSize, o.numLayers ?? 1, o.bidirectional ?? false, o.merge ?? 'concat', o.bias ?? true, o.projSize ?? 0);
      return { ...r, output: { seq: o.returnSequences ?? true, features: r.outputSize } };
    }
  }
}

/** What a Sequential model of these layer specs allocates when built: parameters, gradients, packed weights. */
export function modelFootprint(specs: LayerSpec[], input: Shape): Footprint & { bytes: number } {
  let params = 0, packed = 0, shape = input;
  for (const s of specs) {
    const f = layerFootprint(s, shape);
    params += f.params;
    packed += f.packed;
    shape = f.output;
  }
  return { params, packed, bytes: 4 * (2 * params + packed) };
}

/**
 * Refuses, before anything is allocated, a model whose footprint the runtime cannot
 * hold: MemoryLimitError naming the bytes needed, those available and how to raise the limit.
 */
export function requireMemory(rt: Runtime, f: Footprint & { bytes: number }, what: string): void {
  requireBytes(rt, f.bytes, `${what} needs ${f.bytes} bytes (${mib(f.bytes)}: ${f.params} parameters and as many gradients, ${f.packed} floats of packed weights)`);
}

/** The same refusal for any allocation known in advance; `need` says what needs the bytes. */
export function requireBytes(rt: Runtime, bytes: number, need: string): void {
  const available = rt.planner.available, limit = rt.planner.limit;
  if (bytes <= available) return;
  if (bytes > MAX_WASM_BYTES) {
    throw new MemoryLimitError(bytes, limit, `${need}, more than a wasm32 memory can address (${mib(MAX_WASM_BYTES)}): make it smaller`);
  }
  throw new MemoryLimitError(bytes, limit,
    `${need}, but only ${available} bytes (${mib(available)}) are available under the runtime's memoryLimit of ${limit} bytes; `
    + 'raise it with loadRuntime({ memoryLimit }) or rt.memoryLimit = bytes, or dispose() models you no longer need');
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
