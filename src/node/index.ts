// rnn-wasm/node: everything in the main entry plus Node-only helpers (files).
export * from '../index.js';
export { writeFileAtomic, saveModelFile, loadModelFile, loadModelFrom, saveCheckpointFile, loadCheckpointFile } from './files.js';
