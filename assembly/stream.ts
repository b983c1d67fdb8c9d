// One step of a unidirectional recurrent stack for a batch of independent streams,
// in a single call: embedding lookup → every layer's cell (state carried in place)
// → dense head → softmax. The caller lays out a descriptor of u32 words once:
//   [0] cell (StreamCell)
//   [1] B  [2] L  [3] H  [4] E  [5] C  [6] ids  [7] embedding table  [8] x scratch [B][E]
//   [9] head packed (transposed)  [10] head bias  [11] logits  [12] ones i32[B]
//   [13] gate scratch  [14] GRU hg scratch [B][3H]  [15] targets i32[B] (all −1)  [16] probs
//   [17] P: the LSTM's projection size (0 = none; h then has P floats, W = P, else W = H)
//   then per layer l, at STREAM_LAYER_BASE + STREAM_LAYER_WORDS·l: wihT, whhT (GRU: r,z
//   block), whhNT (GRU n block), bih, bhh, h state [B][W], c state [B][H] (LSTM),
//   h out [B][W], c/saved out [B][H], bias (1 = bih, bhh given; 0 = the cell has none),
//   whrT (packed W_hr, projection only), m scratch [B][H] (projection only), quantized-operand
//   block (assembly/qgemm.ts; 0 = f32 weights). [18] head row scales and [19] head scratch
//   (int8 head; 0 = f32). [20] a frozen model's folded embedding: layer 0's input
//   projection table [vocab][G·H] with its biases (src/model/freeze.ts); 0 = none, the
//   usual lookup and input GEMM.
// scripts/kernel-abi.mjs copies StreamCell and the two layout constants to TypeScript.
import { rnnForwardCore } from './rnn';
import { lstmForwardCore } from './lstm';
import { gruForwardCore } from './gru';
import { embeddingForward, embeddingProjection } from './embedding';
import { denseForward, denseForwardQ } from './dense';
import { softmaxCrossEntropyForward } from './loss';

/** The cell code a stream descriptor starts with; each cell module declares its own. */
export const enum StreamCell { RnnTanh, RnnRelu, Lstm, Gru, GruResetBefore }

export const STREAM_LAYER_BASE: i32 = 21;
export const STREAM_LAYER_WORDS: i32 = 13;

@inline function word(desc: usize, i: i32): i32 {
  return load<i32>(desc + (<usize>i << 2));
}

export function streamStep(desc: usize): void {
  const cell = word(desc, 0), B = word(desc, 1), L = word(desc, 2), H = word(desc, 3), E = word(desc, 4), C = word(desc, 5);
  const ones = <usize>word(desc, 12), gates = <usize>word(desc, 13), hg = <usize>word(desc, 14);
  const P = word(desc, 17), W = P ? P : H;
  const stateBytes = <usize>B * <usize>W << 2, cBytes = <usize>B * <usize>H << 2;
  let x = <usize>word(desc, 8);
  const folded = <usize>word(desc, 20);
  if (!folded) embeddingForward(<usize>word(desc, 6), B, E, <usize>word(desc, 7), x);
  let I = E;
  for (let l = 0; l < L; l++) {
    const p = desc + (<usize>(STREAM_LAYER_BASE + l * STREAM_LAYER_WORDS) << 2);
    const wihT = <usize>load<u32>(p), whhT = <usize>load<u32>(p, 4), whhNT = <usize>load<u32>(p, 8);
    const hasBias = load<i32>(p, 36) != 0;
    const bih = hasBias ? <usize>load<u32>(p, 12) : 0, bhh = hasBias ? <usize>load<u32>(p, 16) : 0;
    if (hasBias && (!bih || !bhh)) unreachable();
    const h = <usize>load<u32>(p, 20), c = <usize>load<u32>(p, 24), hOut = <usize>load<u32>(p, 28), cOut = <usize>load<u32>(p, 32);
    const whrT = <usize>load<u32>(p, 40), ms = <usize>load<u32>(p, 44);
    if (P && (!whrT || !ms)) unreachable();
    const q = <usize>load<u32>(p, 48);
    // Layer 0 of a frozen model: the token's table row is its input projection and biases.
    const fold = l == 0 && folded != 0 ? 1 : 0;
    if (fold) {
      const G = cell <= StreamCell.RnnRelu ? H : cell == StreamCell.Lstm ? 4 * H : 3 * H;
      embeddingProjection(<usize>word(desc, 6), 1, B, ones, 0, G, folded, cell <= StreamCell.RnnRelu ? hOut : gates);
    }
    if (cell <= StreamCell.RnnRelu) rnnForwardCore(1, B, I, H, x, wihT, whhT, bih, bhh, h, ones, cell, hOut, q, fold);
    else if (cell == StreamCell.Lstm) lstmForwardCore(1, B, I, H, x, wihT, whhT, bih, bhh, h, c, ones, gates, cOut, hOut, P, whrT, ms, q, fold);
    else gruForwardCore(1, B, I, H, x, wihT, whhT, whhNT, bih, bhh, h, ones, cell == StreamCell.GruResetBefore ? 1 : 0, gates, cOut, hOut, hg, q, fold);
    memory.copy(h, hOut, stateBytes);
    if (cell == StreamCell.Lstm) memory.copy(c, cOut, cBytes);
    x = hOut;
    I = W;
  }
  const logits = <usize>word(desc, 11);
  const headScales = <usize>word(desc, 18);
  if (headScales) denseForwardQ(B, W, C, x, <usize>word(desc, 9), headScales, <usize>word(desc, 10), logits, <usize>word(desc, 19));
  else denseForward(B, W, C, x, <usize>word(desc, 9), <usize>word(desc, 10), logits);
  softmaxCrossEntropyForward(B, C, logits, <usize>word(desc, 15), <usize>word(desc, 16));
}
