// Turns batch-major arrays of variable-length sequences into the time-major,
// padded layout the kernels use ([T][B], row t·B + b), validating as it goes. The
// large arrays can come from an Arena (per-step reuse, see arena.ts).
import type { Arena } from './arena.js';
import { EmptySequenceError, LabelError, NonFiniteError, SequenceTooLongError, ShapeError, TokenIdError } from '../errors.js';

export interface PackedSequences {
  /** Padded length (the longest sequence). */
  T: number;
  /** Number of sequences. */
  B: number;
  /** Valid steps per sequence. */
  lengths: Int32Array;
  /** Token ids, time-major [T][B]; padded steps hold 0 (any valid id: they get no gradient). */
  ids: Int32Array;
}

/** Checks a batch of token-id sequences and packs it time-major. */
export function packTokenSequences(inputs: unknown, vocabSize: number, maxLength: number, what = 'inputs', arena?: Arena): PackedSequences {
  const { B, T } = checkBatch(inputs, maxLength, what, 'token ids');
  const lengths = new Int32Array(B);
  const ids = arena ? arena.i32(T * B).fill(0) : new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const s = (inputs as ArrayLike<number>[])[b];
    lengths[b] = s.length;
    for (let t = 0; t < s.length; t++) {
      const id = s[t];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new TokenIdError(`${what}[${b}][${t}] = ${String(id)} is not a valid token id: expected an integer in [0, ${vocabSize})`);
      }
      ids[t * B + b] = id;
    }
  }
  return { T, B, lengths, ids };
}

/** Checks a batch is a non-empty array of non-empty arrays no longer than maxLength; returns B and the padded length T. */
function checkBatch(inputs: unknown, maxLength: number, what: string, steps: string): { B: number; T: number } {
  if (!Array.isArray(inputs)) throw new ShapeError(`${what} must be an array of sequences (arrays of ${steps}), got ${describe(inputs)}`);
  const B = inputs.length;
  if (B === 0) throw new EmptySequenceError(`${what} is an empty batch: expected at least one sequence`);
  let T = 0;
  for (let b = 0; b < B; b++) {
    const s = inputs[b];
    if (!isSequence(s)) throw new ShapeError(`${what}[${b}] must be an array of ${steps}, got ${describe(s)}`);
    if (s.length === 0) throw new EmptySequenceError(`${what}[${b}] is an empty sequence: every sequence needs at least one step`);
    if (s.length > maxLength) throw new SequenceTooLongError(`${what}[${b}] has ${s.length} steps, more than the model's maxLength of ${maxLength}`);
    T = Math.max(T, s.length);
  }
  return { B, T };
}

/** Per-step labels aligned with the inputs, time-major; padded steps get -1 (ignored by the loss). */
export function packStepLabels(targets: unknown, packed: PackedSequences, numClasses: number, arena?: Arena): Int32Array {
  const { T, B, lengths } = packed;
  if (!Array.isArray(targets) || targets.length !== B) {
    throw new ShapeError(`targets must be an array of ${B} label sequences (one per input sequence), got ${describe(targets)}`);
  }
  const out = (arena ? arena.i32(T * B) : new Int32Array(T * B)).fill(-1);
  for (let b = 0; b < B; b++) {
    const s = targets[b];
    if (!isSequence(s) || s.length !== lengths[b]) {
      throw new ShapeError(`targets[${b}] must have one label per input step (${lengths[b]}), got ${describe(s)}`);
    }
    for (let t = 0; t < s.length; t++) out[t * B + b] = checkLabel(s[t], numClasses, `targets[${b}][${t}]`);
  }
  return out;
}

/** One label per sequence. */
export function packSequenceLabels(targets: unknown, B: number, numClasses: number): Int32Array {
  if (!isSequence(targets) || targets.length !== B) {
    throw new ShapeError(`targets must be an array of ${B} class labels (one per input sequence), got ${describe(targets)}`);
  }
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) out[b] = checkLabel(targets[b], numClasses, `targets[${b}]`);
  return out;
}

function checkLabel(v: unknown, numClasses: number, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= numClasses) {
    throw new LabelError(`${where} = ${String(v)} is not a valid class label: expected an integer in [0, ${numClasses})`);
  }
  return v;
}

function isSequence(s: unknown): s is ArrayLike<number> {
  return Array.isArray(s) || ArrayBuffer.isView(s);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  return v === null ? 'null' : typeof v;
}

export interface PackedFeatures extends Omit<PackedSequences, 'ids'> {
  /** Feature vectors, time-major [T][B][F]; padded steps are 0. */
  values: Float32Array;
}

/** Checks a batch of feature sequences ([b][t][f], any lengths ≥ 1) and packs it time-major. */
export function packFeatureSequences(inputs: unknown, F: number, maxLength: number, what = 'inputs', arena?: Arena): PackedFeatures {
  const { B, T } = checkBatch(inputs, maxLength, what, `${F}-feature vectors`);
  const lengths = new Int32Array(B);
  const values = arena ? arena.f32(T * B * F).fill(0) : new Float32Array(T * B * F);
  for (let b = 0; b < B; b++) {
    const s = (inputs as unknown[][])[b];
    lengths[b] = s.length;
    for (let t = 0; t < s.length; t++) writeVector(s[t], F, values, (t * B + b) * F, `${what}[${b}][${t}]`);
  }
  return { T, B, lengths, values };
}

/** Per-step target vectors ([b][t][C]) aligned with the inputs: values time-major and a row mask (1 valid, 0 padded). */
export function packStepVectors(targets: unknown, packed: { T: number; B: number; lengths: Int32Array }, C: number, arena?: Arena) {
  const { T, B, lengths } = packed;
  if (!Array.isArray(targets) || targets.length !== B) throw new ShapeError(`targets must be an array of ${B} sequences of ${C}-value vectors, got ${describe(targets)}`);
  const values = arena ? arena.f32(T * B * C).fill(0) : new Float32Array(T * B * C);
  const mask = arena ? arena.f32(T * B).fill(0) : new Float32Array(T * B);
  for (let b = 0; b < B; b++) {
    const s = targets[b];
    if (!Array.isArray(s) || s.length !== lengths[b]) throw new ShapeError(`targets[${b}] must have one ${C}-value vector per input step (${lengths[b]}), got ${describe(s)}`);
    for (let t = 0; t < s.length; t++) {
      writeVector(s[t], C, values, (t * B + b) * C, `targets[${b}][${t}]`);
      mask[t * B + b] = 1;
    }
  }
  return { values, mask };
}

/** One target vector per sequence ([b][C]). */
export function packVectors(targets: unknown, B: number, C: number): Float32Array {
  if (!Array.isArray(targets) || targets.length !== B) throw new ShapeError(`targets must be an array of ${B} ${C}-value vectors (one per input sequence), got ${describe(targets)}`);
  const values = new Float32Array(B * C);
  for (let b = 0; b < B; b++) writeVector(targets[b], C, values, b * C, `targets[${b}]`);
  return values;
}

function writeVector(v: unknown, F: number, out: Float32Array, at: number, where: string): void {
  if (typeof v === 'number' && F === 1) v = [v];
  if (!isSequence(v) || v.length !== F) throw new ShapeError(`${where} must be a vector of ${F} numbers, got ${describe(v)}`);
  for (let f = 0; f < F; f++) {
    const x = v[f];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new NonFiniteError(`${where}[${f}] = ${String(x)}: values must be finite numbers`);
    out[at + f] = x;
  }
}

/**
 * Checks sequences whose steps each carry one id per field ([b][t][field]) and packs
 * the ids field-major [field][T][B] (what a multi-field embedding reads).
 */
export function packTokenFieldSequences(inputs: unknown, vocabSizes: number[], maxLength: number, what = 'inputs', arena?: Arena): PackedSequences {
  const F = vocabSizes.length;
  const { B, T } = checkBatch(inputs, maxLength, what, `${F}-id steps`);
  const lengths = new Int32Array(B), ids = arena ? arena.i32(F * T * B).fill(0) : new Int32Array(F * T * B);
  for (let b = 0; b < B; b++) {
    const s = (inputs as unknown[][])[b];
    lengths[b] = s.length;
    for (let t = 0; t < s.length; t++) {
      const step = s[t];
      if (!isSequence(step) || step.length !== F) throw new ShapeError(`${what}[${b}][${t}] must hold ${F} ids (one per embedding field), got ${describe(step)}`);
      for (let f = 0; f < F; f++) {
        const id = step[f];
        if (!Number.isInteger(id) || id < 0 || id >= vocabSizes[f]) {
          throw new TokenIdError(`${what}[${b}][${t}][${f}] = ${String(id)} is not a valid id for field ${f}: expected an integer in [0, ${vocabSizes[f]})`);
        }
        ids[(f * T + t) * B + b] = id;
      }
    }
  }
  return { T, B, lengths, ids };
}
