// The forward-only ABI: the kernels rnn-wasm/inference's path calls (load weights,
// predict, stream, generate, translate; f32 and int8), compiled on their own into
// rnn-simd-forward.wasm so that the inference bundle carries no backward or optimizer
// kernel. Each kernel stays in its own file beside its backward; this file only picks
// (and the target defines RNN_FORWARD_ONLY, which drops gemmPacked's Aᵀ micro-kernel).
// test/forward-kernels.test.ts fails when the inference path reaches a kernel not here.
export { packedSize, packB, gemmPacked } from './gemm';
export { tanhArray } from './simd-math';
export { broadcastBias } from './rows';
export { attentionForward } from './attention';
export { rnnForward } from './rnn';
export { lstmForward } from './lstm';
export { gruForward } from './gru';
export { gatherSteps, poolForward } from './sequence';
export { streamStep } from './stream';
export { denseForward, denseForwardQ } from './dense';
export { qpackB, qpackedBytes, qscratchBytes } from './qgemm';
export { embeddingForward, embeddingProjection } from './embedding';
export { softmaxCrossEntropyForward, mseForward } from './loss';
export { hasNonFinite } from './optim';
export { heapBase } from './heap';
