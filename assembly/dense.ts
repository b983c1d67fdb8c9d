// Dense (linear) layer over R rows: y = x · Wᵀ + b, W [Out][In] as in PyTorch's nn.Linear.
import { gemm, gemmPacked } from './gemm';
import { qgemmPacked } from './qgemm';
import { broadcastBias, addColumnSums } from './rows';

/** wPacked: W packed as a transposed B operand (packB(w, In, In, Out, 1, ·)). b = 0: no bias. */
export function denseForward(R: i32, In: i32, Out: i32, x: usize, wPacked: usize, b: usize, y: usize): void {
  if (b) broadcastBias(y, R, Out, b, 0);
  gemmPacked(R, Out, In, x, In, 1, wPacked, y, Out, b ? 1 : 0);
}

/** denseForward with int8 W (qpackB panels, wScales [Out] its row scales); scratch: qscratchBytes(In). */
export function denseForwardQ(R: i32, In: i32, Out: i32, x: usize, wPacked: usize, wScales: usize, b: usize, y: usize, scratch: usize): void {
  if (b) broadcastBias(y, R, Out, b, 0);
  qgemmPacked(R, Out, In, x, In, wPacked, wScales, y, Out, b ? 1 : 0, scratch);
}

/**
 * dW += dyᵀ · x, db += column sums of dy, dx (+)= dy · W (wPackedNN: W packed
 * untransposed; dx = 0 skips it). packScratch holds packedSize(R, In) floats.
 */
export function denseBackward(R: i32, In: i32, Out: i32, x: usize, wPackedNN: usize, dy: usize,
                              dx: usize, accumulateDx: i32, dw: usize, db: usize, packScratch: usize): void {
  gemm(1, 0, Out, In, R, dy, Out, x, In, dw, In, 1, packScratch);
  if (db) addColumnSums(dy, R, Out, db, 0);
  if (dx) gemmPacked(R, In, Out, dy, Out, 1, wPackedNN, dx, In, accumulateDx);
}
