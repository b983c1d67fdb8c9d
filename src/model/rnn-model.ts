// The minimal model of the foundation slice: embedding → Elman RNN → dense head,
// for one label per step (tagging) or one label per sequence (classification from
// the last valid step). Parameters follow PyTorch's names and shapes
// (nn.Embedding, nn.RNN, nn.Linear) and initialisation.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import { ParameterTable, type ParameterEntry, type StateDict } from './parameter-table.js';
import { packSequenceLabels, packStepLabels, packTokenSequences, type PackedSequences } from '../data/pack.js';
import { ConfigError, NonFiniteError } from '../errors.js';
import { Rng } from '../random.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';

export interface RnnModelConfig {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  numClasses: number;
  /** Elman nonlinearity, as nn.RNN's `nonlinearity`. Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
  /** 'steps': a label per step (tagging); 'last': one label per sequence. Default 'steps'. */
  output?: 'steps' | 'last';
  /** Seed for initialisation. Default 0. */
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

const ACT = { tanh: 0, relu: 1 } as const;

/** Byte offsets of one (T, B) workspace, carved from a single region. */
interface Workspace {
  T: number; B: number; R: number;
  ids: number; lengths: number; targets: number;
  x: number; hs: number; logits: number; probs: number; dlogits: number;
  dhs: number; dlast: number; dx: number; dz: number; dhCur: number; carry: number; pack: number;
}

export class RnnModel {
  readonly config: Required<RnnModelConfig>;
  readonly table = new ParameterTable();
  readonly params: Region;
  readonly grads: Region;
  private readonly p: Record<'emb' | 'wih' | 'whh' | 'bih' | 'bhh' | 'hw' | 'hb', ParameterEntry>;
  private readonly packed: Record<'wihT' | 'whhT' | 'wihN' | 'whhN' | 'headT' | 'headN', Region>;
  private packedDirty = true;
  private ws?: Region;

  constructor(readonly rt: Runtime, config: RnnModelConfig) {
    this.config = validateConfig(config);
    const { vocabSize: V, embeddingDim: E, hiddenSize: H, numClasses: C } = this.config;
    const t = this.table;
    this.p = {
      emb: t.add('embedding.weight', [V, E]),
      wih: t.add('rnn.weight_ih_l0', [H, E]),
      whh: t.add('rnn.weight_hh_l0', [H, H]),
      bih: t.add('rnn.bias_ih_l0', [H]),
      bhh: t.add('rnn.bias_hh_l0', [H]),
      hw: t.add('head.weight', [C, H]),
      hb: t.add('head.bias', [C]),
    };
    const pl = rt.planner;
    this.params = pl.alloc(t.total);
    this.grads = pl.alloc(t.total);
    const k = rt.kernels;
    this.packed = {
      wihT: pl.alloc(k.packedSize(E, H)), whhT: pl.alloc(k.packedSize(H, H)),
      wihN: pl.alloc(k.packedSize(H, E)), whhN: pl.alloc(k.packedSize(H, H)),
      headT: pl.alloc(k.packedSize(H, C)), headN: pl.alloc(k.packedSize(C, H)),
    };
    this.initialise(new Rng(this.config.seed));
  }

  /** PyTorch's defaults: Embedding N(0, 1); RNN U(±1/√H); Linear U(±1/√in). */
  private initialise(rng: Rng): void {
    const buf = this.params.f32();
    const fill = (e: ParameterEntry, f: () => number) => {
      for (let i = 0; i < e.size; i++) buf[e.offset + i] = f();
    };
    const { hiddenSize: H } = this.config;
    const r = 1 / Math.sqrt(H);
    fill(this.p.emb, () => rng.normal());
    for (const e of [this.p.wih, this.p.whh, this.p.bih, this.p.bhh]) fill(e, () => rng.uniform(-r, r));
    fill(this.p.hw, () => rng.uniform(-r, r));
    fill(this.p.hb, () => rng.uniform(-r, r));
    this.packedDirty = true;
  }

  private ptr(e: ParameterEntry, region: Region = this.params): number {
    return region.at(e.offset);
  }

  /** Re-derives the GEMM-packed weights after the parameters changed. */
  private refreshPacked(): void {
    if (!this.packedDirty) return;
    const k = this.rt.kernels;
    const { embeddingDim: E, hiddenSize: H, numClasses: C } = this.config;
    const P = this.packed;
    k.packB(this.ptr(this.p.wih), E, E, H, 1, P.wihT.ptr);
    k.packB(this.ptr(this.p.whh), H, H, H, 1, P.whhT.ptr);
    k.packB(this.ptr(this.p.wih), E, H, E, 0, P.wihN.ptr);
    k.packB(this.ptr(this.p.whh), H, H, H, 0, P.whhN.ptr);
    k.packB(this.ptr(this.p.hw), H, H, C, 1, P.headT.ptr);
    k.packB(this.ptr(this.p.hw), H, C, H, 0, P.headN.ptr);
    this.packedDirty = false;
  }

  /** Lays out the workspace for (T, B), growing it only when it is too small. */
  private workspace(T: number, B: number): Workspace {
    const { embeddingDim: E, hiddenSize: H, numClasses: C, output } = this.config;
    const k = this.rt.kernels;
    const TB = T * B, R = output === 'steps' ? TB : B;
    const sizes = {
      ids: TB, lengths: B, targets: R, x: TB * E, hs: TB * H, logits: R * C, probs: R * C, dlogits: R * C,
      dhs: output === 'steps' ? TB * H : 0, dlast: B * H, dx: TB * E, dz: TB * H, dhCur: B * H, carry: B * H,
      pack: Math.max(k.packedSize(TB, E), k.packedSize(TB, H), k.packedSize(R, H)),
    };
    let total = 0;
    const offs: Record<string, number> = {};
    for (const [name, n] of Object.entries(sizes)) {
      offs[name] = total;
      total += Math.ceil(n / 16) * 16;
    }
    if (!this.ws || this.ws.length < total) {
      if (this.ws) this.rt.planner.release(this.ws);
      this.ws = this.rt.planner.alloc(total);
    }
    const base = this.ws.ptr;
    const w = { T, B, R } as Workspace;
    for (const name of Object.keys(sizes)) (w as unknown as Record<string, number>)[name] = base + offs[name] * 4;
    return w;
  }

  private i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.rt.memory.buffer, ptr, n);
  }

  /** Embedding → RNN → head logits for a packed batch. */
  private forward(seq: PackedSequences): Workspace {
    this.refreshPacked();
    const w = this.workspace(seq.T, seq.B);
    const k = this.rt.kernels;
    const { embeddingDim: E, hiddenSize: H, numClasses: C, output, nonlinearity } = this.config;
    const { T, B } = seq;
    this.i32(w.ids, T * B).set(seq.ids);
    this.i32(w.lengths, B).set(seq.lengths);
    k.embeddingForward(w.ids, T * B, E, this.ptr(this.p.emb), w.x);
    k.rnnForward(T, B, E, H, w.x, this.packed.wihT.ptr, this.packed.whhT.ptr, this.ptr(this.p.bih), this.ptr(this.p.bhh),
      0, w.lengths, ACT[nonlinearity], w.hs);
    const headIn = output === 'steps' ? w.hs : w.hs + (T - 1) * B * H * 4; // the carried state at T-1 is each row's last valid step
    k.denseForward(w.R, H, C, headIn, this.packed.headT.ptr, this.ptr(this.p.hb), w.logits);
    return w;
  }

  private packTargets(seq: PackedSequences, targets: unknown): Int32Array {
    const C = this.config.numClasses;
    return this.config.output === 'steps' ? packStepLabels(targets, seq, C) : packSequenceLabels(targets, seq.B, C);
  }

  /**
   * Loss of a batch and the gradients of every parameter (left in `grads`), without
   * an update. Throws NonFiniteError when the loss is not finite.
   */
  lossAndGradients(batch: SequenceBatch, options: StepOptions = {}): StepResult {
    const seq = packTokenSequences(batch?.inputs, this.config.vocabSize, this.config.maxLength);
    const targets = this.packTargets(seq, batch.targets);
    const w = this.forward(seq);
    const k = this.rt.kernels;
    const { embeddingDim: E, hiddenSize: H, numClasses: C, output, nonlinearity } = this.config;
    const { T, B } = seq;
    this.i32(w.targets, w.R).set(targets);
    const count = output === 'steps' ? seq.lengths.reduce((a, b) => a + b, 0) : B;
    const lossSum = k.softmaxCrossEntropyForward(w.R, C, w.logits, w.targets, w.probs);
    if (!Number.isFinite(lossSum)) {
      throw new NonFiniteError(`the loss is ${lossSum} (non-finite): the parameters were not updated; lower the learning rate or clip gradients`);
    }
    const mean = (options.reduction ?? 'mean') === 'mean';
    const g = this.grads;
    g.f32().fill(0);
    k.softmaxCrossEntropyBackward(w.R, C, w.probs, w.targets, mean ? 1 / count : 1, w.dlogits);
    const steps = output === 'steps';
    const headIn = steps ? w.hs : w.hs + (T - 1) * B * H * 4;
    k.denseBackward(w.R, H, C, headIn, this.packed.headN.ptr, w.dlogits, steps ? w.dhs : w.dlast, 0,
      this.ptr(this.p.hw, g), this.ptr(this.p.hb, g), w.pack);
    new Float32Array(this.rt.memory.buffer, w.dx, T * B * E).fill(0);
    k.rnnBackward(T, B, E, H, w.x, this.packed.wihN.ptr, this.packed.whhN.ptr, 0, w.lengths, ACT[nonlinearity], w.hs,
      steps ? w.dhs : 0, steps ? 0 : w.dlast, w.dx,
      this.ptr(this.p.wih, g), this.ptr(this.p.whh, g), this.ptr(this.p.bih, g), this.ptr(this.p.bhh, g), 0,
      w.dz, w.dhCur, w.carry, w.pack);
    k.embeddingBackward(w.ids, T * B, E, w.dx, this.ptr(this.p.emb, g));
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

  /** Class probabilities: per valid step ([b][t][c]) or per sequence ([b][c]). */
  predictProbabilities(inputs: number[][]): number[][][] | number[][] {
    const seq = packTokenSequences(inputs, this.config.vocabSize, this.config.maxLength);
    const w = this.forward(seq);
    const k = this.rt.kernels;
    const C = this.config.numClasses;
    const { B, lengths } = seq;
    // The loss kernel's softmax with every target ignored.
    this.i32(w.targets, w.R).fill(-1);
    k.softmaxCrossEntropyForward(w.R, C, w.logits, w.targets, w.probs);
    const probs = new Float32Array(this.rt.memory.buffer, w.probs, w.R * C);
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

  /** Loss and accuracy on a batch, without gradients. */
  evaluate(batch: SequenceBatch): { loss: number; accuracy: number; count: number } {
    const seq = packTokenSequences(batch?.inputs, this.config.vocabSize, this.config.maxLength);
    const targets = this.packTargets(seq, batch.targets);
    const w = this.forward(seq);
    const C = this.config.numClasses;
    this.i32(w.targets, w.R).set(targets);
    const lossSum = this.rt.kernels.softmaxCrossEntropyForward(w.R, C, w.logits, w.targets, w.probs);
    const probs = new Float32Array(this.rt.memory.buffer, w.probs, w.R * C);
    let correct = 0, count = 0;
    for (let r = 0; r < w.R; r++) {
      if (targets[r] < 0) continue;
      count++;
      if (argmax(probs.subarray(r * C, r * C + C)) === targets[r]) correct++;
    }
    return { loss: lossSum / count, accuracy: correct / count, count };
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

  /** Gradients from the last lossAndGradients / trainStep, by parameter name. */
  gradientDict(): StateDict {
    return this.table.toStateDict(this.grads.f32());
  }

  /** Frees this model's memory in the runtime. */
  dispose(): void {
    const pl = this.rt.planner;
    for (const r of [this.params, this.grads, ...Object.values(this.packed)]) pl.release(r);
    if (this.ws) pl.release(this.ws);
    this.ws = undefined;
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
  const out = { nonlinearity: 'tanh', output: 'steps', seed: 0, maxLength: 4096, ...c } as Required<RnnModelConfig>;
  if (!(out.nonlinearity in ACT)) throw new ConfigError(`nonlinearity = '${out.nonlinearity}' is invalid: expected 'tanh' or 'relu'`);
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
