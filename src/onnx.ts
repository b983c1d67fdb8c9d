// rnn-wasm/onnx: the ONNX export and import. Its own entry because it needs the
// optional peer onnx-proto (the ONNX schema for protobufjs): importing rnn-wasm or
// rnn-wasm/inference never loads it.
export { exportOnnx, ONNX_OPSET, ONNX_IR_VERSION, type OnnxExportOptions } from './io/onnx-export.js';
export { importOnnx, type ImportOnnxOptions } from './io/onnx-import.js';
