// Typed errors: every public entry point reports bad input with one of these, naming
// what was wrong and what was expected, before any kernel runs.

export type ErrorCode =
  | 'SHAPE'
  | 'TOKEN_ID'
  | 'LABEL'
  | 'NON_FINITE'
  | 'EMPTY_SEQUENCE'
  | 'SEQUENCE_TOO_LONG'
  | 'CONFIG'
  | 'WASM_LOAD'
  | 'WEIGHT_FILE'
  | 'MODEL_SOURCE'
  | 'OUT_OF_MEMORY'
  | 'MEMORY_LIMIT'
  | 'DISPOSED'
  | 'ARGUMENT'
  | 'FILE'
  | 'QUANTIZED'
  | 'FROZEN'
  | 'INFERENCE_ONLY';

export class RnnWasmError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An array has the wrong length or nesting for the shape the call expects. */
export class ShapeError extends RnnWasmError {
  constructor(message: string) { super('SHAPE', message); }
}

/** A token id is not an integer in [0, vocabSize). */
export class TokenIdError extends RnnWasmError {
  constructor(message: string) { super('TOKEN_ID', message); }
}

/** A class label is not an integer in [0, numClasses). */
export class LabelError extends RnnWasmError {
  constructor(message: string) { super('LABEL', message); }
}

/** A NaN or ±Infinity in inputs, weights or a loss. */
export class NonFiniteError extends RnnWasmError {
  constructor(message: string) { super('NON_FINITE', message); }
}

/** A batch with no sequences, or a sequence with no steps. */
export class EmptySequenceError extends RnnWasmError {
  constructor(message: string) { super('EMPTY_SEQUENCE', message); }
}

/** A sequence longer than the model's configured maxLength. */
export class SequenceTooLongError extends RnnWasmError {
  constructor(message: string) { super('SEQUENCE_TOO_LONG', message); }
}

/** An invalid model or optimizer configuration. */
export class ConfigError extends RnnWasmError {
  constructor(message: string) { super('CONFIG', message); }
}

/** The WebAssembly module could not be compiled or instantiated. */
export class WasmLoadError extends RnnWasmError {
  constructor(message: string) { super('WASM_LOAD', message); }
}

/** A weight file that is truncated, corrupt, or does not fit the model (names, shapes, dtypes). */
export class WeightFileError extends RnnWasmError {
  constructor(message: string) { super('WEIGHT_FILE', message); }
}

/** A model could not be obtained: an unsupported source, or a fetch that failed or answered with an error status. */
export class ModelSourceError extends RnnWasmError {
  constructor(message: string) { super('MODEL_SOURCE', message); }
}

/**
 * The wasm memory could not provide an allocation (the engine refused to grow it, or
 * the runtime's memory limit would be passed). Nothing was changed: every live model
 * is exactly as it was before the call.
 */
export class OutOfMemoryError extends RnnWasmError {
  constructor(readonly requestedBytes: number, readonly availableBytes: number, message: string) { super('OUT_OF_MEMORY', message); }
}

/**
 * A model config (or a call's shapes) needs more wasm memory than the runtime's limit
 * allows; refused before anything was allocated. Raise the limit with
 * loadRuntime({ memoryLimit }) or rt.memoryLimit = bytes if it is intended.
 */
export class MemoryLimitError extends RnnWasmError {
  constructor(readonly neededBytes: number, readonly limitBytes: number, message: string) { super('MEMORY_LIMIT', message); }
}

/** A model, optimizer or stream was used after dispose(). */
export class DisposedError extends RnnWasmError {
  constructor(message: string) { super('DISPOSED', message); }
}

/** A public function got an argument of the wrong kind (not a runtime, a null batch, …). */
export class ArgumentError extends RnnWasmError {
  constructor(message: string) { super('ARGUMENT', message); }
}

/**
 * An int8 (quantized) model was asked to do what needs its f32 weights: training,
 * new weights, quantizing again. Keep the f32 model for that; quantize it again after.
 */
export class QuantizedModelError extends RnnWasmError {
  constructor(message: string) { super('QUANTIZED', message); }
}

/**
 * A frozen model (freeze()) was asked to change: training, new weights, quantizing.
 * Its folded embedding table was computed from its weights once; change the model it
 * was frozen from, then freeze that again.
 */
export class FrozenModelError extends RnnWasmError {
  constructor(message: string) { super('FROZEN', message); }
}

/**
 * A runtime loaded with the forward-only kernel module (rnn-wasm/inference's
 * loadRuntime, or rnn-simd-forward.wasm) was asked to train: backward passes and
 * optimizer steps need kernels that module leaves out (`missing` names them). Load the
 * runtime from the full entry ('rnn-wasm' or 'rnn-wasm/node') to train.
 */
export class InferenceOnlyError extends RnnWasmError {
  constructor(readonly missing: readonly string[], message: string) { super('INFERENCE_ONLY', message); }
}

/** A file could not be read or written; names the path and the cause (ENOENT, EISDIR, ENOSPC, …). */
export class FileError extends RnnWasmError {
  constructor(readonly path: string, readonly reason: string, message: string) { super('FILE', message); }
}

/** A short description of a value a caller passed by mistake, for ArgumentError messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'no prototype'})`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}
