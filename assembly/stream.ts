// One step of a unidirectional recurrent stack for a batch of independent streams,
// in a single call: embedding lookup → every layer's cell (state carried in place)
// → dense head → softmax. The caller lays out a descriptor of i32 words once:
//   [0] cell (0 rnn tanh, 1 rnn relu, 2 lstm, 3 gru, 4 gru reset-before)
//   [1] B  [2] L  [3] H  [4] E  [5] C  [6] ids  [7] embedding table  [8] x scratch [B][E]
//   [9] head packed (transposed)  [10] head bias  [11] logits  [12] ones i32[B]
//   [13] gate scratch  [14] GRU hg scratch [B][3H]  [15] targets i32[B] (all −1)  [16] probs
//   then per layer l, at 17 + 9·l: wihT, whhT (GRU: r,z block), whhNT (GRU n block),
//   bih, bhh, h state [B][H], c state [B][H] (LSTM), h out [B][H], c/saved out [B][H].
import { rnnForward } from './rnn';
import { lstmForward } from './lstm';
import { gruForward } from './gru';
import { embeddingForward } from './embedding';
import { denseForward } from './dense';
import { softmaxCrossEntropyForward } from './loss';

const LAYER_BASE: i32 = 17;
const LAYER_WORDS: i32 = 9;

@inline function word(desc: usize, i: i32): i32 {
  return load<i32>(desc + (<usize>i << 2));
}

export function streamStep(desc: usize): void {
  const cell = word(desc, 0), B = word(desc, 1), L = word(desc, 2), H = word(desc, 3), E = word(desc, 4), C = word(desc, 5);
  const ones = <usize>word(desc, 12), gates = <usize>word(desc, 13), hg = <usize>word(desc, 14);
  const stateBytes = <usize>B * <usize>H << 2;
  let x = <usize>word(desc, 8);
  embeddingForward(<usize>word(desc, 6), B, E, <usize>word(desc, 7), x);
  let I = E;
  for (let l = 0; l < L; l++) {
    const p = desc + (<usize>(LAYER_BASE + l * LAYER_WORDS) << 2);
    const wihT = <usize>load<i32>(p), whhT = <usize>load<i32>(p, 4), whhNT = <usize>load<i32>(p, 8);
    const bih = <usize>load<i32>(p, 12), bhh = <usize>load<i32>(p, 16);
    const h = <usize>load<i32>(p, 20), c = <usize>load<i32>(p, 24), hOut = <usize>load<i32>(p, 28), cOut = <usize>load<i32>(p, 32);
    if (cell <= 1) rnnForward(1, B, I, H, x, wihT, whhT, bih, bhh, h, ones, cell, hOut);
    else if (cell == 2) lstmForward(1, B, I, H, x, wihT, whhT, bih, bhh, h, c, ones, gates, cOut, hOut);
    else gruForward(1, B, I, H, x, wihT, whhT, whhNT, bih, bhh, h, ones, cell == 4 ? 1 : 0, gates, cOut, hOut, hg);
    memory.copy(h, hOut, stateBytes);
    if (cell == 2) memory.copy(c, cOut, stateBytes);
    x = hOut;
    I = H;
  }
  const logits = <usize>word(desc, 11);
  denseForward(B, H, C, x, <usize>word(desc, 9), <usize>word(desc, 10), logits);
  softmaxCrossEntropyForward(B, C, logits, <usize>word(desc, 15), <usize>word(desc, 16));
}
