// A sequence model: embedding → recurrent stack (Elman RNN, LSTM or GRU; layers,
// directions, dropout) → dense head, for one label per step (tagging) or one label
// per sequence (classification from the final states). Parameters follow PyTorch's
// names, shapes and default initialisation (nn.Embedding, nn.RNN/LSTM/GRU, nn.Linear).
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import { Workspace } from '../runtime/workspace.js';
import { ParameterTable, type ParameterEntry, type StateDict } from './parameter-table.js';
import { packSequenceLabels, packStepLabels, packTokenSequences, type PackedSequences } from '../data/pack.js';
import { ConfigError, NonFiniteError, RnnWasmError, WeightFileError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { Rng } from '../random.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Recurrent, defined, type CellType } from '../layers/recurrent.js';
import { RecurrentStream } from './stream.js';

export interface RnnModelConfig {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  numClasses: number;
  /** 'rnn' (Elman), 'lstm' or 'gru'. Default 'rnn'. */
  cell?: CellType;
  numLayers?: number;
  bidirectional?: boolean;
  /** How the two directions combine: 'concat' (default), 'sum' or 'mean'. */
  merge?: 'concat' | 'sum' | 'mean';
  /** Dropout between recurrent layers, in training. */
  dropout?: number;
  /** Elman nonlinearity. Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
  /** GRU with the reset gate before the recurrent product (Keras reset_after = False). */
  resetBefore?: boolean;
  /** 'steps': a label per step (tagging); 'last': one label per sequence, from the final states. Default 'steps'. */
  output?: 'steps' | 'last';
  /** Seed for initialisation and dropout. Default 0. */
  seed?: number;
  /** Longest sequence accepted. Default 4096. */
  maxLength?: number;
}

export interface SequenceBatch {
  /** Token-id sequences of any lengths ≥ 1. */
  inputs: number[][];
  /** Per step: one label sequence per input; per sequence: one label per input. */
  targets: number[][] | number[];
}

export interface StepOptions {
  /** 'mean' over labelled steps (PyTorch's default) or 'sum'. */
  reduction?: 'mean' | 'sum';
  /** Clip gradients to this global L2 norm before the update. */
  clipNorm?: number;
}

export interface StepResult {
  /** Loss with the chosen reduction. */
  loss: number;
  /** Number of labelled steps (tagging) or sequences (classification). */
  count: number;
  /** Valid input tokens processed. */
  tokens: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export class RnnModel {
  readonly config: Required<RnnModelConfig>;
  readonly table = new ParameterTable();
  readonly params: Region;
  readonly grads: Region;
  readonly recurrent: Recurrent;
  private readonly emb: ParameterEntry;
  private readonly hw: ParameterEntry;
  private readonly hb: ParameterEntry;
  private readonly headT: Region;
  private readonly headN: Region;
  private readonly ws: Workspace;
  private readonly rng: Rng;
  private packedDirty = true;

  constructor(readonly rt: Runtime, config: RnnModelConfig) {
    this.config = validateConfig(config);
    const c = this.config;
    this.emb = this.table.add('embedding.weight', [c.vocabSize, c.embeddingDim]);
    this.recurrent = new Recurrent(rt, {
      cell: c.cell, inputSize: c.embeddingDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers,
      bidirectional: c.bidirectional, merge: c.merge, dropout: c.dropout, nonlinearity: c.nonlinearity, resetBefore: c.resetBefore,
    }, this.table, 'rnn.');
    const F = this.recurrent.outputSize;
    this.hw = this.table.add('head.weight', [c.numClasses, F]);
    this.hb = this.table.add('head.bias', [c.numClasses]);
    const pl = rt.planner, k = rt.kernels;
    this.params = pl.alloc(this.table.total);
    this.grads = pl.alloc(this.table.total);
    this.headT = pl.alloc(k.packedSize(F, c.numClasses));
    this.headN = pl.alloc(k.packedSize(c.numClasses, F));
    this.ws = new Workspace(pl);
    this.rng = new Rng(c.seed);
    this.initialise();
  }

  /** PyTorch's defaults: Embedding N(0, 1); recurrent U(±1/√H); Linear U(±1/√in). */
  private initialise(): void {
    const buf = this.params.f32();
    const fill = (e: ParameterEntry, f: () => number) => {
      for (let i = 0; i < e.size; i++) buf[e.offset + i] = f();
    };
    fill(this.emb, () => this.rng.normal());
    this.recurrent.initialise(buf, this.rng);
    const r = 1 / Math.sqrt(this.recurrent.outputSize);
    fill(this.hw, () => this.rng.uniform(-r, r));
    fill(this.hb, () => this.rng.uniform(-r, r));
    this.packedDirty = true;
  }

  /** Re-derives the GEMM-packed weights after the parameters changed. */
  private refreshPacked(): void {
    if (!this.packedDirty) return;
    const k = this.rt.kernels;
    const F = this.recurrent.outputSize, C = this.config.numClasses;
    this.recurrent.pack(this.params);
    k.packB(this.params.at(this.hw.offset), F, F, C, 1, this.headT.ptr);
    k.packB(this.params.at(this.hw.offset), F, C, F, 0, this.headN.ptr);
    this.packedDirty = false;
  }

  private get directions(): number {
    return this.config.bidirectional ? 2 : 1;
  }

  private layout(T: number, B: number) {
    const { embeddingDim: E, hiddenSize: H, numClasses: C, output, numLayers: L } = this.config;
    const F = this.recurrent.outputSize, TB = T * B, R = output === 'steps' ? TB : B;
    return {
      R,
      ...this.ws.layout({
        ids: TB, lengths: B, ones: B, targets: R, x: TB * E, last: output === 'last' ? B * F : 0,
        logits: R * C, probs: R * C, dlogits: R * C, dfeat: R * F, dhn: L * this.directions * B * H,
        pack: this.rt.kernels.packedSize(R, F),
      }),
    };
  }

  private i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.rt.memory.buffer, ptr, n);
  }

  /** Embedding → recurrent stack → head logits for a packed batch. */
  private forward(seq: PackedSequences, training: boolean) {
    this.refreshPacked();
    const { T, B } = seq;
    const w = this.layout(T, B);
    const k = this.rt.kernels;
    const { embeddingDim: E, hiddenSize: H, numClasses: C, output, numLayers: L, merge } = this.config;
    const F = this.recurrent.outputSize, D = this.directions;
    this.i32(w.ids, T * B).set(seq.ids);
    this.i32(w.lengths, B).set(seq.lengths);
    k.embeddingForward(w.ids, T * B, E, this.params.at(this.emb.offset), w.x);
    const r = this.recurrent.forward(T, B, w.x, w.lengths, 0, 0, training, this.rng, this.params);
    let feat = r.output;
    if (output === 'last') {
      // The last layer's final states, directions concatenated (or merged), per sequence.
      this.i32(w.ones, B).fill(1); // lengths of a one-step "sequence": every row valid
      for (let d = 0; d < D; d++) {
        const concat = merge === 'concat' || D === 1;
        k.gatherSteps(r.hn + ((L - 1) * D + d) * B * H * 4, H, concat ? w.last + d * H * 4 : w.last, F, H, 1, B, w.ones, 0,
          concat || merge === 'sum' ? 1 : 0.5, !concat && d === 1 ? 1 : 0);
      }
      feat = w.last;
    }
    k.denseForward(w.R, F, C, feat, this.headT.ptr, this.params.at(this.hb.offset), w.logits);
    return { w, feat };
  }

  private packTargets(seq: PackedSequences, targets: unknown): Int32Array {
    const C = this.config.numClasses;
    return this.config.output === 'steps' ? packStepLabels(targets, seq, C) : packSequenceLabels(targets, seq.B, C);
  }

  private pack(inputs: unknown): PackedSequences {
    return packTokenSequences(inputs, this.config.vocabSize, this.config.maxLength);
  }

  /**
   * Loss of a batch and the gradients of every parameter (left in `grads`), without
   * an update. Runs in training mode (dropout on). Throws NonFiniteError when the
   * loss is not finite.
   */
  lossAndGradients(batch: SequenceBatch, options: StepOptions = {}): StepResult {
    const seq = this.pack(batch?.inputs);
    const targets = this.packTargets(seq, batch.targets);
    const { w, feat } = this.forward(seq, true);
    const k = this.rt.kernels;
    const { embeddingDim: E, hiddenSize: H, numClasses: C, output, numLayers: L, merge } = this.config;
    const F = this.recurrent.outputSize, D = this.directions;
    const { T, B } = seq;
    this.i32(w.targets, w.R).set(targets);
    const count = output === 'steps' ? sum(seq.lengths) : B;
    const lossSum = k.softmaxCrossEntropyForward(w.R, C, w.logits, w.targets, w.probs);
    if (!Number.isFinite(lossSum)) {
      throw new NonFiniteError(`the loss is ${lossSum} (non-finite): the parameters were not updated; lower the learning rate or clip gradients`);
    }
    const mean = (options.reduction ?? 'mean') === 'mean';
    const g = this.grads;
    g.f32().fill(0);
    k.softmaxCrossEntropyBackward(w.R, C, w.probs, w.targets, mean ? 1 / count : 1, w.dlogits);
    k.denseBackward(w.R, F, C, feat, this.headN.ptr, w.dlogits, w.dfeat, 0, g.at(this.hw.offset), g.at(this.hb.offset), w.pack);
    let dOut = w.dfeat, dhn = 0;
    if (output === 'last') {
      new Float32Array(this.rt.memory.buffer, w.dhn, L * D * B * H).fill(0);
      for (let d = 0; d < D; d++) {
        const concat = merge === 'concat' || D === 1;
        k.gatherSteps(concat ? w.dfeat + d * H * 4 : w.dfeat, F, w.dhn + ((L - 1) * D + d) * B * H * 4, H, H, 1, B, w.ones, 0,
          concat || merge === 'sum' ? 1 : 0.5, 0);
      }
      dOut = 0;
      dhn = w.dhn;
    }
    const dx = this.recurrent.backward(dOut, dhn, 0, g, 0, 0);
    k.embeddingBackward(w.ids, T * B, E, dx, g.at(this.emb.offset));
    return { loss: mean ? lossSum / count : lossSum, count, tokens: sum(seq.lengths), gradNorm: gradNorm(this.rt, g) };
  }

  /** One training step: forward, backward through time, optional clipping, optimizer update. */
  trainStep(batch: SequenceBatch, optimizer: Optimizer, options: StepOptions = {}): StepResult {
    const r = this.lossAndGradients(batch, options);
    if (!Number.isFinite(r.gradNorm)) {
      throw new NonFiniteError(`the gradient norm is ${r.gradNorm}: the parameters were not updated`);
    }
    if (options.clipNorm !== undefined) clipGradNorm(this.rt, this.grads, options.clipNorm);
    optimizer.step(this.rt, this.params, this.grads);
    this.packedDirty = true;
    return r;
  }

  /** Softmax of the logits, in evaluation mode; returns the workspace and probabilities. */
  private probabilities(seq: PackedSequences, targets?: Int32Array) {
    const { w } = this.forward(seq, false);
    const C = this.config.numClasses;
    // The loss kernel's softmax; with every target ignored when there are none.
    if (targets) this.i32(w.targets, w.R).set(targets);
    else this.i32(w.targets, w.R).fill(-1);
    const lossSum = this.rt.kernels.softmaxCrossEntropyForward(w.R, C, w.logits, w.targets, w.probs);
    return { lossSum, R: w.R, probs: new Float32Array(this.rt.memory.buffer, w.probs, w.R * C) };
  }

  /**
   * Class probabilities as one flat array in evaluation mode: time-major [T][B][C]
   * for per-step models (padded steps included), [B][C] otherwise. A view into the
   * runtime's memory, valid until the next call on this model: copy what you keep.
   */
  probabilitiesView(inputs: number[][]): Float32Array {
    return this.probabilities(this.pack(inputs)).probs;
  }

  /** Class probabilities: per valid step ([b][t][c]) or per sequence ([b][c]). */
  predictProbabilities(inputs: number[][]): number[][][] | number[][] {
    const seq = this.pack(inputs);
    const { probs } = this.probabilities(seq);
    const C = this.config.numClasses;
    const { B, lengths } = seq;
    const row = (r: number) => Array.from(probs.subarray(r * C, r * C + C));
    if (this.config.output === 'last') return Array.from({ length: B }, (_, b) => row(b));
    return Array.from({ length: B }, (_, b) => Array.from({ length: lengths[b] }, (_, t) => row(t * B + b)));
  }

  /** Most likely class per valid step ([b][t]) or per sequence ([b]). */
  predict(inputs: number[][]): number[][] | number[] {
    const p = this.predictProbabilities(inputs);
    if (this.config.output === 'last') return (p as number[][]).map(argmax);
    return (p as number[][][]).map((s) => s.map(argmax));
  }

  /** Loss (mean) and accuracy on a batch, in evaluation mode, without gradients. */
  evaluate(batch: SequenceBatch): { loss: number; accuracy: number; count: number } {
    const seq = this.pack(batch?.inputs);
    const targets = this.packTargets(seq, batch.targets);
    const { lossSum, R, probs } = this.probabilities(seq, targets);
    const C = this.config.numClasses;
    let correct = 0, count = 0;
    for (let r = 0; r < R; r++) {
      if (targets[r] < 0) continue;
      count++;
      if (argmax(probs.subarray(r * C, r * C + C)) === targets[r]) correct++;
    }
    return { loss: lossSum / count, accuracy: correct / count, count };
  }

  /**
   * Stateful step-by-step inference for `numStreams` independent streams (e.g. live
   * text): each step() takes one token per stream and returns class probabilities,
   * carrying every layer's state. Unidirectional models only.
   */
  stream(numStreams = 1): RecurrentStream {
    const c = this.config;
    const layers = this.recurrent.streamPointers(this.params);
    const cell = c.cell === 'rnn' ? (c.nonlinearity === 'relu' ? 1 : 0) : c.cell === 'lstm' ? 2 : c.resetBefore ? 4 : 3;
    return new RecurrentStream(this.rt, {
      cell, L: c.numLayers, H: c.hiddenSize, E: c.embeddingDim, C: c.numClasses, vocabSize: c.vocabSize,
      embedding: this.params.at(this.emb.offset), headT: this.headT.ptr, headBias: this.params.at(this.hb.offset), layers,
      refresh: () => this.refreshPacked(),
    }, numStreams);
  }

  /** A copy of every parameter under PyTorch state_dict names. */
  stateDict(): StateDict {
    return this.table.toStateDict(this.params.f32());
  }

  /** Replaces every parameter; validates names, shapes and finiteness first. */
  loadStateDict(dict: StateDict): void {
    this.table.loadStateDict(this.params.f32(), dict);
    this.packedDirty = true;
  }

  /**
   * The weights as a safetensors file (PyTorch state_dict names, F32) with this
   * model's config in the metadata under 'rnn-wasm.config'.
   */
  saveSafetensors(): Uint8Array {
    return writeSafetensors(this.stateDict(), { 'rnn-wasm.config': JSON.stringify(this.config) });
  }

  /**
   * Loads weights from a safetensors file (F32, or F16 / BF16 / F64 converted).
   * Names, shapes, dtypes and values are all checked before anything is changed;
   * any mismatch is a WeightFileError that says what does not fit.
   */
  loadSafetensors(bytes: Uint8Array): void {
    const { tensors } = readSafetensors(bytes);
    const dict: StateDict = {};
    for (const [name, t] of Object.entries(tensors)) {
      if (!['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) {
        throw new WeightFileError(`'${name}' has dtype ${t.dtype}: weights must be F32, F16, BF16 or F64`);
      }
      dict[name] = { shape: t.shape, data: t.data };
    }
    try {
      this.loadStateDict(dict);
    } catch (e) {
      if (e instanceof RnnWasmError && !(e instanceof WeightFileError)) throw new WeightFileError(`weights do not fit this model: ${e.message}`);
      throw e;
    }
  }

  /** Gradients from the last lossAndGradients / trainStep, by parameter name. */
  gradientDict(): StateDict {
    return this.table.toStateDict(this.grads.f32());
  }

  /** Frees this model's memory in the runtime. */
  dispose(): void {
    const pl = this.rt.planner;
    for (const r of [this.params, this.grads, this.headT, this.headN]) pl.release(r);
    this.recurrent.dispose();
    this.ws.release();
  }
}

function validateConfig(c: RnnModelConfig): Required<RnnModelConfig> {
  if (!c || typeof c !== 'object') throw new ConfigError('the model config must be an object');
  const positive = (name: keyof RnnModelConfig) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(`${name} = ${String(v)} is invalid: expected a positive integer`);
    }
  };
  positive('vocabSize'); positive('embeddingDim'); positive('hiddenSize'); positive('numClasses');
  if (c.maxLength !== undefined) positive('maxLength');
  const out = {
    cell: 'rnn', numLayers: 1, bidirectional: false, merge: 'concat', dropout: 0, nonlinearity: 'tanh', resetBefore: false,
    output: 'steps', seed: 0, maxLength: 4096, ...defined(c),
  } as Required<RnnModelConfig>;
  if (out.output !== 'steps' && out.output !== 'last') throw new ConfigError(`output = '${out.output}' is invalid: expected 'steps' or 'last'`);
  if (!Number.isInteger(out.seed)) throw new ConfigError(`seed = ${out.seed} is invalid: expected an integer`);
  return out;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function sum(a: Int32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}
