// rnn-wasm: recurrent neural networks on WebAssembly SIMD.
export { loadRuntime, loadRuntimeSync, embeddedWasmBytes, type LoadOptions } from './runtime/load.js';
export { Runtime } from './runtime/runtime.js';
export type { Kernels } from './runtime/kernels.js';
export { MemoryPlanner, Region } from './runtime/memory-planner.js';
export { Workspace } from './runtime/workspace.js';
export { Recurrent, type RecurrentConfig, type RecurrentForward, type CellType } from './layers/recurrent.js';
export { ParameterTable } from './model/parameter-table.js';
export { RnnModel, type RnnModelConfig, type SequenceBatch, type StepOptions, type StepResult } from './model/rnn-model.js';
export type { StateDict, ParameterEntry } from './model/parameter-table.js';
export { packTokenSequences, packStepLabels, packSequenceLabels, type PackedSequences } from './data/pack.js';
export * as optim from './optim/index.js';
export { Rng } from './random.js';
export * from './errors.js';
export { Vocabulary } from './data/vocabulary.js';
export { toyPosCorpus, type TaggedSentence } from './data/toy-pos.js';
export { readSafetensors, writeSafetensors, halfToFloat, type Tensor, type SafetensorsFile } from './io/safetensors.js';
export { fromKeras, type KerasRecurrentWeights, type KerasImportOptions } from './io/keras.js';
export { fromOnnx, type OnnxRecurrentWeights, type OnnxImportOptions } from './io/onnx.js';
