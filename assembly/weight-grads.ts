// The part of backpropagation through time shared by the Elman and LSTM cells: once
// the reverse loop has produced dz [T][B][G] (gradients of the gate pre-activations),
// every weight gradient is one big GEMM or reduction over all T·B rows
// (docs/ARCHITECTURE.md, Backward through time); dbih = 0: the cell has no biases.
//   dW_ih += dzᵀ·X,  dW_hh += dz[1..]ᵀ·H[..T−2] (+ dz[0]ᵀ·h0),  db_ih, db_hh += Σ dz,
//   dX += dz·W_ih.
import { gemm, gemmPacked } from './gemm';
import { addColumnSums } from './rows';

@inline export function accumulateWeightGradients(T: i32, B: i32, I: i32, H: i32, G: i32,
                                                  dz: usize, x: usize, hs: usize, h0: usize, wihPackedNN: usize,
                                                  dx: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize,
                                                  packScratch: usize): void {
  gemm(1, 0, G, I, T * B, dz, G, x, I, dwih, I, 1, packScratch);
  if (T > 1) gemm(1, 0, G, H, (T - 1) * B, dz + (<usize>(B * G) << 2), G, hs, H, dwhh, H, 1, packScratch);
  if (h0) gemm(1, 0, G, H, B, dz, G, h0, H, dwhh, H, 1, packScratch);
  if (dbih) addColumnSums(dz, T * B, G, dbih, dbhh);
  if (dx) gemmPacked(T * B, I, G, dz, G, 1, wihPackedNN, dx, I, 1);
}
