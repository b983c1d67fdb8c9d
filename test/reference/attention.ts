// Float64 reference of attention (Luong dot / general, Bahdanau additive) and of the
// attentional encoder–decoder built on it, written from the papers' equations
// (Luong et al., 2015, input feeding; Bahdanau et al., 2015, the additive score),
// independently of the kernels: loops, no GEMMs, no shared code with src/.
import { stackForwardRef } from './stack.js';
import { embeddingRef, denseRef, softmaxCrossEntropyRef } from './layers.js';
import type { RnnWeights } from './rnn.js';

export type AttentionKindRef = 'dot' | 'general' | 'bahdanau';

/** y = W x for one vector (W [rows][cols]). */
function matvec(W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[i] += W[i * cols + j] * x[j];
  return y;
}

/**
 * The raw attention of the kernel: q [B][K], keys [S][B][K], values [S][B][V]; kind 'dot'
 * scores q · k, 'additive' scores v · tanh(q + k). Weights [B][S] (0 past each length), ctx [B][V].
 */
export function attentionScoresRef(kind: 'dot' | 'additive', B: number, S: number, K: number, V: number, q: ArrayLike<number>,
                                   keys: ArrayLike<number>, v: ArrayLike<number> | null, values: ArrayLike<number>, lengths: number[]) {
  const weights = new Float64Array(B * S), ctx = new Float64Array(B * V);
  for (let b = 0; b < B; b++) {
    const len = Math.min(lengths[b], S), e = new Float64Array(len);
    for (let s = 0; s < len; s++) {
      for (let j = 0; j < K; j++) {
        const qk = q[b * K + j], kk = keys[(s * B + b) * K + j];
        e[s] += kind === 'dot' ? qk * kk : v![j] * Math.tanh(qk + kk);
      }
    }
    const mx = Math.max(...e);
    let sum = 0;
    for (let s = 0; s < len; s++) sum += Math.exp(e[s] - mx);
    for (let s = 0; s < len; s++) {
      const a = Math.exp(e[s] - mx) / sum;
      weights[b * S + s] = a;
      for (let j = 0; j < V; j++) ctx[b * V + j] += a * values[(s * B + b) * V + j];
    }
  }
  return { weights, ctx };
}

/** The attention parameters by their model names (without the 'attention.' prefix). */
export interface AttentionParamsRef {
  weight?: ArrayLike<number>;
  key_weight?: ArrayLike<number>;
  query_weight?: ArrayLike<number>;
  v?: ArrayLike<number>;
  out_weight: ArrayLike<number>;
}

/** One decoder step: h [B][H] over enc [S][B][H] → weights [B][S] and h̃ = tanh(W_c [c; h]) [B][H]. */
export function attentionStepRef(kind: AttentionKindRef, B: number, S: number, H: number, h: ArrayLike<number>, enc: ArrayLike<number>,
                                 lengths: number[], p: AttentionParamsRef) {
  const weights = new Float64Array(B * S), out = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    const hb = Array.from({ length: H }, (_, j) => h[b * H + j]);
    const len = Math.min(lengths[b], S), e = new Float64Array(len);
    const q = kind === 'bahdanau' ? matvec(p.query_weight!, H, H, hb) : hb;
    for (let s = 0; s < len; s++) {
      const hs = Array.from({ length: H }, (_, j) => enc[(s * B + b) * H + j]);
      if (kind === 'dot') for (let j = 0; j < H; j++) e[s] += hb[j] * hs[j];
      if (kind === 'general') { const k = matvec(p.weight!, H, H, hs); for (let j = 0; j < H; j++) e[s] += hb[j] * k[j]; }
      if (kind === 'bahdanau') { const k = matvec(p.key_weight!, H, H, hs); for (let j = 0; j < H; j++) e[s] += p.v![j] * Math.tanh(q[j] + k[j]); }
    }
    const mx = Math.max(...e);
    let sum = 0;
    for (let s = 0; s < len; s++) sum += Math.exp(e[s] - mx);
    const c = new Float64Array(H);
    for (let s = 0; s < len; s++) {
      const a = Math.exp(e[s] - mx) / sum;
      weights[b * S + s] = a;
      for (let j = 0; j < H; j++) c[j] += a * enc[(s * B + b) * H + j];
    }
    const pre = matvec(p.out_weight, H, 2 * H, [...c, ...hb]);
    for (let j = 0; j < H; j++) out[b * H + j] = Math.tanh(pre[j]);
  }
  return { weights, out };
}

export interface Seq2SeqAttentionRefSpec {
  cell: 'lstm' | 'gru';
  kind: AttentionKindRef;
  bidirectional: boolean;
  E: number; H: number; L: number; Vt: number;
  bos: number; eos: number;
}

/**
 * Dropout multipliers (0 or 1/(1 − rate)), time-major; each one absent = no dropout there.
 * srcEmb [S][B][E], encoder[l] [S][B][H] (layer l's output, l < L − 1), tgtEmb [T][B][E],
 * decoder[l] [T][B][H], out (h̃, fed to the head and to the next step) [T][B][H].
 */
export interface Seq2SeqMasksRef {
  srcEmb?: ArrayLike<number>;
  encoder?: (ArrayLike<number> | undefined)[];
  tgtEmb?: ArrayLike<number>;
  decoder?: (ArrayLike<number> | undefined)[];
  out?: ArrayLike<number>;
}

/** x ⊙ mask[offset …] (a copy), or x itself without a mask. */
function masked(x: Float64Array, mask: ArrayLike<number> | undefined, offset = 0): Float64Array {
  return mask ? x.map((v, i) => v * mask[offset + i]) : x;
}

/**
 * The teacher-forced mean loss of the attentional encoder–decoder, from a state dict
 * (float64 copies): encoder (bidirectional: H/2 per direction, concatenated, final
 * states concatenated per layer), then the decoder step by step with input feeding;
 * with `masks`, dropout at the places the masks name.
 */
export function seq2seqAttentionLossRef(spec: Seq2SeqAttentionRefSpec, p: Record<string, Float64Array>, inputs: number[][], targets: number[][],
                                        masks: Seq2SeqMasksRef = {}) {
  const { cell, kind, E, H, L, Vt } = spec, B = inputs.length;
  const D = spec.bidirectional ? 2 : 1, He = H / D;
  const weights = (pre: string, d: number) => Array.from({ length: L * d }, (_, i) => {
    const sfx = `_l${Math.floor(i / d)}${i % d ? '_reverse' : ''}`;
    return { wih: p[`${pre}.weight_ih${sfx}`], whh: p[`${pre}.weight_hh${sfx}`], bih: p[`${pre}.bias_ih${sfx}`], bhh: p[`${pre}.bias_hh${sfx}`] } as RnnWeights;
  });
  const S = Math.max(...inputs.map((s) => s.length)), srcIds: number[] = [];
  for (let t = 0; t < S; t++) for (const s of inputs) srcIds.push(s[t] ?? 0);
  const lengths = inputs.map((s) => s.length);
  const srcEmb = masked(embeddingRef(srcIds, E, p['encoder_embedding.weight']), masks.srcEmb);
  const enc = stackForwardRef({ cell, T: S, B, I: E, H: He, L, D, merge: 'concat' }, srcEmb, weights('encoder', D), lengths, null, null, masks.encoder ?? []);
  // Decoder initial states [L][B][H]: each layer's directions side by side.
  const join = (st: Float64Array) => {
    const o = new Float64Array(L * B * H);
    for (let l = 0; l < L; l++) for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) for (let j = 0; j < He; j++) o[(l * B + b) * H + d * He + j] = st[((l * D + d) * B + b) * He + j];
    return o;
  };
  let h = join(enc.hn), c: Float64Array | null = cell === 'lstm' ? join(enc.cn) : null;
  const att: AttentionParamsRef = {
    weight: p['attention.weight'], key_weight: p['attention.key_weight'], query_weight: p['attention.query_weight'], v: p['attention.v'], out_weight: p['attention.out_weight'],
  };
  const decIn = targets.map((t) => [spec.bos, ...t]), labels = targets.map((t) => [...t, spec.eos]);
  const T = Math.max(...decIn.map((s) => s.length));
  let prev = new Float64Array(B * H);
  let lossSum = 0, count = 0;
  const stepWeights: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const ids = decIn.map((s) => s[t] ?? 0), emb = masked(embeddingRef(ids, E, p['decoder_embedding.weight']), masks.tgtEmb, t * B * E);
    const x = new Float64Array(B * (E + H));
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < E; j++) x[b * (E + H) + j] = emb[b * E + j];
      for (let j = 0; j < H; j++) x[b * (E + H) + E + j] = prev[b * H + j];
    }
    const stepMasks = (masks.decoder ?? []).map((m) => (m ? Array.from({ length: B * H }, (_, i) => m[t * B * H + i]) : undefined));
    const step = stackForwardRef({ cell, T: 1, B, I: E + H, H, L, D: 1, merge: 'concat' }, x, weights('decoder', 1), Array(B).fill(1), h, c, stepMasks);
    h = step.hn;
    c = cell === 'lstm' ? step.cn : null;
    const top = step.output; // the last layer's h_t [B][H]
    const a = attentionStepRef(kind, B, S, H, top, enc.output, lengths, att);
    stepWeights.push(a.weights);
    prev = masked(a.out, masks.out, t * B * H);
    const logits = denseRef(B, H, Vt, prev, p['head.weight'], p['head.bias']);
    const tg = labels.map((l) => (t < l.length ? l[t] : -1));
    lossSum += softmaxCrossEntropyRef(B, Vt, logits, tg);
    count += tg.filter((v) => v >= 0).length;
  }
  return { loss: lossSum / count, weights: stepWeights, encoderOutput: enc.output };
}
