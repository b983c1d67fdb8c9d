// Encoder–decoder (sequence to sequence): the encoder reads the source; its final
// states (every layer's h, and c for LSTM) initialise the decoder, which is trained
// with teacher forcing (input: BOS + target, labels: target + EOS) and decodes
// greedily or by beam search. Parameter names: encoder_embedding.*, encoder.*,
// decoder_embedding.*, decoder.*, head.*.
import type { Runtime } from '../runtime/runtime.js';
import { Workspace } from '../runtime/workspace.js';
import { ParameterizedModel } from './parameterized.js';
import { check } from '../config/schema.js';
import { seq2seqSchema } from '../config/layer-schemas.js';
import { modelFootprint, requireMemory } from '../config/footprint.js';
import { Embedding, Dense, RecurrentLayer, type Context } from '../layers/index.js';
import { Dropout } from '../layers/dropout.js';
import { fillDropoutMask } from '../layers/dropout-mask.js';
import { Attention } from '../layers/attention.js';
import type { CellType } from '../layers/recurrent.js';
import { packTokenSequences, packStepLabels } from '../data/pack.js';
import { Rng } from '../random.js';
import { ConfigError, NonFiniteError, ShapeError, TokenIdError } from '../errors.js';
import { gradNorm } from '../optim/clip.js';
import { requireOptimizer, type Optimizer } from '../optim/optimizer.js';
import type { Evaluation, StepOptions, StepResult, Trainable, TrainBatch } from './trainable.js';
import type { DataParallel, SplitBatch } from './data-parallel.js';
import { balancedCuts } from '../data/packed-batch.js';

export interface Seq2SeqConfig {
  sourceVocabSize: number;
  targetVocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  cell?: CellType;
  numLayers?: number;
  /** Dropout between recurrent layers, in training. */
  dropout?: number;
  /** Dropout on the source and target embeddings' outputs, in training (OpenNMT's embedding dropout). */
  embeddingDropout?: number;
  /**
   * Dropout on the decoder's output before the head, in training: with attention on h̃,
   * so the dropped h̃ is also what input feeding passes to the next step (as OpenNMT).
   */
  outputDropout?: number;
  /** Target-vocabulary ids of the start and end tokens. */
  bos: number;
  eos: number;
  seed?: number;
  maxLength?: number;
  /**
   * Attention over the encoder outputs, with input feeding: Luong's 'dot' or 'general'
   * score, or the additive ('bahdanau') one. 'none' (the default): the plain encoder–decoder.
   */
  attention?: 'none' | 'dot' | 'general' | 'bahdanau';
  /** A bidirectional encoder (hiddenSize / 2 units per direction, concatenated; hiddenSize must be even). */
  bidirectional?: boolean;
}

/** Source and target token-id sequences, one pair per example. */
export interface Seq2SeqBatch {
  inputs: number[][];
  targets: number[][];
}

export interface Seq2SeqJSON {
  format: 'rnn-wasm/seq2seq';
  version: 1;
  config: Required<Seq2SeqConfig>;
}

export interface BeamOptions {
  beamSize?: number;
  maxLength?: number;
  /** Scores are log p / length^lengthPenalty (0: plain log-probability; GNMT uses 0.6). */
  lengthPenalty?: number;
}

/** translate's options; returnAttention (attention models only) adds the weights. */
export interface TranslateOptions extends BeamOptions {
  returnAttention?: boolean;
}

/** translate(…, { returnAttention: true }): the tokens and, per source, one row of weights over its positions per returned token. */
export interface Translation {
  tokens: number[][];
  /** attention[i][j][s]: the weight of source position s when token j of translation i was chosen. */
  attention: number[][][];
}

export class Seq2Seq extends ParameterizedModel implements Trainable, DataParallel<Seq2SeqBatch> {
  readonly config: Required<Seq2SeqConfig>;
  /** The RNG behind dropout (its state goes into checkpoints). */
  readonly rng: Rng;
  private readonly encEmb: Embedding;
  private readonly encoder: RecurrentLayer;
  private readonly decEmb: Embedding;
  private readonly decoder: RecurrentLayer;
  private readonly head: Dense;
  private readonly attention?: Attention;
  private readonly srcDrop: Dropout;
  private readonly tgtDrop: Dropout;
  /** The plain decoder's output dropout (attention models drop h̃ in attentiveForward, one mask per step). */
  private readonly outDrop: Dropout;
  private readonly ws: Workspace;

  constructor(rt: Runtime, config: Seq2SeqConfig) {
    super(rt);
    try {
      rt = this.owned; // parts allocate through the model's ledger
      const c = (this.config = { cell: 'lstm', numLayers: 1, dropout: 0, embeddingDropout: 0, outputDropout: 0, seed: 0, maxLength: 4096, attention: 'none', bidirectional: false, ...check<Seq2SeqConfig>(seq2seqSchema, config, 'seq2seq') } as Required<Seq2SeqConfig>);
      if (c.bidirectional && c.hiddenSize % 2) {
        throw new ConfigError(`hiddenSize = ${c.hiddenSize} is invalid with bidirectional: true: expected an even size (hiddenSize / 2 units per direction, concatenated)`);
      }
      for (const k of ['bos', 'eos'] as const) {
        if (!Number.isInteger(c[k]) || c[k] < 0 || c[k] >= c.targetVocabSize) throw new ConfigError(`${k} = ${c[k]} is invalid: expected a target token id in [0, ${c.targetVocabSize})`);
      }
      const rec = { cell: c.cell, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout };
      this.encEmb = Object.assign(new Embedding({ vocabSize: c.sourceVocabSize, dim: c.embeddingDim }), { name: 'encoder_embedding' });
      this.encoder = Object.assign(new RecurrentLayer(c.bidirectional ? { ...rec, hiddenSize: c.hiddenSize / 2, bidirectional: true } : rec), { name: 'encoder' });
      this.decEmb = Object.assign(new Embedding({ vocabSize: c.targetVocabSize, dim: c.embeddingDim }), { name: 'decoder_embedding' });
      this.decoder = Object.assign(new RecurrentLayer(rec), { name: 'decoder' });
      this.head = Object.assign(new Dense({ units: c.targetVocabSize }), { name: 'head' });
      const tokens = { seq: true, features: 1, tokens: true };
      const enc = modelFootprint([this.encEmb.spec(), this.encoder.spec()], tokens);
      const dec = modelFootprint([this.decEmb.spec(), this.decoder.spec(), this.head.spec()], tokens);
      const H = c.hiddenSize, att = c.attention === 'none' ? 0 : 2 * H * H + (c.attention === 'general' ? H * H : c.attention === 'bahdanau' ? 2 * H * H + H : 0);
      requireMemory(rt, { params: enc.params + dec.params + att, packed: enc.packed + dec.packed + 2 * att, bytes: enc.bytes + dec.bytes }, 'this seq2seq model');
      this.srcDrop = Object.assign(new Dropout({ rate: c.embeddingDropout }), { name: 'encoder_embedding_dropout' });
      this.tgtDrop = Object.assign(new Dropout({ rate: c.embeddingDropout }), { name: 'decoder_embedding_dropout' });
      this.outDrop = Object.assign(new Dropout({ rate: c.outputDropout }), { name: 'decoder_output_dropout' });
      this.encoder.build(rt, this.srcDrop.build(rt, this.encEmb.build(rt, tokens, this.table)), this.table);
      const emb = this.tgtDrop.build(rt, this.decEmb.build(rt, tokens, this.table));
      // Input feeding: the decoder reads [embedding; h̃ of the previous step].
      this.head.build(rt, this.outDrop.build(rt, this.decoder.build(rt, c.attention === 'none' ? emb : { ...emb, features: emb.features + H }, this.table)), this.table);
      if (c.attention !== 'none') this.attention = new Attention(rt, c.attention, H, this.table);
      this.allocateParameters();
      this.ws = new Workspace(rt.planner);
      this.rng = new Rng(c.seed);
      for (const l of this.layers) l.initialise(this.params.f32(), this.rng);
      this.attention?.initialise(this.params.f32(), this.rng);
    } catch (e) {
      this.abandon(e); // frees whatever was allocated before the failure
    }
  }

  private get layers() {
    return [this.encEmb, this.encoder, this.decEmb, this.decoder, this.head];
  }

  private refresh(): void {
    this.checkAlive();
    if (!this.packedDirty) return;
    for (const l of this.layers) l.pack(this.params);
    this.attention?.pack(this.params);
    this.packedDirty = false;
  }

  private ctx(T: number, B: number, lengths: number, training: boolean, rng = this.rng): Context {
    return { T, B, lengths, training, rng, params: this.params, grads: this.grads };
  }

  /** Runs the encoder; returns its context and the final-state pointers. */
  private encode(sources: unknown, training: boolean, slot: { ids: number; lengths: number }, rng = this.rng) {
    const seq = packTokenSequences(sources, this.config.sourceVocabSize, this.config.maxLength, 'sources');
    this.rt.i32(slot.ids, seq.T * seq.B).set(seq.ids);
    this.rt.i32(slot.lengths, seq.B).set(seq.lengths);
    const ctx = this.ctx(seq.T, seq.B, slot.lengths, training, rng);
    const out = this.encoder.forward(ctx, this.srcDrop.forward(ctx, this.encEmb.forward(ctx, { ptr: slot.ids, seq: true, features: 1 })));
    return { ctx, out: out.ptr, S: seq.T, states: { h: this.encoder.finalStates.hn, c: this.encoder.finalStates.cn }, B: seq.B };
  }

  /**
   * The decoder's initial states [L][B][H] from the encoder's final states: a copy, or
   * for a bidirectional encoder each layer's two directions concatenated
   * (back: the same moves from dh0 / dc0 to the encoder's dhn / dcn).
   */
  private bridge(encStates: number, decStates: number, B: number, ones: number, back: boolean): void {
    const { numLayers: L, hiddenSize: H } = this.config;
    if (!this.config.bidirectional) {
      const n = L * B * H;
      if (back) this.rt.f32(encStates, n).set(this.rt.f32(decStates, n));
      else this.rt.f32(decStates, n).set(this.rt.f32(encStates, n));
      return;
    }
    const h = H / 2, k = this.rt.kernels;
    this.rt.i32(ones, B).fill(1);
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < 2; d++) {
        const e = encStates + (l * 2 + d) * B * h * 4, dd = decStates + (l * B * H + d * h) * 4;
        if (back) k.gatherSteps(dd, H, e, h, h, 1, B, ones, 0, 1, 0);
        else k.gatherSteps(e, h, dd, H, h, 1, B, ones, 0, 1, 0);
      }
    }
  }

  private stateSize(B: number): number {
    return this.config.numLayers * B * this.config.hiddenSize;
  }

  /** Teacher-forced forward (input BOS + target, labels target + EOS): the loss sum over the labels, and what backward needs. */
  private teacherForced(batch: Seq2SeqBatch, training: boolean, rng = this.rng) {
    this.refresh();
    this.checkTargets(batch);
    const { targetVocabSize: V, bos, eos, maxLength, embeddingDim: E, hiddenSize: H } = this.config;
    const decIn = batch.targets.map((t) => [bos, ...t]);
    const decOut = batch.targets.map((t) => [...t, eos]);
    const dec = packTokenSequences(decIn, V, maxLength + 1, 'targets');
    const labels = packStepLabels(decOut, { ...dec }, V);
    const B = dec.B, R = dec.T * B, att = this.attention ? 1 : 0;
    const s = this.ws.layout({
      srcIds: this.config.maxLength * B, srcLengths: B, ids: R, lengths: B, targets: R, probs: R * V, dlogits: R * V,
      h0: this.stateSize(B), c0: this.stateSize(B), dhn: this.stateSize(B), dcn: this.stateSize(B), ones: B,
      xin: att * R * (E + H), demb: att * R * E,
      outMask: att && training && this.config.outputDropout > 0 ? 2 * R * H : 0,
    });
    const enc = this.encode(batch.inputs, training, { ids: s.srcIds, lengths: s.srcLengths }, rng);
    this.rt.i32(s.ids, R).set(dec.ids);
    this.rt.i32(s.lengths, B).set(dec.lengths);
    this.rt.i32(s.targets, R).set(labels);
    // Copy the encoder's final states: the decoder's backward reads them after the encoder's workspace is reused.
    this.bridge(enc.states.h, s.h0, B, s.ones, false);
    if (enc.states.c) this.bridge(enc.states.c, s.c0, B, s.ones, false);
    const dctx = this.ctx(dec.T, B, s.lengths, training, rng);
    let logits: number;
    if (this.attention) {
      logits = this.attentiveForward(dctx, s, enc, enc.states.c ? s.c0 : 0);
    } else {
      this.decoder.initialStates = { h: s.h0, c: enc.states.c ? s.c0 : 0 };
      const dec = this.decoder.forward(dctx, this.tgtDrop.forward(dctx, this.decEmb.forward(dctx, { ptr: s.ids, seq: true, features: 1 })));
      logits = this.head.forward(dctx, this.outDrop.forward(dctx, dec)).ptr;
      if (!training) this.decoder.initialStates = undefined;
    }
    const lossSum = this.rt.kernels.softmaxCrossEntropyForward(R, V, logits, s.targets, s.probs);
    let count = 0;
    for (const l of dec.lengths) count += l;
    if (!Number.isFinite(lossSum)) throw new NonFiniteError(`the loss is ${lossSum} (non-finite): the parameters were not updated`);
    return { lossSum, count, labels, R, s, enc, dctx };
  }

  /**
   * The attentional decoder, step by step over all rows (input feeding makes step t's
   * input depend on step t − 1's h̃); returns the head's logits [T][B][V]. Dropout masks
   * are drawn in this order: source embeddings [S][B][E] and the encoder's between-layer
   * ones (encode), target embeddings [T][B][E], the decoder's between-layer ones
   * (beginSteps), h̃ [T][B][H] (s.outMask: the mask, then the dropped h̃).
   */
  private attentiveForward(dctx: Context, s: Record<string, number>, enc: { out: number; S: number }, c0: number): number {
    const { embeddingDim: E, hiddenSize: H } = this.config, { T, B } = dctx, k = this.rt.kernels, att = this.attention!;
    const emb = this.tgtDrop.forward(dctx, this.decEmb.forward(dctx, { ptr: s.ids, seq: true, features: 1 }));
    this.rt.f32(s.xin, T * B * (E + H)).fill(0); // h̃ of the step before the first is zero
    k.gatherSteps(emb.ptr, E, s.xin, E + H, E, T, B, s.lengths, 0, 1, 0);
    this.rt.i32(s.ones, B).fill(1);
    att.begin(T, B, enc.S, enc.out, s.srcLengths);
    this.decoder.core.beginSteps(T, B, s.h0, c0, dctx.training, dctx.rng);
    const drop = dctx.training && this.config.outputDropout > 0, mask = s.outMask, dropped = s.outMask + T * B * H * 4;
    if (drop) fillDropoutMask(this.rt.f32(mask, T * B * H), this.config.outputDropout, dctx.rng);
    let prev = 0;
    for (let t = 0; t < T; t++) {
      const x = s.xin + t * B * (E + H) * 4;
      if (t) k.gatherSteps(prev, H, x + E * 4, E + H, H, 1, B, s.ones, 0, 1, 0);
      prev = att.forwardStep(t, this.decoder.core.forwardStep(t, x, this.params), this.params);
      if (drop) {
        k.multiply(prev, mask + t * B * H * 4, dropped + t * B * H * 4, B * H);
        prev = dropped + t * B * H * 4;
      }
    }
    return this.head.forward(dctx, { ptr: drop ? dropped : att.outputs, seq: true, features: H }).ptr;
  }

  /** Backward of attentiveForward from dlogits: the decoder's steps in reverse, then the encoder. */
  private attentiveBackward(dctx: Context, s: Record<string, number>, enc: { ctx: Context; states: { c: number } }): void {
    const { embeddingDim: E, hiddenSize: H } = this.config, { T, B } = dctx, k = this.rt.kernels, att = this.attention!;
    const dOut = this.head.backward(dctx, s.dlogits); // dh̃ [T][B][H]
    const drop = this.config.outputDropout > 0; // the backward follows a training forward
    att.beginBackward();
    let dx = 0;
    for (let t = T - 1; t >= 0; t--) {
      const d = dOut + t * B * H * 4;
      if (dx) k.gatherSteps(dx + E * 4, E + H, d, H, H, 1, B, s.ones, 0, 1, 1); // h̃_t fed step t + 1
      if (drop) k.multiply(d, s.outMask + t * B * H * 4, d, B * H); // both uses read the dropped h̃_t
      dx = this.decoder.core.backwardStep(t, att.backwardStep(t, d, this.params, this.grads), this.grads);
      k.gatherSteps(dx, E + H, s.demb + t * B * E * 4, E, E, 1, B, s.ones, 0, 1, 0);
    }
    this.decEmb.backward(dctx, this.tgtDrop.backward(dctx, s.demb));
    const denc = att.endBackward(this.grads);
    const g = this.decoder.core.stepInitialStateGrads();
    this.bridge(s.dhn, g.dh0, B, s.ones, true);
    if (enc.states.c) this.bridge(s.dcn, g.dc0, B, s.ones, true);
    this.encEmb.backward(enc.ctx, this.srcDrop.backward(enc.ctx, this.encoder.core.backward(denc, s.dhn, enc.states.c ? s.dcn : 0, this.grads, 0, 0)));
  }

  /** The batch's shape and target ids (the sources are checked as they are packed). */
  private checkTargets(batch: Seq2SeqBatch): void {
    const V = this.config.targetVocabSize;
    if (!batch || !Array.isArray(batch.targets) || !Array.isArray(batch.inputs) || batch.targets.length !== batch.inputs.length) {
      throw new ShapeError('a seq2seq batch is { inputs: source sequences, targets: target sequences } of equal counts');
    }
    batch.targets.forEach((t, b) => {
      if (!Array.isArray(t)) throw new ShapeError(`targets[${b}] must be an array of target token ids`);
      t.forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0 || id >= V) throw new TokenIdError(`targets[${b}][${j}] = ${id} is not a valid target token id: expected an integer in [0, ${V})`);
      });
    });
  }

  /**
   * Teacher-forced forward and backward: the gradients of (the loss sum over target
   * tokens + EOS) × lossScale are written to `grads`, not accumulated. The default
   * scale, 1 / count, gives the mean; a share of a split batch passes 1 / (the whole
   * batch's count). Dropout draws from `rng`.
   */
  lossSumAndGradients(batch: Seq2SeqBatch, lossScale?: number, rng = this.rng): { lossSum: number; count: number } {
    this.rt.requireTraining('training');
    const { lossSum, count, R, s, enc, dctx } = this.teacherForced(batch, true, rng);
    const k = this.rt.kernels, V = this.config.targetVocabSize;
    this.grads.f32().fill(0);
    k.softmaxCrossEntropyBackward(R, V, s.probs, s.targets, lossScale ?? 1 / count, s.dlogits);
    if (this.attention) {
      this.attentiveBackward(dctx, s, enc);
      return { lossSum, count };
    }
    this.decEmb.backward(dctx, this.tgtDrop.backward(dctx, this.decoder.backward(dctx, this.outDrop.backward(dctx, this.head.backward(dctx, s.dlogits)))));
    const g = this.decoder.initialStateGrads(dctx);
    this.decoder.initialStates = undefined;
    this.bridge(s.dhn, g.dh0, dctx.B, s.ones, true);
    if (enc.states.c) this.bridge(s.dcn, g.dc0, dctx.B, s.ones, true);
    this.encEmb.backward(enc.ctx, this.srcDrop.backward(enc.ctx, this.encoder.backwardFromStates(enc.ctx, s.dhn, enc.states.c ? s.dcn : 0)));
    return { lossSum, count };
  }

  /** Teacher-forced loss (mean over target tokens + EOS) and gradients of every parameter. */
  lossAndGradients(batch: Seq2SeqBatch): StepResult {
    const { lossSum, count } = this.lossSumAndGradients(batch);
    return { loss: lossSum / count, count, tokens: count, gradNorm: gradNorm(this.rt, this.grads) };
  }

  /** Teacher-forced mean loss and token accuracy (target tokens and EOS), in evaluation mode. */
  evaluate(batch: TrainBatch): Evaluation {
    this.checkAlive();
    const { lossSum, count, labels, R, s } = this.teacherForced(batch as Seq2SeqBatch, false);
    const V = this.config.targetVocabSize, probs = this.rt.f32(s.probs, R * V);
    let correct = 0;
    for (let r = 0; r < R; r++) {
      if (labels[r] < 0) continue;
      let best = 0;
      for (let v = 1; v < V; v++) if (probs[r * V + v] > probs[r * V + best]) best = v;
      if (best === labels[r]) correct++;
    }
    return { loss: lossSum / count, accuracy: correct / count, count };
  }

  /** Seq2Seq carries no state between batches. */
  resetStates(): void {}

  /** The config as JSON; Seq2Seq.fromJSON rebuilds the model. */
  toJSON(): Seq2SeqJSON {
    // A plain encoder–decoder writes today's config exactly (files stay readable by earlier versions).
    const { attention, bidirectional, embeddingDropout, outputDropout, ...rest } = this.config;
    const config = {
      ...rest, ...(attention !== 'none' && { attention }), ...(bidirectional && { bidirectional }),
      ...(embeddingDropout > 0 && { embeddingDropout }), ...(outputDropout > 0 && { outputDropout }),
    } as Required<Seq2SeqConfig>;
    return { format: 'rnn-wasm/seq2seq', version: 1, config };
  }

  /** `initialise: false` leaves the weights zero, for a caller that loads all of them next. */
  static fromJSON(rt: Runtime, json: unknown): Seq2Seq {
    const j = json as Partial<Seq2SeqJSON> | null;
    if (!j || typeof j !== 'object' || j.format !== 'rnn-wasm/seq2seq' || j.version !== 1) {
      throw new ConfigError("not a seq2seq config: expected { format: 'rnn-wasm/seq2seq', version: 1, config }");
    }
    return new Seq2Seq(rt, j.config as Seq2SeqConfig);
  }

  /** One teacher-forced training step (loss mean over target tokens + EOS; reduction 'sum' is not offered). */
  trainStep(batch: TrainBatch, optimizer: Optimizer, options: StepOptions = {}): StepResult {
    this.rt.requireTraining('training');
    requireOptimizer(optimizer);
    if (options.reduction === 'sum') throw new ConfigError("Seq2Seq trains on the mean loss per target token: reduction 'sum' is not supported");
    const r = this.lossAndGradients(batch as Seq2SeqBatch);
    this.applyGradients(optimizer, r.gradNorm, options);
    return r;
  }

  // Several threads (DataParallel): rows cut at about equal decoder cost (rows × longest
  // target + EOS, balancedCuts); each share's loss sum is scaled by 1 / (target
  // tokens + EOS of the whole batch), so the shares' gradients add up to the mean's.
  // A share travels as token ids in an Int32Array: lengths, then the ids.

  /** Seq2Seq carries no state between batches: it can always be split. */
  parallelRefusal(): string | undefined {
    return undefined;
  }

  splitBatch(batch: TrainBatch, options: StepOptions): SplitBatch<Seq2SeqBatch> {
    this.checkAlive();
    this.rt.requireTraining('training');
    if (options.reduction === 'sum') throw new ConfigError("Seq2Seq trains on the mean loss per target token: reduction 'sum' is not supported");
    const b = batch as Seq2SeqBatch, { sourceVocabSize, maxLength, bos } = this.config;
    // The whole batch is checked here, so that errors name the caller's indices.
    this.checkTargets(b);
    packTokenSequences(b.inputs, sourceVocabSize, maxLength, 'sources');
    packTokenSequences(b.targets.map((t) => [bos, ...t]), this.config.targetVocabSize, maxLength + 1, 'targets');
    const labelled = Int32Array.from(b.targets, (t) => t.length + 1);
    let count = 0;
    for (const n of labelled) count += n;
    return {
      rows: b.targets.length, cuts: (parts) => balancedCuts(labelled, parts), lossScale: 1 / count, count, tokens: count, whole: b,
      slice: (b0, b1) => ({ inputs: b.inputs.slice(b0, b1), targets: b.targets.slice(b0, b1) }),
    };
  }

  shareBytes(share: Seq2SeqBatch): number {
    let n = 2 * share.targets.length;
    for (const s of share.inputs) n += s.length;
    for (const t of share.targets) n += t.length;
    return n * 4;
  }

  /** Header: rows; data: source lengths, target lengths, source ids, target ids. */
  writeShare(share: Seq2SeqBatch, header: Int32Array, data: SharedArrayBuffer): void {
    const B = share.targets.length, i32 = new Int32Array(data);
    header[0] = B;
    let at = 2 * B;
    share.inputs.forEach((s, b) => { i32[b] = s.length; i32.set(s, at); at += s.length; });
    share.targets.forEach((t, b) => { i32[B + b] = t.length; i32.set(t, at); at += t.length; });
  }

  readShare(header: Int32Array, data: SharedArrayBuffer): Seq2SeqBatch {
    const B = header[0], i32 = new Int32Array(data);
    let at = 2 * B;
    const take = (n: number) => Array.from(i32.subarray(at, (at += n)));
    const inputs = Array.from({ length: B }, (_, b) => take(i32[b]));
    const targets = Array.from({ length: B }, (_, b) => take(i32[B + b]));
    return { inputs, targets };
  }

  shareGradients(share: Seq2SeqBatch, lossScale: number, rng: Rng): { lossSum: number } {
    return { lossSum: this.lossSumAndGradients(share, lossScale, rng).lossSum };
  }

  /** One decoder step for `beams` rows from states (h, c pointers); returns log-probabilities [beams][V] and the new state pointers. */
  private step(tokens: number[], h: number, c: number, s: Record<string, number>) {
    const V = this.config.targetVocabSize, B = tokens.length;
    this.rt.i32(s.ids, B).set(tokens);
    this.rt.i32(s.lengths, B).fill(1);
    this.rt.i32(s.targets, B).fill(-1);
    const ctx = this.ctx(1, B, s.lengths, false);
    this.decoder.initialStates = { h, c };
    const logits = this.head.forward(ctx, this.decoder.forward(ctx, this.decEmb.forward(ctx, { ptr: s.ids, seq: true, features: 1 })));
    this.decoder.initialStates = undefined;
    this.rt.kernels.softmaxCrossEntropyForward(B, V, logits.ptr, s.targets, s.probs);
    const p = this.rt.f32(s.probs, B * V); // forward may have grown memory: a fresh view
    return { logp: Array.from({ length: B }, (_, b) => Array.from(p.subarray(b * V, (b + 1) * V), (v) => Math.log(Math.max(v, 1e-45)))), ...this.decoder.finalStates };
  }

  /**
   * Beam search (beamSize 1 = greedy) for each source; returns target token ids without
   * BOS/EOS. With `returnAttention: true` (attention models only) also each returned
   * token's attention weights over its source's positions.
   */
  translate(sources: number[][], options?: TranslateOptions & { returnAttention?: false }): number[][];
  translate(sources: number[][], options: TranslateOptions & { returnAttention: true }): Translation;
  translate(sources: number[][], options: TranslateOptions = {}): number[][] | Translation {
    this.refresh();
    const K = options.beamSize ?? 1, maxLen = options.maxLength ?? 2 * Math.max(1, ...sources.map((s) => s?.length ?? 0)) + 5, alpha = options.lengthPenalty ?? 0;
    if (!Number.isInteger(K) || K < 1) throw new ConfigError(`beamSize = ${K} is invalid: expected a positive integer`);
    if (!Number.isInteger(maxLen) || maxLen < 1) throw new ConfigError(`maxLength = ${maxLen} is invalid: expected a positive integer`);
    if (!Number.isFinite(alpha) || alpha < 0) throw new ConfigError(`lengthPenalty = ${alpha} is invalid: expected a finite number ≥ 0`);
    if (options.returnAttention !== undefined && typeof options.returnAttention !== 'boolean') throw new ConfigError(`returnAttention = ${String(options.returnAttention)} is invalid: expected true or false`);
    if (options.returnAttention && !this.attention) throw new ConfigError("returnAttention needs a model with attention (config attention: 'dot', 'general' or 'bahdanau')");
    if (this.attention) {
      packTokenSequences(sources, this.config.sourceVocabSize, this.config.maxLength, 'sources'); // errors name the caller's indices
      const r = this.translateAttentive(sources, K, maxLen, alpha, options.returnAttention === true);
      return options.returnAttention ? r : r.tokens;
    }
    const { targetVocabSize: V, bos, eos, numLayers: L, hiddenSize: H } = this.config;
    return sources.map((src, i) => {
      const s = this.ws.layout({ srcIds: this.config.maxLength, srcLengths: 1, ids: K, lengths: K, targets: K, probs: K * V, h: L * K * H, c: L * K * H, h0: L * H, c0: L * H, ones: 1 });
      let enc;
      try {
        enc = this.encode([src], false, { ids: s.srcIds, lengths: s.srcLengths });
      } catch (e) {
        if (e instanceof TokenIdError || e instanceof ShapeError) throw new (e.constructor as typeof ShapeError)(e.message.replace('sources[0]', `sources[${i}]`));
        throw e;
      }
      const copyStates = (dst: number, src2: number, parents: number[], from: number) => {
        if (!src2) return;
        const a = this.rt.f32(src2, L * from * H), d = this.rt.f32(dst, L * K * H);
        const tmp = new Float32Array(L * parents.length * H);
        for (let l = 0; l < L; l++) parents.forEach((p, j) => tmp.set(a.subarray((l * from + p) * H, (l * from + p + 1) * H), (l * parents.length + j) * H));
        d.set(tmp);
      };
      this.bridge(enc.states.h, s.h0, 1, s.ones, false);
      if (enc.states.c) this.bridge(enc.states.c, s.c0, 1, s.ones, false);
      copyStates(s.h, s.h0, [0], 1);
      copyStates(s.c, enc.states.c ? s.c0 : 0, [0], 1);
      let beams = [{ tokens: [] as number[], score: 0, last: bos }];
      const done: { tokens: number[]; score: number }[] = [];
      const norm = (b: { tokens: number[]; score: number }) => b.score / Math.max(1, b.tokens.length + 1) ** alpha;
      for (let t = 0; t < maxLen && beams.length; t++) {
        const r = this.step(beams.map((b) => b.last), s.h, enc.states.c ? s.c : 0, s);
        const cands: { parent: number; token: number; score: number }[] = [];
        beams.forEach((b, j) => r.logp[j].forEach((lp, v) => cands.push({ parent: j, token: v, score: b.score + lp })));
        cands.sort((a, b) => b.score - a.score);
        // The K best extensions; those ending in EOS leave the beam as finished hypotheses.
        const next: typeof beams = [], parents: number[] = [];
        for (const c of cands.slice(0, K)) {
          const tokens = [...beams[c.parent].tokens, c.token];
          if (c.token === eos) done.push({ tokens: tokens.slice(0, -1), score: c.score });
          else { next.push({ tokens, score: c.score, last: c.token }); parents.push(c.parent); }
        }
        if (!next.length) { beams = []; break; }
        copyStates(s.h, r.hn, parents, beams.length);
        copyStates(s.c, r.cn, parents, beams.length);
        beams = next;
      }
      const all = [...done, ...beams];
      all.sort((a, b) => norm(b) - norm(a));
      return all[0].tokens;
    });
  }


  /**
   * Beam search with attention over many sources at once: each source has K rows
   * (beams), every step is one decoder step, one attention step and one head call over
   * all rows; only the choice of the K best extensions per source is per-source work.
   */
  private translateAttentive(sources: number[][], K: number, maxLen: number, alpha: number, keepAttention: boolean): Translation {
    const { targetVocabSize: V, bos, eos, numLayers: L, hiddenSize: H, embeddingDim: E } = this.config, k = this.rt.kernels, att = this.attention!;
    const tokens: number[][] = [], attention: number[][][] = [];
    const perChunk = Math.max(1, Math.floor(128 / K));
    type Hyp = { tokens: number[]; score: number; attn: number[][] };
    const norm = (b: Hyp) => b.score / Math.max(1, b.tokens.length + 1) ** alpha;
    for (let n0 = 0; n0 < sources.length; n0 += perChunk) {
      const chunk = sources.slice(n0, n0 + perChunk), N = chunk.length, R = N * K;
      const s = this.ws.layout({
        srcIds: this.config.maxLength * R, srcLengths: R, ids: R, lengths: R, targets: R, probs: R * V,
        h: L * R * H, c: L * R * H, h0: L * R * H, c0: L * R * H, ones: R, xin: R * (E + H), prev: R * H,
      });
      const enc = this.encode(chunk.flatMap((src) => Array.from({ length: K }, () => src)), false, { ids: s.srcIds, lengths: s.srcLengths });
      this.bridge(enc.states.h, s.h, R, s.ones, false);
      if (enc.states.c) this.bridge(enc.states.c, s.c, R, s.ones, false);
      this.rt.f32(s.prev, R * H).fill(0);
      this.rt.i32(s.lengths, R).fill(1);
      this.rt.i32(s.targets, R).fill(-1);
      const S = enc.S;
      att.begin(maxLen, R, S, enc.out, s.srcLengths);
      // Row n·K + j is beam j of source n; a row with score −∞ is a placeholder.
      let beams: Hyp[][] = chunk.map(() => Array.from({ length: K }, (_, j) => ({ tokens: [], score: j ? -Infinity : 0, attn: [] })));
      const last = new Int32Array(R).fill(bos);
      const done: Hyp[][] = chunk.map(() => []);
      const active = chunk.map(() => true);
      const ctx = this.ctx(1, R, s.lengths, false);
      for (let t = 0; t < maxLen && active.some((a) => a); t++) {
        this.rt.i32(s.ids, R).set(last);
        const emb = this.decEmb.forward(ctx, { ptr: s.ids, seq: true, features: 1 });
        k.gatherSteps(emb.ptr, E, s.xin, E + H, E, 1, R, s.lengths, 0, 1, 0);
        k.gatherSteps(s.prev, H, s.xin + E * 4, E + H, H, 1, R, s.lengths, 0, 1, 0);
        this.decoder.initialStates = { h: s.h, c: enc.states.c ? s.c : 0 };
        const out = this.decoder.forward(ctx, { ptr: s.xin, seq: true, features: E + H });
        this.decoder.initialStates = undefined;
        const ht = att.forwardStep(t, out.ptr, this.params);
        const logits = this.head.forward(ctx, { ptr: ht, seq: true, features: H });
        k.softmaxCrossEntropyForward(R, V, logits.ptr, s.targets, s.probs);
        const p = this.rt.f32(s.probs, R * V); // fresh views: the calls above may have grown memory
        const w = keepAttention ? this.rt.f32(att.weights().ptr + t * R * S * 4, R * S) : undefined;
        const parents = new Int32Array(R);
        const next: Hyp[][] = [];
        for (let n = 0; n < N; n++) {
          const row = (j: number) => n * K + j;
          if (!active[n]) { next.push(beams[n]); for (let j = 0; j < K; j++) parents[row(j)] = row(j); continue; }
          const cands: { parent: number; token: number; score: number }[] = [];
          beams[n].forEach((b, j) => {
            if (b.score === -Infinity) return;
            for (let v = 0; v < V; v++) cands.push({ parent: j, token: v, score: b.score + Math.log(Math.max(p[row(j) * V + v], 1e-45)) });
          });
          cands.sort((a, b) => b.score - a.score);
          const mine: Hyp[] = [];
          const len = chunk[n].length;
          for (const c of cands.slice(0, K)) {
            const from = beams[n][c.parent];
            const attn = w ? [...from.attn, Array.from(w.subarray(row(c.parent) * S, row(c.parent) * S + len))] : from.attn;
            if (c.token === eos) { done[n].push({ tokens: from.tokens, score: c.score, attn: from.attn }); continue; }
            parents[row(mine.length)] = row(c.parent);
            last[row(mine.length)] = c.token;
            mine.push({ tokens: [...from.tokens, c.token], score: c.score, attn });
          }
          // Finished when no live beam can still beat the best finished hypothesis: log-probabilities only
          // fall, so a live beam's final normalised score is at most score / (maxLen + 1)^alpha.
          const bestDone = Math.max(...done[n].map(norm));
          if (!mine.length || mine.every((b) => b.score / (maxLen + 1) ** alpha <= bestDone)) active[n] = false;
          for (let j = mine.length; j < K; j++) { parents[row(j)] = row(0); last[row(j)] = bos; mine.push({ tokens: [], score: -Infinity, attn: [] }); }
          next.push(mine);
        }
        beams = next;
        // The next step's states and h̃: each row takes its parent's.
        this.reorderRows(s.h, this.decoder.finalStates.hn, L, R, H, parents);
        if (enc.states.c) this.reorderRows(s.c, this.decoder.finalStates.cn, L, R, H, parents);
        this.reorderRows(s.prev, ht, 1, R, H, parents);
      }
      for (let n = 0; n < N; n++) {
        const all = [...done[n], ...beams[n].filter((b) => b.score > -Infinity)];
        all.sort((a, b) => norm(b) - norm(a));
        tokens.push(all[0]?.tokens ?? []);
        attention.push(all[0]?.attn ?? []);
      }
    }
    return { tokens, attention };
  }

  /** dst[l][r] = src[l][parents[r]] for L blocks of R rows of W floats (dst and src distinct). */
  private reorderRows(dst: number, src: number, L: number, R: number, W: number, parents: Int32Array): void {
    const a = this.rt.f32(src, L * R * W), d = this.rt.f32(dst, L * R * W);
    let identity = true;
    for (let r = 0; r < R && identity; r++) identity = parents[r] === r;
    if (identity) { d.set(a); return; }
    for (let l = 0; l < L; l++) for (let r = 0; r < R; r++) d.set(a.subarray((l * R + parents[r]) * W, (l * R + parents[r] + 1) * W), (l * R + r) * W);
  }
}
