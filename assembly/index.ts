// The ABI of rnn-wasm: pure kernels over linear memory (pointers, sizes, scalars).
// Memory layout is decided on the TypeScript side; nothing here allocates.
export { packedSize, packB, gemmPacked, gemm } from './gemm';
export { tanhArray, sigmoidArray, expArray, tanhBackwardArray } from './simd-math';
export { attentionForward, attentionBackward } from './attention';
export { broadcastBias, addColumnSums } from './rows';
export { rnnForward, rnnBackward } from './rnn';
export { lstmForward, lstmBackward } from './lstm';
export { gruForward, gruBackward } from './gru';
export { recurrentArgCount } from './recurrent-args';
export { gatherSteps, multiply, poolForward, poolBackward } from './sequence';
export { streamStep } from './stream';
export { denseForward, denseForwardQ, denseBackward } from './dense';
export { qpackB, qpackedBytes, qscratchBytes, quantizeRows, qgemmPacked, activationRange } from './qgemm';
export { embeddingForward, embeddingBackward, embeddingProjection } from './embedding';
export { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, mseForward, mseBackward } from './loss';
export { sgdStep, adamStep, rmspropStep, adagradStep, sumSquares, addInPlace, scaleInPlace, clampInPlace, hasNonFinite } from './optim';

export { heapBase } from './heap';
