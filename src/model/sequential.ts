// A model as a sequence of layers (Keras' Sequential, PyTorch's nn.Sequential with
// named children): token ids or feature vectors in, one output per step or per
// sequence, softmax cross-entropy or MSE loss. Parameters live in one flat buffer
// under `${layerName}.${param}` names; the config serialises to JSON.
import type { Runtime } from '../runtime/runtime.js';
import { Workspace } from '../runtime/workspace.js';
import { ParameterizedModel } from './parameterized.js';
import type { StepOptions, StepResult, Trainable, TrainBatch } from './trainable.js';
import type { DataParallel, ShareEvaluation, SplitBatch } from './data-parallel.js';
export type { StepOptions, StepResult } from './trainable.js';
import {
  packFeatureSequences, packTokenFieldSequences, packSequenceLabels, packStepLabels, packStepVectors, packTokenSequences, packVectors,
} from '../data/pack.js';
import { ArgumentError, ConfigError, FrozenModelError, NonFiniteError, QuantizedModelError, ShapeError, TokenIdError, describeValue } from '../errors.js';
import { Int8Weights, type Int8Tensor } from '../runtime/int8-weights.js';
import type { StateDict } from '../runtime/parameter-table.js';
import { balancedCuts, countTargets, evenCuts, sliceRows, type PackedBatch } from '../data/packed-batch.js';
import { readShare, shareWords, writeShare } from '../data/packed-share.js';
import type { Arena } from '../data/arena.js';
import { requireExamples, type Example } from '../data/batching.js';
import { Rng } from '../random.js';
import { gradNorm } from '../optim/clip.js';
import { requireOptimizer, type Optimizer } from '../optim/optimizer.js';
import { Embedding, Dense, Dropout, RecurrentLayer, layerFromSpec, type Layer, type LayerSpec, type Activation, type Context, type ShapeInfo } from '../layers/index.js';
import { RecurrentStream } from './stream.js';
import type { TextPipeline } from '../data/text-pipeline.js';
import type { GenerateOptions } from './generate.js';
import { tagText, classifyText, generateText, predictText, type TaggedToken, type TextClass, type TextPrediction } from './text.js';
import { check } from '../config/schema.js';
import { modelJSONSchema, sequentialOptionsSchema } from '../config/layer-schemas.js';
import { modelFootprint, requireBytes, requireMemory } from '../config/footprint.js';
import { assignLayerNames } from './layer-names.js';

export type LossName = 'crossEntropy' | 'mse';

export interface SequentialOptions {
  /** Default 'crossEntropy' (targets are class ids); 'mse' (targets are vectors). */
  loss?: LossName;
  /** Features per step when the first layer is not an embedding. */
  inputFeatures?: number;
  /** Seed for initialisation and dropout. Default 0. */
  seed?: number;
  /** Longest sequence accepted. Default 4096. */
  maxLength?: number;
}

import type { ModelInput, OutputKind } from './outputs.js';
export type { ModelInput, OutputKind } from './outputs.js';

export interface Batch {
  /** Token-id sequences (number[][]) or feature sequences ([b][t][f]). */
  inputs: readonly ModelInput[] | unknown[];
  /** Class ids or vectors, per step or per sequence, matching the model's output and loss. */
  targets: unknown[];
}

export interface ModelJSON {
  format: 'rnn-wasm/sequential';
  version: 1;
  layers: LayerSpec[];
  options: Required<SequentialOptions>;
}

interface Prepared {
  ctx: Context;
  out: Activation;
  lengths: Int32Array;
  tokens: number;
}

export class Sequential extends ParameterizedModel implements Trainable, DataParallel<PackedBatch> {
  readonly layers: Layer[];
  readonly options: Required<SequentialOptions>;
  readonly input: ShapeInfo;
  readonly output: ShapeInfo;
  /** The RNG behind dropout (its state goes into checkpoints). */
  readonly rng: Rng;
  private readonly ws: Workspace;
  /** Each layer's output shape (for summary()). */
  private readonly shapes: ShapeInfo[] = [];
  /** int8 inference: the quantized weight matrices (quantize(), or an int8 model file); undefined for f32. */
  private int8?: Int8Weights;
  /** A frozen model (freeze()): the index of the recurrent layer whose folded embedding reads the token ids; the layers before it are skipped. */
  private foldedAt?: number;
  /** resetStates() calls so far (stateResets: a parallel trainer's workers reset their replicas with it). */
  private resets = 0;

  /** `initialise: false` skips drawing initial weights (a loader about to overwrite them all). */
  constructor(rt: Runtime, layers: Layer[], options: SequentialOptions = {}, initialise = true) {
    super(rt);
    try {
      rt = this.owned; // layers allocate through the model's ledger
      if (!Array.isArray(layers) || layers.length === 0) throw new ConfigError('a Sequential model needs at least one layer');
      this.options = { loss: 'crossEntropy', inputFeatures: 0, seed: 0, maxLength: 4096, ...check<SequentialOptions>(sequentialOptionsSchema, options, 'options') };
      const o = this.options;
      assignLayerNames(layers);
      this.layers = layers;
      const tokens = layers[0] instanceof Embedding;
      if (!tokens && o.inputFeatures < 1) throw new ConfigError('inputFeatures must be a positive integer when the first layer is not an embedding');
      this.input = { seq: true, features: tokens ? 1 : o.inputFeatures, tokens };
      requireMemory(rt, modelFootprint(layers.map((l) => l.spec()), this.input), 'this model');
      let shape = this.input;
      for (const layer of layers) this.shapes.push((shape = layer.build(rt, shape, this.table)));
      this.output = shape;
      if (shape.tokens) throw new ConfigError('the model ends in token ids: add an embedding and a head');
      if (o.loss === 'crossEntropy' && shape.features < 2) throw new ConfigError(`cross-entropy needs at least 2 output classes, the last layer has ${shape.features} output`);
      this.allocateParameters();
      this.ws = new Workspace(rt.planner);
      this.rng = new Rng(o.seed);
      if (initialise) for (const l of layers) l.initialise(this.params.f32(), this.rng);
    } catch (e) {
      this.abandon(e); // frees whatever was allocated before the failure
    }
  }

  /** True for an int8 model (from quantize() or an int8 model file): inference only. */
  get quantized(): boolean {
    return this.int8 !== undefined;
  }

  /** The quantized matrices by parameter name (int8 models only): what an int8 model file stores. */
  int8Tensors(): ReadonlyMap<string, Int8Tensor> | undefined {
    return this.int8?.tensors;
  }

  /**
   * Makes this model an int8 model: its parameters become the dequantized values and
   * the layers run the integer kernels. What quantize() and the int8 model-file
   * loader call; prefer those.
   */
  useInt8(tensors: ReadonlyMap<string, Int8Tensor>, dequantized: StateDict): void {
    this.checkAlive();
    this.refuseIfInferenceOnly('quantizing again');
    for (const e of this.table.entries) {
      if (e.shape.length !== 2) continue;
      const t = tensors.get(e.name), [rows, cols] = e.shape;
      if (!t) throw new ArgumentError(`int8 weights: the matrix '${e.name}' is missing`);
      if (t.rows !== rows || t.cols !== cols || t.q.length !== rows * cols || t.scales.length !== rows) {
        throw new ArgumentError(`int8 weights: '${e.name}' is [${t.rows}, ${t.cols}] with ${t.q.length} values and ${t.scales.length} scales, expected [${rows}, ${cols}]`);
      }
      if (t.q.some((v) => v < -127)) throw new ArgumentError(`int8 weights: '${e.name}' holds -128; symmetric int8 values are in [-127, 127]`);
      if (t.scales.some((v) => !(Number.isFinite(v) && v >= 0))) throw new ArgumentError(`int8 weights: the scales of '${e.name}' must be finite and non-negative`);
    }
    for (const name of tensors.keys()) if (!this.table.entries.some((e) => e.name === name && e.shape.length === 2)) throw new ArgumentError(`int8 weights: this model has no matrix '${name}'`);
    this.loadStateDict(dequantized);
    this.int8 = new Int8Weights(this.owned.planner, tensors);
    this.packedDirty = true;
  }

  private refuseIfInferenceOnly(what: string): void {
    if (this.foldedAt !== undefined) throw new FrozenModelError(`${what} is refused: this is a frozen model (inference only), whose folded embedding table was computed from its weights at freeze(); change the model it was frozen from, then freeze it again`);
    if (this.int8) throw new QuantizedModelError(`${what} needs the f32 weights: this is an int8 model (inference only); use the f32 model it was quantized from`);
  }

  /** True for a frozen model (from freeze()): its embedding is folded into the first recurrent layer; inference only. */
  get frozen(): boolean {
    return this.foldedAt !== undefined;
  }

  /**
   * Where freeze() can fold this model's embedding: the first recurrent layer, fed by a
   * one-field embedding (no characters) through nothing but dropout (inactive at
   * inference). A string says why the model has no such pair.
   */
  foldTarget(): { at: number; layer: RecurrentLayer; embedding: Embedding } | string {
    const emb = this.layers[0];
    if (!(emb instanceof Embedding)) return 'the model does not start with an embedding (its inputs are vectors, not token ids)';
    if (emb.fields.length !== 1 || emb.options.chars) return 'the embedding has several fields or characters: only a one-field embedding folds into one table';
    let at = 1;
    while (this.layers[at] instanceof Dropout) at++;
    const layer = this.layers[at];
    if (!(layer instanceof RecurrentLayer)) return 'the embedding does not feed a recurrent layer';
    return { at, layer, embedding: emb };
  }

  /**
   * Makes this model frozen: precomputes, per direction, the first recurrent layer's
   * input projection of every token id (its biases included) as a table in the model's
   * ledger, and from then on runs that layer from the token ids, skipping the embedding
   * lookup, the bias broadcast and the input GEMM. What freeze() calls; prefer it.
   */
  foldEmbedding(): void {
    this.checkAlive();
    if (this.foldedAt !== undefined) throw new FrozenModelError('this model is already frozen');
    const target = this.foldTarget();
    if (typeof target === 'string') throw new ConfigError(`cannot fold the embedding: ${target}`);
    const vocab = target.embedding.fields[0].vocabSize, bytes = 4 * target.layer.core.foldedFloats(vocab);
    requireBytes(this.rt, bytes, `the folded embedding table (${vocab} tokens × ${target.layer.core.foldedFloats(1)} floats) needs ${bytes} bytes`);
    this.refreshPacked(); // the tables are computed from the packed f32 W_ihᵀ
    target.layer.core.foldEmbedding(this.params, this.params.at(this.table.get(`${target.embedding.name}.weight`).offset), vocab);
    this.foldedAt = target.at;
  }

  /** Refused for a frozen model: its folded table would no longer match the weights. */
  override parametersChanged(): void {
    if (this.foldedAt !== undefined) this.refuseIfInferenceOnly('changing the parameters');
    super.parametersChanged();
  }

  /** Refused for frozen and int8 models (inference only). */
  override applyGradients(optimizer: Optimizer, gradNormBefore: number, options: StepOptions = {}): void {
    this.refuseIfInferenceOnly('training');
    super.applyGradients(optimizer, gradNormBefore, options);
  }

  /** As ParameterizedModel.loadStateDict; refused for an int8 model (its weights are its int8 values) and a frozen one. */
  override loadStateDict(dict: StateDict): void {
    this.refuseIfInferenceOnly('loading new weights');
    super.loadStateDict(dict);
  }

  /** The config as JSON (layers and options); Sequential.fromJSON rebuilds the model. */
  toJSON(): ModelJSON {
    return { format: 'rnn-wasm/sequential', version: 1, layers: this.layers.map((l) => ({ ...l.spec(), name: l.name })), options: { ...this.options } };
  }

  /** `initialise: false` leaves the weights zero, for a caller that loads all of them next. */
  static fromJSON(rt: Runtime, json: unknown, initialise = true): Sequential {
    const j = check<ModelJSON>(modelJSONSchema, json, 'model config');
    const layers = j.layers.map((spec, i) => {
      try {
        return layerFromSpec(spec);
      } catch (e) {
        throw e instanceof ConfigError ? new ConfigError(`layer ${i}: ${e.message}`) : e;
      }
    });
    return new Sequential(rt, layers, j.options, initialise);
  }

  /**
   * The layers as a table, as Keras' model.summary(): name (type), output shape
   * (batch and steps as None, as Keras prints them), parameters; then the totals.
   */
  summary(): string {
    const shape = (s: ShapeInfo) => `(None, ${s.seq ? 'None, ' : ''}${s.features})`;
    const rows = [['Layer (type)', 'Output shape', 'Param #']];
    rows.push(['input', this.input.tokens ? '(None, None) token ids' : shape(this.input), '0']);
    this.layers.forEach((l, i) => {
      let n = 0;
      for (const e of this.table.entries) if (e.name.startsWith(`${l.name}.`)) n += e.size;
      rows.push([`${l.name} (${l.spec().type})`, shape(this.shapes[i]), n.toLocaleString('en-US')]);
    });
    const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`;
    const rule = '─'.repeat(w[0] + w[1] + w[2] + 4);
    const total = this.parameterCount;
    return [`Sequential (loss: ${this.options.loss})`, rule, line(rows[0]), rule, ...rows.slice(1).map(line), rule,
      `Total params: ${total.toLocaleString('en-US')} (${(total * 4 / 1024).toFixed(1)} KB as f32)`].join('\n');
  }

  /** Number of classes (cross-entropy) or values (MSE) per output row. */
  get outputSize(): number {
    return this.output.features;
  }

  private refreshPacked(): void {
    if (!this.packedDirty) return;
    for (const l of this.layers) l.pack(this.params, this.int8);
    this.packedDirty = false;
  }

  /** Forgets the carried states of stateful recurrent layers (start of a new stream or epoch). */
  resetStates(): void {
    this.resets++;
    for (const l of this.layers) if (l instanceof RecurrentLayer) l.resetStates();
  }

  private packInputs(inputs: unknown, arena?: Arena) {
    const { maxLength, inputFeatures } = this.options;
    if (!this.input.tokens) return packFeatureSequences(inputs, inputFeatures, maxLength, 'inputs', arena);
    const sizes = (this.layers[0] as Embedding).vocabSizes;
    return sizes.length === 1 ? packTokenSequences(inputs, sizes[0], maxLength, 'inputs', arena) : packTokenFieldSequences(inputs, sizes, maxLength, 'inputs', arena);
  }

  /** Validates and packs the inputs, runs every layer. */
  private run(inputs: unknown, training: boolean): Prepared & { slots: Record<string, number> } {
    this.checkAlive();
    return this.runPacked(this.packInputs(inputs), training, this.rng);
  }

  /** Copies packed inputs into the workspace and runs every layer. */
  private runPacked(
    packed: { T: number; B: number; lengths: Int32Array; ids?: Int32Array; values?: Float32Array },
    training: boolean, rng: Rng,
  ): Prepared & { slots: Record<string, number> } {
    this.checkAlive();
    this.refreshPacked();
    const { inputFeatures } = this.options;
    const { T, B, lengths } = packed;
    const R = this.output.seq ? T * B : B, C = this.output.features;
    const fields = this.input.tokens ? (this.layers[0] as Embedding).vocabSizes.length : this.input.features;
    const slots = this.ws.layout({ x: T * B * fields, lengths: B, targets: R * C, mask: R, probs: R * C, dy: R * C });
    if (packed.ids) {
      // A packed batch may come from outside packBatch (the *Packed entry points): an id out
      // of range would read past the embedding (or folded) table, so it is refused here.
      // Layout as packBatch writes it: field-major, ids[(f·T + t)·B + b].
      const vs = (this.layers[0] as Embedding).vocabSizes, ids = packed.ids;
      if (ids.length !== T * B * fields) throw new ShapeError(`packed ids hold ${ids.length} values: expected ${fields} fields × ${T} steps × ${B} rows = ${T * B * fields}`);
      for (let i = 0; i < ids.length; i++) {
        const f = Math.floor(i / (T * B)), id = ids[i];
        if (!(id >= 0 && id < vs[f])) throw new TokenIdError(`packed ids[${i}] = ${String(id)} is not a valid id for field ${f}: expected an integer in [0, ${vs[f]})`);
      }
      this.rt.i32(slots.x, ids.length).set(ids);
    }
    else this.rt.f32(slots.x, T * B * inputFeatures).set(packed.values!);
    this.rt.i32(slots.lengths, B).set(lengths);
    const ctx: Context = { T, B, lengths: slots.lengths, training, rng, params: this.params, grads: this.grads };
    let act: Activation = { ptr: slots.x, seq: true, features: this.input.features };
    // Frozen: the first recurrent layer reads the token ids through its folded tables.
    for (let i = this.foldedAt ?? 0; i < this.layers.length; i++) act = this.layers[i].forward(ctx, act);
    let tokens = 0;
    for (const v of lengths) tokens += v;
    return { ctx, out: act, lengths, tokens, slots };
  }

  /** Validates the targets against packed inputs and packs them per output row. */
  private packTargets(targets: unknown, seq: { T: number; B: number; lengths: Int32Array }, arena?: Arena): Pick<PackedBatch, 'classes' | 'targetValues' | 'mask'> {
    const C = this.output.features, { B } = seq;
    if (this.options.loss === 'crossEntropy') {
      return { classes: this.output.seq ? packStepLabels(targets, { ...seq, ids: new Int32Array(0) }, C, arena) : packSequenceLabels(targets, B, C) };
    }
    if (this.output.seq) {
      const v = packStepVectors(targets, seq, C, arena);
      return { targetValues: v.values, mask: v.mask };
    }
    return { targetValues: packVectors(targets, B, C), mask: new Float32Array(B).fill(1) };
  }

  /** Copies packed targets into the slots and returns the loss sum over labelled rows. */
  private lossPacked(p: Prepared & { slots: Record<string, number> }, t: Pick<PackedBatch, 'classes' | 'targetValues' | 'mask'>): number {
    const { T, B } = p.ctx;
    const k = this.rt.kernels;
    const C = this.output.features, R = this.output.seq ? T * B : B;
    if (t.classes) {
      this.rt.i32(p.slots.targets, R).set(t.classes);
      return k.softmaxCrossEntropyForward(R, C, p.out.ptr, p.slots.targets, p.slots.probs);
    }
    this.rt.f32(p.slots.targets, R * C).set(t.targetValues!);
    this.rt.f32(p.slots.mask, R).set(t.mask!);
    return k.mseForward(R, C, p.out.ptr, p.slots.targets, p.slots.mask);
  }

  /**
   * Validates a batch and packs it in the kernels' layout (inputs and targets), e.g.
   * to split it across threads with sliceRows; lossAndGradientsPacked trains on it.
   * With an arena, the large arrays are carved from it (valid until its reset).
   */
  packBatch(batch: Batch, arena?: Arena): PackedBatch {
    this.checkAlive();
    if (!batch || typeof batch !== 'object') throw new ArgumentError(`a batch must be an object { inputs, targets }, got ${describeValue(batch)}`);
    const x = this.packInputs(batch.inputs, arena);
    const t = this.packTargets(batch.targets, x, arena);
    let tokens = 0;
    for (const v of x.lengths) tokens += v;
    const width = this.input.tokens ? (this.layers[0] as Embedding).vocabSizes.length : this.input.features;
    return { ...x, ...t, width, perStep: this.output.seq, count: countTargets(t), tokens };
  }

  /**
   * Forward and backward on a packed batch: the gradients of loss sum × lossScale
   * are written to `grads` (not accumulated). Dropout draws from `rng` (default
   * the model's). Returns the unscaled loss sum. A building block for data-parallel
   * training, where each share is scaled by 1 / (labelled rows of the whole batch).
   */
  lossAndGradientsPacked(batch: PackedBatch, lossScale: number, rng: Rng = this.rng): { lossSum: number } {
    this.refuseIfInferenceOnly('training');
    this.rt.requireTraining('training');
    const p = this.runPacked(batch, true, rng);
    const sum = this.lossPacked(p, batch);
    if (!Number.isFinite(sum)) {
      throw new NonFiniteError(`the loss is ${sum} (non-finite): the parameters were not updated; lower the learning rate or clip gradients`);
    }
    const k = this.rt.kernels, s = p.slots, C = this.output.features, rows = this.output.seq ? p.ctx.T * p.ctx.B : p.ctx.B;
    this.grads.f32().fill(0);
    if (batch.classes) k.softmaxCrossEntropyBackward(rows, C, s.probs, s.targets, lossScale, s.dy);
    else k.mseBackward(rows, C, p.out.ptr, s.targets, s.mask, lossScale, s.dy);
    let d = s.dy;
    for (let i = this.layers.length - 1; i >= 0 && d; i--) d = this.layers[i].backward(p.ctx, d);
    return { lossSum: sum };
  }

  /** Loss and the gradients of every parameter (in `grads`), without an update. Training mode. */
  lossAndGradients(batch: Batch, options: StepOptions = {}): StepResult {
    this.refuseIfInferenceOnly('training');
    this.rt.requireTraining('training');
    const p = this.packBatch(batch);
    const scale = (options.reduction ?? 'mean') === 'mean' ? 1 / Math.max(1, p.count) : 1;
    const { lossSum } = this.lossAndGradientsPacked(p, scale);
    return { loss: lossSum * scale, count: p.count, tokens: p.tokens, gradNorm: gradNorm(this.rt, this.grads) };
  }

  // Several threads (DataParallel): the packed batch is cut by rows (sliceRows) at about
  // equal cost (rows × padded length, balancedCuts); each share's loss is scaled by
  // 1 / (labelled rows of the whole batch) under 'mean'.

  // A stateful model cuts every batch at the same rows (equal shares), so each thread
  // carries the states of its own streams from batch to batch.
  parallelRefusal(): string | undefined {
    return undefined;
  }

  /** resetStates() calls so far, for a model with stateful layers (the worker's replica resets with it). */
  stateResets(): number | undefined {
    return this.isStateful() ? this.resets : undefined;
  }

  private isStateful(): boolean {
    return this.layers.some((l) => l instanceof RecurrentLayer && l.options.stateful);
  }

  splitBatch(batch: TrainBatch, options: StepOptions, arena: Arena): SplitBatch<PackedBatch> {
    this.refuseIfInferenceOnly('training');
    this.rt.requireTraining('training');
    const p = this.packBatch(batch, arena);
    const lossScale = (options.reduction ?? 'mean') === 'mean' ? 1 / Math.max(1, p.count) : 1;
    return {
      rows: p.B, cuts: (parts) => (this.isStateful() ? evenCuts(p.B, parts) : balancedCuts(p.lengths, parts)), lossScale, count: p.count, tokens: p.tokens, whole: p,
      slice: (b0, b1, a) => sliceRows(p, b0, b1, a),
    };
  }

  shareBytes(share: PackedBatch): number {
    return shareWords(share, this.outputSize, this.options.loss === 'mse') * 4;
  }

  writeShare(share: PackedBatch, header: Int32Array, data: SharedArrayBuffer): void {
    writeShare(header, data, share);
  }

  readShare(header: Int32Array, data: SharedArrayBuffer): PackedBatch {
    return readShare(header, data, this.outputSize);
  }

  shareGradients(share: PackedBatch, lossScale: number, rng: Rng): { lossSum: number } {
    return this.lossAndGradientsPacked(share, lossScale, rng);
  }

  /** One training step: forward, backward through time, clipping, optimizer update. */
  trainStep(data: Batch | readonly Example[], optimizer: Optimizer, options: StepOptions = {}): StepResult {
    this.refuseIfInferenceOnly('training');
    this.rt.requireTraining('training');
    requireOptimizer(optimizer); // before the forward pass, not after it
    const r = this.lossAndGradients(toBatch(data, 'trainStep'), options);
    this.applyGradients(optimizer, r.gradNorm, options);
    return r;
  }

  /**
   * The outputs as one flat array in evaluation mode: class probabilities
   * (cross-entropy) or values (MSE), time-major [T][B][C] for per-step models (padded
   * steps included) or [B][C]. A view valid until the next call: copy what you keep.
   */
  outputsView(inputs: unknown[]): Float32Array {
    const p = this.run(inputs, false);
    return this.outputsOf(p);
  }

  private outputsOf(p: Prepared & { slots: Record<string, number> }): Float32Array {
    const { T, B } = p.ctx;
    const R = this.output.seq ? T * B : B, C = this.output.features;
    this.checkFiniteOutputs(p.out.ptr, R * C);
    if (this.options.loss === 'mse') return this.rt.f32(p.out.ptr, R * C);
    this.rt.i32(p.slots.targets, R).fill(-1); // the loss kernel's softmax, every target ignored
    this.rt.kernels.softmaxCrossEntropyForward(R, C, p.out.ptr, p.slots.targets, p.slots.probs);
    return this.rt.f32(p.slots.probs, R * C);
  }

  /** Probabilities or values per valid step ([b][t][c]) or per sequence ([b][c]); the typed predict* methods say which. */
  predictOutputs(inputs: readonly ModelInput[]): number[][][] | number[][] {
    const p = this.run(inputs, false);
    const out = this.outputsOf(p);
    const C = this.output.features, { B } = p.ctx;
    const row = (r: number) => Array.from(out.subarray(r * C, r * C + C));
    if (!this.output.seq) return Array.from({ length: B }, (_, b) => row(b));
    return Array.from({ length: B }, (_, b) => Array.from({ length: p.lengths[b] }, (_, t) => row(t * B + b)));
  }

  /**
   * Most likely class per valid step ([b][t]) or per sequence ([b]); for MSE models, the
   * values. The result's shape depends on the model: the typed methods below return one
   * shape each and say so when the model does not produce it.
   */
  predict(inputs: readonly ModelInput[]): number[][] | number[] | number[][][] {
    if (this.options.loss === 'mse') return this.predictOutputs(inputs);
    // The classes straight from the probabilities in wasm memory: building predictOutputs'
    // nested arrays first cost as much as the forward itself on W2 (bench/w2-threads.bench.mjs).
    const p = this.run(inputs, false);
    const out = this.outputsOf(p);
    const C = this.output.features, { B } = p.ctx;
    const cls = (r: number) => argmax(out.subarray(r * C, r * C + C));
    if (!this.output.seq) return Array.from({ length: B }, (_, b) => cls(b));
    return Array.from({ length: B }, (_, b) => Array.from({ length: p.lengths[b] }, (_, t) => cls(t * B + b)));
  }

  /** What the model outputs: a class or values, per step or per sequence. */
  get outputKind(): OutputKind {
    return `${this.output.seq ? 'step' : 'sequence'}-${this.options.loss === 'mse' ? 'values' : 'classes'}`;
  }

  private expectKind(kind: OutputKind, method: string): void {
    if (this.outputKind === kind) return;
    const use: Record<OutputKind, string> = {
      'step-classes': 'predictStepClasses / predictStepProbabilities', 'sequence-classes': 'predictSequenceClasses / predictSequenceProbabilities',
      'step-values': 'predictStepValues', 'sequence-values': 'predictSequenceValues',
    };
    throw new ConfigError(`${method} needs a model with ${kind} outputs, this one has ${this.outputKind} outputs: use ${use[this.outputKind]}`);
  }

  /** Taggers and language models: the most likely class of every valid step, [b][t]. */
  predictStepClasses(inputs: readonly ModelInput[]): number[][] {
    this.expectKind('step-classes', 'predictStepClasses');
    return this.predict(inputs) as number[][];
  }

  /** Taggers and language models: class probabilities of every valid step, [b][t][c]. */
  predictStepProbabilities(inputs: readonly ModelInput[]): number[][][] {
    this.expectKind('step-classes', 'predictStepProbabilities');
    return this.predictOutputs(inputs) as number[][][];
  }

  /** Sequence classifiers: the most likely class of each sequence, [b]. */
  predictSequenceClasses(inputs: readonly ModelInput[]): number[] {
    this.expectKind('sequence-classes', 'predictSequenceClasses');
    return this.predict(inputs) as number[];
  }

  /** Sequence classifiers: the class probabilities of each sequence, [b][c]. */
  predictSequenceProbabilities(inputs: readonly ModelInput[]): number[][] {
    this.expectKind('sequence-classes', 'predictSequenceProbabilities');
    return this.predictOutputs(inputs) as number[][];
  }

  /** Regression per step (MSE models with per-step outputs): [b][t][values]. */
  predictStepValues(inputs: readonly ModelInput[]): number[][][] {
    this.expectKind('step-values', 'predictStepValues');
    return this.predictOutputs(inputs) as number[][][];
  }

  /** Regression per sequence (MSE models with one output row per sequence): [b][values]. */
  predictSequenceValues(inputs: readonly ModelInput[]): number[][] {
    this.expectKind('sequence-values', 'predictSequenceValues');
    return this.predictOutputs(inputs) as number[][];
  }

  /** How raw text becomes this model's inputs, and its class names (from its model file, or given to saveModel). */
  preprocessing?: TextPipeline;

  /** Taggers with preprocessing: each token of `text` with its label and probability. */
  tagText(text: string): TaggedToken[] {
    return tagText(this, text);
  }

  /** Classifiers with preprocessing: the label of `text`, with every label's probability. */
  classifyText(text: string): TextClass {
    return classifyText(this, text);
  }

  /** Language models with preprocessing: `prompt` continued by up to maxTokens tokens. */
  generateText(prompt: string, options: GenerateOptions): string {
    return generateText(this, prompt, options);
  }

  /** Any model with preprocessing: tags, a class or values for raw text, by what the model outputs. */
  predictText(text: string): TextPrediction {
    return predictText(this, text);
  }

  /** Finite weights can still overflow (weights near the f32 limit): say so instead of returning NaN. */
  private checkFiniteOutputs(ptr: number, n: number): void {
    if (this.rt.kernels.hasNonFinite(ptr, n)) {
      throw new NonFiniteError('the model\'s outputs are non-finite although its inputs and weights are finite: the weights have diverged (retrain with a lower learning rate or clipping)');
    }
  }

  /**
   * Mean loss, and accuracy for classifiers, in evaluation mode, on examples
   * `[{ input, target }, …]` (the shape fit takes) or a batch `{ inputs, targets }`.
   */
  evaluate(data: Batch | readonly Example[]): { loss: number; accuracy?: number; count: number } {
    const e = this.evaluatePacked(this.packBatch(toBatch(data, 'evaluate')));
    const r: { loss: number; accuracy?: number; count: number } = { loss: e.lossSum / Math.max(1, e.count), count: e.count };
    if (e.correct !== undefined) r.accuracy = e.correct / Math.max(1, e.count);
    return r;
  }

  /**
   * A packed batch in evaluation mode: its loss sum, labelled items and (classifiers)
   * how many of them are predicted right. Each row's outputs do not depend on the
   * other rows of its batch, so the sums over row shares equal the whole batch's
   * (the loss up to float rounding of the sum): what evaluation on several threads adds up.
   */
  evaluatePacked(batch: PackedBatch): ShareEvaluation {
    const p = this.runPacked(batch, false, this.rng);
    const { T, B } = p.ctx;
    this.checkFiniteOutputs(p.out.ptr, (this.output.seq ? T * B : B) * this.output.features);
    const lossSum = this.lossPacked(p, batch);
    if (!batch.classes) return { lossSum, count: batch.count };
    const R = this.output.seq ? T * B : B, C = this.output.features;
    const probs = this.rt.f32(p.slots.probs, R * C), t = batch.classes;
    let correct = 0;
    for (let i = 0; i < R; i++) if (t[i] >= 0 && argmax(probs.subarray(i * C, i * C + C)) === t[i]) correct++;
    return { lossSum, correct, count: batch.count };
  }

  shareEvaluation(share: PackedBatch): ShareEvaluation {
    return this.evaluatePacked(share);
  }


  /**
   * Stateful step-by-step inference for `numStreams` independent streams; for models
   * shaped embedding → one unidirectional recurrent layer (per-step outputs) →
   * dense, with any dropout layers (inactive at inference).
   */
  stream(numStreams = 1): RecurrentStream {
    this.checkAlive();
    const core = this.layers.filter((l) => !(l instanceof Dropout));
    const [emb, rec, head] = core;
    if (core.length !== 3 || !(emb instanceof Embedding) || emb.vocabSizes.length !== 1 || !(rec instanceof RecurrentLayer) || !(head instanceof Dense) || !rec.returnSequences) {
      throw new ConfigError('streaming needs a model shaped embedding (one field) → recurrent layer (returnSequences) → dense');
    }
    if (this.options.loss !== 'crossEntropy') throw new ConfigError('streaming returns class probabilities: it needs a cross-entropy model');
    const c = rec.core.config;
    this.refreshPacked(); // int8 operands are laid out by the first pack
    const headPtrs = head.streamPointers(this.params);
    return new RecurrentStream(this.owned, {
      cell: rec.core.streamCode, L: c.numLayers, H: c.hiddenSize, P: c.projSize, E: emb.dim, C: head.options.units, vocabSize: emb.fields[0].vocabSize,
      embedding: this.params.at(this.table.get(`${emb.name}.weight`).offset), headT: headPtrs.weightT, headBias: headPtrs.bias,
      headScales: headPtrs.scales, headScratch: headPtrs.scratch, folded: this.foldedAt !== undefined ? rec.core.foldedTable(0) : 0,
      layers: rec.core.streamPointers(this.params), refresh: () => { this.checkAlive(); this.refreshPacked(); },
    }, numStreams);
  }

}

/** Examples `[{ input, target }]` (what fit takes) or a batch `{ inputs, targets }`, as a batch. */
function toBatch(data: Batch | readonly Example[], method: string): Batch {
  if (Array.isArray(data)) {
    requireExamples(data, method);
    return { inputs: data.map((e: Example) => e.input), targets: data.map((e: Example) => e.target) };
  }
  if (!data || typeof data !== 'object') throw new ArgumentError(`${method} expects examples [{ input, target }, …] or a batch { inputs, targets }, got ${describeValue(data)}`);
  return data as Batch;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
