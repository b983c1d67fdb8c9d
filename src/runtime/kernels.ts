// The wasm ABI (assembly/index.ts) as TypeScript sees it: pointers are byte offsets
// into the module's memory, flags are 0/1.
type Ptr = number;

export interface Kernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  packedSize(K: number, N: number): number;
  packB(b: Ptr, ldb: number, K: number, N: number, transB: number, dst: Ptr): void;
  gemmPacked(M: number, N: number, K: number, a: Ptr, sai: number, sak: number,
             bPacked: Ptr, c: Ptr, ldc: number, accumulate: number): void;
  gemm(transA: number, transB: number, M: number, N: number, K: number, a: Ptr, lda: number,
       b: Ptr, ldb: number, c: Ptr, ldc: number, accumulate: number, scratch: Ptr): void;
  tanhArray(x: Ptr, y: Ptr, n: number): void;
  sigmoidArray(x: Ptr, y: Ptr, n: number): void;
  expArray(x: Ptr, y: Ptr, n: number): void;
  broadcastBias(dst: Ptr, rows: number, cols: number, b1: Ptr, b2: Ptr): void;
  addColumnSums(src: Ptr, rows: number, cols: number, dst: Ptr, dst2: Ptr): void;
  rnnForward(T: number, B: number, I: number, H: number, x: Ptr, wihPacked: Ptr, whhPacked: Ptr,
             bih: Ptr, bhh: Ptr, h0: Ptr, lengths: Ptr, act: number, hs: Ptr): void;
  rnnBackward(T: number, B: number, I: number, H: number, x: Ptr, wihPackedNN: Ptr, whhPackedNN: Ptr,
              h0: Ptr, lengths: Ptr, act: number, hs: Ptr, dhs: Ptr, dhLast: Ptr,
              dx: Ptr, dwih: Ptr, dwhh: Ptr, dbih: Ptr, dbhh: Ptr, dh0: Ptr,
              dz: Ptr, dhCur: Ptr, carry: Ptr, packScratch: Ptr): void;
  lstmForward(T: number, B: number, I: number, H: number, x: Ptr, wihPacked: Ptr, whhPacked: Ptr,
              bih: Ptr, bhh: Ptr, h0: Ptr, c0: Ptr, lengths: Ptr, gates: Ptr, cs: Ptr, hs: Ptr): void;
  lstmBackward(T: number, B: number, I: number, H: number, x: Ptr, wihPackedNN: Ptr, whhPackedNN: Ptr,
               h0: Ptr, c0: Ptr, lengths: Ptr, gates: Ptr, cs: Ptr, hs: Ptr, dhs: Ptr, dhLast: Ptr, dcLast: Ptr,
               dx: Ptr, dwih: Ptr, dwhh: Ptr, dbih: Ptr, dbhh: Ptr, dh0: Ptr, dc0: Ptr,
               dz: Ptr, dhCur: Ptr, carryH: Ptr, carryC: Ptr, packScratch: Ptr): void;
  gruForward(T: number, B: number, I: number, H: number, x: Ptr, wihPacked: Ptr, whhRZPacked: Ptr, whhNPacked: Ptr,
             bih: Ptr, bhh: Ptr, h0: Ptr, lengths: Ptr, resetBefore: number, gates: Ptr, saved: Ptr, hs: Ptr, hg: Ptr): void;
  gruBackward(T: number, B: number, I: number, H: number, x: Ptr, wihPackedNN: Ptr, whhRZPackedNN: Ptr, whhNPackedNN: Ptr,
              h0: Ptr, lengths: Ptr, resetBefore: number, gates: Ptr, saved: Ptr, hs: Ptr, dhs: Ptr, dhLast: Ptr,
              dx: Ptr, dwih: Ptr, dwhh: Ptr, dbih: Ptr, dbhh: Ptr, dh0: Ptr,
              dxg: Ptr, dhg: Ptr, dhCur: Ptr, carry: Ptr, drh: Ptr, packScratch: Ptr): void;
  gatherSteps(src: Ptr, srcStride: number, dst: Ptr, dstStride: number, width: number, T: number, B: number,
              lengths: Ptr, reverse: number, scale: number, accumulate: number): void;
  streamStep(descriptor: Ptr): void;
  multiply(a: Ptr, b: Ptr, dst: Ptr, n: number): void;
  poolForward(mode: number, T: number, B: number, F: number, x: Ptr, lengths: Ptr, out: Ptr, argmax: Ptr): void;
  poolBackward(mode: number, T: number, B: number, F: number, dout: Ptr, lengths: Ptr, argmax: Ptr, dx: Ptr): void;
  denseForward(R: number, In: number, Out: number, x: Ptr, wPacked: Ptr, b: Ptr, y: Ptr): void;
  denseBackward(R: number, In: number, Out: number, x: Ptr, wPackedNN: Ptr, dy: Ptr,
                dx: Ptr, accumulateDx: number, dw: Ptr, db: Ptr, packScratch: Ptr): void;
  embeddingForward(ids: Ptr, R: number, D: number, table: Ptr, out: Ptr): void;
  embeddingBackward(ids: Ptr, R: number, D: number, dout: Ptr, dtable: Ptr): void;
  softmaxCrossEntropyForward(R: number, C: number, logits: Ptr, targets: Ptr, probs: Ptr): number;
  softmaxCrossEntropyBackward(R: number, C: number, probs: Ptr, targets: Ptr, scale: number, dlogits: Ptr): void;
  mseForward(R: number, C: number, y: Ptr, target: Ptr, mask: Ptr): number;
  mseBackward(R: number, C: number, y: Ptr, target: Ptr, mask: Ptr, scale: number, dy: Ptr): void;
  sgdStep(p: Ptr, g: Ptr, buf: Ptr, n: number, lr: number, momentum: number, dampening: number,
          weightDecay: number, nesterov: number, first: number): void;
  adamStep(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number,
           eps: number, weightDecay: number, decoupled: number, bc1: number, bc2Sqrt: number): void;
  rmspropStep(p: Ptr, g: Ptr, v: Ptr, m: Ptr, buf: Ptr, n: number, lr: number, alpha: number, eps: number,
              weightDecay: number, momentum: number): void;
  adagradStep(p: Ptr, g: Ptr, sum: Ptr, n: number, clr: number, eps: number, weightDecay: number): void;
  sumSquares(x: Ptr, n: number): number;
  addInPlace(x: Ptr, y: Ptr, n: number): void;
  scaleInPlace(x: Ptr, n: number, s: number): void;
  clampInPlace(x: Ptr, n: number, lo: number, hi: number): void;
  hasNonFinite(x: Ptr, n: number): number;
}
