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
  /** Target-vocabulary ids of the start and end tokens. */
  bos: number;
  eos: number;
  seed?: number;
  maxLength?: number;
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

export class Seq2Seq extends ParameterizedModel implements Trainable, DataParallel<Seq2SeqBatch> {
  readonly config: Required<Seq2SeqConfig>;
  /** The RNG behind dropout (its state goes into checkpoints). */
  readonly rng: Rng;
  private readonly encEmb: Embedding;
  private readonly encoder: RecurrentLayer;
  private readonly decEmb: Embedding;
  private readonly decoder: RecurrentLayer;
  private readonly head: Dense;
  private readonly ws: Workspace;

  constructor(rt: Runtime, config: Seq2SeqConfig) {
    super(rt);
    try {
      rt = this.owned; // parts allocate through the model's ledger
      const c = (this.config = { cell: 'lstm', numLayers: 1, dropout: 0, seed: 0, maxLength: 4096, ...check<Seq2SeqConfig>(seq2seqSchema, config, 'seq2seq') } as Required<Seq2SeqConfig>);
      for (const k of ['bos', 'eos'] as const) {
        if (!Number.isInteger(c[k]) || c[k] < 0 || c[k] >= c.targetVocabSize) throw new ConfigError(`${k} = ${c[k]} is invalid: expected a target token id in [0, ${c.targetVocabSize})`);
      }
      const rec = { cell: c.cell, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout };
      this.encEmb = Object.assign(new Embedding({ vocabSize: c.sourceVocabSize, dim: c.embeddingDim }), { name: 'encoder_embedding' });
      this.encoder = Object.assign(new RecurrentLayer(rec), { name: 'encoder' });
      this.decEmb = Object.assign(new Embedding({ vocabSize: c.targetVocabSize, dim: c.embeddingDim }), { name: 'decoder_embedding' });
      this.decoder = Object.assign(new RecurrentLayer(rec), { name: 'decoder' });
      this.head = Object.assign(new Dense({ units: c.targetVocabSize }), { name: 'head' });
      const tokens = { seq: true, features: 1, tokens: true };
      const enc = modelFootprint([this.encEmb.spec(), this.encoder.spec()], tokens);
      const dec = modelFootprint([this.decEmb.spec(), this.decoder.spec(), this.head.spec()], tokens);
      requireMemory(rt, { params: enc.params + dec.params, packed: enc.packed + dec.packed, bytes: enc.bytes + dec.bytes }, 'this seq2seq model');
      this.encoder.build(rt, this.encEmb.build(rt, tokens, this.table), this.table);
      this.head.build(rt, this.decoder.build(rt, this.decEmb.build(rt, tokens, this.table), this.table), this.table);
      this.allocateParameters();
      this.ws = new Workspace(rt.planner);
      this.rng = new Rng(c.seed);
      for (const l of this.layers) l.initialise(this.params.f32(), this.rng);
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
    this.encoder.forward(ctx, this.encEmb.forward(ctx, { ptr: slot.ids, seq: true, features: 1 }));
    return { ctx, states: { h: this.encoder.finalStates.hn, c: this.encoder.finalStates.cn }, B: seq.B };
  }

  private stateSize(B: number): number {
    return this.config.numLayers * B * this.config.hiddenSize;
  }

  /** Teacher-forced forward (input BOS + target, labels target + EOS): the loss sum over the labels, and what backward needs. */
  private teacherForced(batch: Seq2SeqBatch, training: boolean, rng = this.rng) {
    this.refresh();
    this.checkTargets(batch);
    const { targetVocabSize: V, bos, eos, maxLength } = this.config;
    const decIn = batch.targets.map((t) => [bos, ...t]);
    const decOut = batch.targets.map((t) => [...t, eos]);
    const dec = packTokenSequences(decIn, V, maxLength + 1, 'targets');
    const labels = packStepLabels(decOut, { ...dec }, V);
    const B = dec.B, R = dec.T * B;
    const s = this.ws.layout({ srcIds: this.config.maxLength * B, srcLengths: B, ids: R, lengths: B, targets: R, probs: R * V, dlogits: R * V, h0: this.stateSize(B), c0: this.stateSize(B) });
    const enc = this.encode(batch.inputs, training, { ids: s.srcIds, lengths: s.srcLengths }, rng);
    this.rt.i32(s.ids, R).set(dec.ids);
    this.rt.i32(s.lengths, B).set(dec.lengths);
    this.rt.i32(s.targets, R).set(labels);
    // Copy the encoder's final states: the decoder's backward reads them after the encoder's workspace is reused.
    const n = this.stateSize(B);
    this.rt.f32(s.h0, n).set(this.rt.f32(enc.states.h, n));
    if (enc.states.c) this.rt.f32(s.c0, n).set(this.rt.f32(enc.states.c, n));
    const dctx = this.ctx(dec.T, B, s.lengths, training, rng);
    this.decoder.initialStates = { h: s.h0, c: enc.states.c ? s.c0 : 0 };
    const logits = this.head.forward(dctx, this.decoder.forward(dctx, this.decEmb.forward(dctx, { ptr: s.ids, seq: true, features: 1 })));
    if (!training) this.decoder.initialStates = undefined;
    const lossSum = this.rt.kernels.softmaxCrossEntropyForward(R, V, logits.ptr, s.targets, s.probs);
    let count = 0;
    for (const l of dec.lengths) count += l;
    if (!Number.isFinite(lossSum)) throw new NonFiniteError(`the loss is ${lossSum} (non-finite): the parameters were not updated`);
    return { lossSum, count, labels, R, s, enc, dctx };
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
    const { lossSum, count, R, s, enc, dctx } = this.teacherForced(batch, true, rng);
    const k = this.rt.kernels, V = this.config.targetVocabSize;
    this.grads.f32().fill(0);
    k.softmaxCrossEntropyBackward(R, V, s.probs, s.targets, lossScale ?? 1 / count, s.dlogits);
    this.decEmb.backward(dctx, this.decoder.backward(dctx, this.head.backward(dctx, s.dlogits)));
    const g = this.decoder.initialStateGrads(dctx);
    this.decoder.initialStates = undefined;
    this.encEmb.backward(enc.ctx, this.encoder.backwardFromStates(enc.ctx, g.dh0, enc.states.c ? g.dc0 : 0));
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
    return { format: 'rnn-wasm/seq2seq', version: 1, config: { ...this.config } };
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

  /** Beam search (beamSize 1 = greedy) for each source; returns target token ids without BOS/EOS. */
  translate(sources: number[][], options: BeamOptions = {}): number[][] {
    this.refresh();
    const K = options.beamSize ?? 1, maxLen = options.maxLength ?? 2 * Math.max(1, ...sources.map((s) => s?.length ?? 0)) + 5, alpha = options.lengthPenalty ?? 0;
    if (!Number.isInteger(K) || K < 1) throw new ConfigError(`beamSize = ${K} is invalid: expected a positive integer`);
    if (!Number.isInteger(maxLen) || maxLen < 1) throw new ConfigError(`maxLength = ${maxLen} is invalid: expected a positive integer`);
    if (!Number.isFinite(alpha) || alpha < 0) throw new ConfigError(`lengthPenalty = ${alpha} is invalid: expected a finite number ≥ 0`);
    const { targetVocabSize: V, bos, eos, numLayers: L, hiddenSize: H } = this.config;
    return sources.map((src, i) => {
      const s = this.ws.layout({ srcIds: this.config.maxLength, srcLengths: 1, ids: K, lengths: K, targets: K, probs: K * V, h: L * K * H, c: L * K * H });
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
      copyStates(s.h, enc.states.h, [0], 1);
      copyStates(s.c, enc.states.c, [0], 1);
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

}
