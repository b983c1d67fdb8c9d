// rnn-wasm/inference: the lean entry for browsers, Web Workers, edge and serverless
// runtimes — load the kernels and a model, predict, stream, generate. Web-standard APIs
// only (no Node built-ins, no file system); no optimizers or training. Its loadRuntime
// instantiates the forward-only kernel module (src/runtime/load-forward.ts), so the
// bundle carries no backward or optimizer kernel, and training on that runtime throws
// InferenceOnlyError. Every name here is also exported by the full entry, whose
// loadRuntime loads the full module.
export { loadRuntime, loadRuntimeSync, embeddedWasmBytes, type LoadOptions } from './runtime/load-forward.js';
export { Runtime } from './runtime/runtime.js';
export { Sequential, type SequentialOptions, type Batch, type ModelJSON, type LossName, type ModelInput, type OutputKind } from './model/sequential.js';
export { Seq2Seq, type Seq2SeqConfig, type BeamOptions, type TranslateOptions, type Translation } from './model/seq2seq.js';
export { RecurrentStream } from './model/stream.js';
export * as nn from './nn/index.js';
export { generate, sampleToken, type GenerateOptions, type SamplingOptions } from './model/generate.js';
export { TextPipeline, wordShape, type PreprocessingJSON, type PreprocessingOptions, type FieldJSON, type TokenFeature, type TokenizerType } from './data/text-pipeline.js';
export type { TaggedToken, TextClass, TextPrediction } from './model/text.js';
export { forecast } from './model/forecast.js';
export { freeze, DEFAULT_MAX_FOLDED_TABLE_BYTES, type FreezeOptions } from './model/freeze.js';
export { loadModel } from './io/model-file.js';
export { loadModelFrom, readModelSource, type ModelSource } from './io/model-source.js';
export { readSafetensors, type Tensor, type SafetensorsFile } from './io/safetensors.js';
export { Vocabulary, type VocabularyOptions } from './data/vocabulary.js';
export * as tokenize from './data/tokenize.js';
export type { StateDict } from './runtime/parameter-table.js';
export * from './errors.js';
export { WebPredictor, webThreadsRefusal, type WebPredictorOptions, type WorkerLike } from './parallel/web-predictor.js';
export { servePredictions, type MessageScope } from './parallel/predict-service.js';
