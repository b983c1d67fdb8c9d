// rnn-wasm/node: everything in the main entry plus Node-only helpers (files, threads for training and batch inference).
export * from '../index.js';
export { writeFileAtomic, saveModelFile, loadModelFile, loadModelFrom, saveCheckpointFile, loadCheckpointFile } from './files.js';
export { ParallelTrainer, defaultThreads, type ParallelOptions, type StepTimings } from './parallel-trainer.js';
// Shadows the core fit: the same loop, plus `threads`.
export { fit, type ParallelFitOptions } from './parallel-fit.js';
export { ParallelPredictor, predict, type PredictorOptions } from './parallel-predictor.js';
