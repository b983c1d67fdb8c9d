// A recurrent layer in every shape of PyTorch's nn.RNN / nn.LSTM / nn.GRU: numLayers
// stacked, optionally bidirectional (the reverse direction reads each sequence's
// valid steps backwards within its own length), dropout between layers (training
// only), initial states in and final states out in PyTorch's [L·D][B][H] layout.
// Outputs are time-major [T][B][D·H] (concat) or [T][B][H] (sum / mean), zero at
// padded steps. Parameters live in the model's flat buffer under state_dict names.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import { Workspace } from '../runtime/workspace.js';
import type { ParameterEntry, ParameterTable } from '../runtime/parameter-table.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { orthogonal, xavierUniform } from '../init.js';
import { fillDropoutMask } from './dropout-mask.js';
import { check } from '../config/schema.js';
import { recurrentCoreSchema } from '../config/layer-schemas.js';
import { packedFloats } from '../config/footprint.js';
import { CELLS, isCellType, type Cell, type CellOptions, type CellType, type PackedOperand } from '../cells/index.js';
import { operandShape } from '../cells/cell.js';
import { RECURRENT_ARG_WORDS, writeRecurrentArgs, type RecurrentArgs } from '../runtime/recurrent-args.js';
import { int8ScratchFloats, type Int8Operand, type Int8Weights } from '../runtime/int8-weights.js';

export type { CellType } from '../cells/index.js';

export interface RecurrentConfig {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  /** How the two directions combine: 'concat' (PyTorch), 'sum' or 'mean'. */
  merge?: 'concat' | 'sum' | 'mean';
  /** Dropout on the outputs of every layer but the last, in training (as nn.LSTM's dropout). */
  dropout?: number;
  /** Elman nonlinearity (cell 'rnn'). */
  nonlinearity?: 'tanh' | 'relu';
  /** GRU only: reset gate before the recurrent product (ONNX linear_before_reset = 0, Keras reset_after = False). */
  resetBefore?: boolean;
  /** false: no bias_ih / bias_hh at all (PyTorch's bias=False). Default true. */
  bias?: boolean;
  /** Input weights: PyTorch's U(±1/√H) ('default') or Glorot uniform over the whole [G·H][I] matrix ('xavier'). */
  weightInit?: 'default' | 'xavier';
  /** Recurrent weights: 'default', or 'orthogonal' (each gate's H × H block orthogonal). */
  recurrentInit?: 'default' | 'orthogonal';
  /**
   * LSTM only: PyTorch's proj_size (0 = none, else < hiddenSize): h_t = W_hr (o ⊙ tanh(c_t))
   * has projSize floats (outputs, h0, hn), c keeps hiddenSize, weight_hr_l{k} [projSize][hiddenSize].
   */
  projSize?: number;
  /** LSTM only: the forget gate's total bias (bias_ih = value, bias_hh = 0); e.g. 1 (Jozefowicz et al., 2015). */
  forgetBias?: number | null;
}

interface Direction {
  layer: number;
  reverse: boolean;
  inputSize: number;
  /** The cell's tensors by role (bih, bhh absent without biases). */
  params: Partial<Record<'wih' | 'whh' | 'bih' | 'bhh' | 'whr', ParameterEntry>>;
  /** Packed weight copies, one per operand the cell declares. */
  packed: { op: PackedOperand; region: Region }[];
  /** int8 inference: the forward operands as integer panels, and the kernels' block of their scales (assembly/qgemm.ts, QW). */
  int8?: { ops: Map<PackedOperand['field'], Int8Operand>; block: Region };
}

/** Pointers of one forward pass, kept for the backward. */
interface Saved {
  T: number; B: number; x: number; lengths: number; h0: number; c0: number;
  ws: StackSlots;
  masks: number[];
}

/** What a step-by-step forward keeps for its backward. */
interface StepSaved {
  T: number; B: number; h0: number; c0: number;
  ws: StackSlots;
  sw: { ones: number; dh: number; dc: number; dx: number; dIn: number };
  masks: number[];
  /** Steps run so far (forward), or the next step to go back from + 1 (backward). */
  done: number;
  /** Which half of the dh / dc ping-pong holds the carried gradients. */
  back?: number;
  /** Each step's input pointer (the layer-0 input must stay unchanged until its backward). */
  inputs: number[];
}

export interface RecurrentForward {
  /** [T][B][outputSize], zero at padded steps. */
  output: number;
  /** [L·D][B][stateSize]: the state after each sequence's last valid step (reverse: after its first). */
  hn: number;
  /** LSTM only: [L·D][B][H]. */
  cn: number;
}

const SHARED_SLOTS = ['hn', 'cn', 'dhs', 'dz', 'dhg', 'dhCur', 'carry', 'carryC', 'drh', 'hg', 'dhAll', 'dm', 'dxRev', 'dA', 'dB', 'pack'] as const;
type SharedSlot = (typeof SHARED_SLOTS)[number];

/** Byte pointers into the stack's workspace: slots every direction shares, and per layer / per direction (index l·D + d). */
type StackSlots = Record<SharedSlot, number> & {
  out: number[];
  mask: number[];
  dirs: { xrev: number; gates: number; hs: number; saved: number; ms: number }[];
};

export class Recurrent {
  readonly config: Required<RecurrentConfig>;
  readonly outputSize: number;
  /** Floats of h per direction: hiddenSize, or the LSTM's projSize. */
  readonly stateSize: number;
  /** The cell's declarations (src/cells/). */
  readonly cell: Cell;
  private readonly options: CellOptions;
  private readonly dirs: Direction[] = [];
  private readonly ws: Workspace;
  private readonly args: Region;
  private saved?: Saved;
  /** The integer GEMM's scratch, shared by the directions (int8 weights only). */
  private int8Scratch?: Region;
  /**
   * A frozen model's folded embedding (src/model/freeze.ts): per direction of layer 0, a
   * table [vocab][G·H] whose row v is that direction's input projection of token v with
   * its biases. While set, forward reads token ids (i32 [T][B]) as x.
   */
  private folded?: Region[];
  /** Step-by-step driving (beginSteps): the stack's slots for T steps and the step scratch. */
  private steps?: StepSaved;
  private readonly stepWs: Workspace;

  constructor(private readonly rt: Runtime, config: RecurrentConfig, table: ParameterTable, prefix: string) {
    this.config = validate(config);
    const { inputSize, hiddenSize: H, numLayers: L, bidirectional, merge } = this.config;
    this.cell = CELLS[this.config.cell];
    this.options = { nonlinearity: this.config.nonlinearity, resetBefore: this.config.resetBefore, bias: this.config.bias, projSize: this.config.projSize };
    const D = bidirectional ? 2 : 1;
    const W = (this.stateSize = this.cell.stateSize(H, this.options));
    const layerOut = bidirectional && merge === 'concat' ? 2 * W : W;
    this.outputSize = layerOut;
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        const I = l === 0 ? inputSize : layerOut;
        const dir: Direction = { layer: l, reverse: d === 1, inputSize: I, params: {}, packed: [] };
        for (const p of this.cell.parameters(I, H, this.options)) dir.params[p.role] = table.add(`${prefix}${p.name}${sfx}`, p.shape);
        this.dirs.push(dir);
        dir.packed = this.cell.packed(this.options).map((op) => {
          const [K, N] = operandShape(op, dir.params[op.weight]!.shape);
          return { op, region: rt.planner.alloc(packedFloats(K, N)) };
        });
      }
    }
    this.ws = new Workspace(rt.planner);
    this.stepWs = new Workspace(rt.planner);
    this.args = rt.planner.alloc(RECURRENT_ARG_WORDS);
  }

  /** PyTorch's default, every weight and bias U(−1/√H, 1/√H), then the configured initialisers. */
  initialise(params: Float32Array, rng: Rng): void {
    const { hiddenSize: H, weightInit, recurrentInit, forgetBias } = this.config;
    const G = this.cell.gates, r = 1 / Math.sqrt(H);
    for (const d of this.dirs) {
      const { wih, whh, bih, bhh, whr } = d.params;
      for (const e of [wih, whh, bih, bhh, whr]) if (e) for (let i = 0; i < e.size; i++) params[e.offset + i] = rng.uniform(-r, r);
      if (weightInit === 'xavier') xavierUniform(params, wih!.offset, d.inputSize, G * H, rng);
      if (recurrentInit === 'orthogonal') {
        if (this.stateSize !== H) throw new ConfigError("recurrentInit 'orthogonal' needs square H × H gate blocks: not with projSize");
        for (let g = 0; g < G; g++) orthogonal(params, whh!.offset + g * H * H, H, rng);
      }
      const f = this.cell.forgetGate;
      if (forgetBias !== null && f !== undefined && bih && bhh) {
        params.fill(forgetBias, bih.offset + f * H, bih.offset + (f + 1) * H);
        params.fill(0, bhh.offset + f * H, bhh.offset + (f + 1) * H);
      }
    }
  }

  /**
   * Re-derives the GEMM-packed weights from the parameters (after an update or a load);
   * with int8 weights, the forward operands are packed from those for the integer kernels.
   */
  pack(params: Region, int8?: Int8Weights): void {
    const k = this.rt.kernels;
    for (const d of this.dirs) {
      for (const { op, region } of d.packed) {
        const e = d.params[op.weight]!, [rows, cols] = e.shape, [K, N] = operandShape(op, e.shape);
        k.packB(params.at(e.offset + (rows / op.of) * op.from * cols), cols, K, N, op.transposed ? 1 : 0, region.ptr);
      }
    }
    if (int8 && !this.int8Scratch) this.packInt8(int8); // int8 values never change: packed once, at fixed addresses (streams keep them)
  }

  private packInt8(int8: Int8Weights): void {
    const k = this.rt.kernels, planner = this.rt.planner;
    let maxK = 0;
    for (const d of this.dirs) {
      const ops = new Map<PackedOperand['field'], Int8Operand>();
      d.int8 = { ops, block: planner.alloc(5) };
      for (const { op } of d.packed) {
        if (!op.transposed) continue; // the backward's operands: training stays f32
        const e = d.params[op.weight]!, per = e.shape[0] / op.of;
        ops.set(op.field, int8.pack(k, planner, e.name, per * op.from, per * (op.to - op.from)));
        maxK = Math.max(maxK, e.shape[1]);
      }
    }
    this.int8Scratch = planner.alloc(int8ScratchFloats(k, maxK));
    for (const d of this.dirs) {
      const scales = (f: PackedOperand['field']) => d.int8!.ops.get(f)?.scales ?? 0;
      d.int8!.block.i32().set([this.int8Scratch.ptr, scales('wih'), scales('whh'), scales('whhN'), scales('whr')]);
    }
  }

  private releaseInt8(): void {
    const planner = this.rt.planner;
    for (const d of this.dirs) {
      if (!d.int8) continue;
      for (const o of d.int8.ops.values()) if (!o.packed.released) planner.release(o.packed);
      if (!d.int8.block.released) planner.release(d.int8.block);
      d.int8 = undefined;
    }
    if (this.int8Scratch && !this.int8Scratch.released) planner.release(this.int8Scratch);
    this.int8Scratch = undefined;
  }

  /** Floats of the folded tables for an embedding of `vocab` rows: vocab × G·H per direction of layer 0. */
  foldedFloats(vocab: number): number {
    return vocab * this.cell.gates * this.config.hiddenSize * this.numDirections;
  }

  /**
   * Folds an embedding table (`embedding`, a pointer to [vocab][inputSize] floats) into
   * layer 0's input projection: per direction, row v = E[v] · W_ihᵀ + b_ih (+ b_hh where
   * the cell's input projection takes it), computed once by the f32 GEMM from the packed
   * W_ihᵀ (so after pack(); an int8 model's f32 operands hold its dequantized weights).
   * The tables are allocated from this layer's planner (the model's ledger). Inference only:
   * the backward needs the embedding's output, which a folded forward never makes.
   */
  foldEmbedding(params: Region, embedding: number, vocab: number): void {
    if (this.folded) throw new ConfigError('this recurrent layer already has a folded embedding');
    const k = this.rt.kernels, G = this.cell.gates * this.config.hiddenSize, I = this.config.inputSize;
    const tables: Region[] = [];
    try {
      for (const d of this.dirs.filter((x) => x.layer === 0)) {
        const table = this.rt.planner.alloc(vocab * G);
        tables.push(table);
        const { bih, bhh } = d.params;
        k.broadcastBias(table.ptr, vocab, G, bih ? params.at(bih.offset) : 0, bhh && this.cell.inputProjection.withRecurrentBias ? params.at(bhh.offset) : 0);
        const wih = d.packed.find((p) => p.op.field === 'wih')!.region; // the f32 operand, also for int8 weights
        k.gemmPacked(vocab, G, I, embedding, I, 1, wih.ptr, table.ptr, G, 1);
      }
    } catch (e) {
      for (const t of tables) this.rt.planner.release(t);
      throw e;
    }
    this.folded = tables;
  }

  /** Layer 0's folded table for direction d (0 forward, 1 reverse), or 0 without a folded embedding. */
  foldedTable(d: number): number {
    return this.folded?.[d]?.ptr ?? 0;
  }

  private operand(d: Direction, field: PackedOperand['field']): number {
    const q = d.int8?.ops.get(field);
    if (q) return q.packed.ptr;
    return d.packed.find((p) => p.op.field === field)?.region.ptr ?? 0;
  }

  /** The stream descriptor's cell code for this layer (declared by its cell). */
  get streamCode(): number {
    return this.cell.streamCode(this.options);
  }

  /**
   * Per layer, the pointers a streaming step needs (packed forward weights, W_hr when
   * projected, and biases, bias = 0 for a cell without them); unidirectional stacks only. Valid while the layer lives.
   */
  streamPointers(params: Region): { wihT: number; whhT: number; whhNT: number; bih: number; bhh: number; bias: number; whrT: number; quant: number }[] {
    if (this.config.bidirectional) throw new ConfigError('streaming needs a unidirectional recurrent layer: a bidirectional one must see the whole sequence');
    return this.dirs.map((d) => ({
      wihT: this.operand(d, 'wih'), whhT: this.operand(d, 'whh'), whhNT: this.operand(d, 'whhN'),
      bih: d.params.bih ? params.at(d.params.bih.offset) : 0, bhh: d.params.bhh ? params.at(d.params.bhh.offset) : 0,
      bias: this.config.bias ? 1 : 0, whrT: this.operand(d, 'whr'), quant: d.int8?.block.ptr ?? 0,
    }));
  }

  private get numDirections(): number {
    return this.config.bidirectional ? 2 : 1;
  }

  /** The stack's scratch for (T, B): the shared slots, each layer's output and dropout mask, each direction's buffers. */
  private layout(T: number, B: number): StackSlots {
    const { hiddenSize: H, numLayers: L } = this.config;
    const G = this.cell.gates * H, TB = T * B, D = this.numDirections;
    const maxIn = Math.max(this.config.inputSize, this.outputSize);
    const cw = this.cell.workspace(T, B, H, this.options), W = this.stateSize;
    const shared: Record<SharedSlot, number> = {
      hn: L * D * B * W, cn: this.cell.hasCellState ? L * D * B * H : 0,
      dhs: TB * W, dz: TB * G, dhg: cw.dhg, dhCur: B * W, carry: B * W, carryC: cw.carryC, drh: cw.drh,
      hg: cw.hg, dhAll: cw.dhAll, dm: cw.dm, dxRev: TB * maxIn, dA: TB * maxIn, dB: TB * maxIn,
      pack: packedFloats(TB, Math.max(maxIn, H, W)),
    };
    // One flat request to the workspace (one region); keys are positional, read back below.
    const sizes: Record<string, number> = { ...shared };
    for (let l = 0; l < L; l++) {
      sizes[`out.${l}`] = TB * this.outputSize;
      sizes[`mask.${l}`] = l < L - 1 ? TB * this.outputSize : 0;
      for (let d = 0; d < D; d++) {
        const i = l * D + d;
        sizes[`xrev.${i}`] = d === 1 ? TB * (l === 0 ? this.config.inputSize : this.outputSize) : 0;
        sizes[`gates.${i}`] = cw.gates;
        sizes[`hs.${i}`] = TB * W;
        sizes[`saved.${i}`] = cw.saved;
        sizes[`ms.${i}`] = cw.ms;
      }
    }
    const at = this.ws.layout(sizes);
    return {
      ...(Object.fromEntries(SHARED_SLOTS.map((k) => [k, at[k]])) as Record<SharedSlot, number>),
      out: Array.from({ length: L }, (_, l) => at[`out.${l}`]),
      mask: Array.from({ length: L }, (_, l) => at[`mask.${l}`]),
      dirs: Array.from({ length: L * D }, (_, i) => ({ xrev: at[`xrev.${i}`], gates: at[`gates.${i}`], hs: at[`hs.${i}`], saved: at[`saved.${i}`], ms: at[`ms.${i}`] })),
    };
  }

  /** The argument block of one direction; every field named, 0 only where meant. */
  private argsFor(dir: Direction, i: number, T: number, B: number, x: number, lengths: number, h0: number, c0: number,
                  ws: StackSlots, params: Region | null): RecurrentArgs {
    const own = ws.dirs[i];
    const ptr = (e: ParameterEntry | undefined) => (e && params ? params.at(e.offset) : 0);
    return {
      T, B, I: dir.inputSize, H: this.config.hiddenSize, variant: this.cell.variant(this.options), bias: this.config.bias ? 1 : 0,
      P: this.config.projSize, x, lengths, h0, c0: this.cell.hasCellState ? c0 : 0,
      wih: this.operand(dir, 'wih'), whh: this.operand(dir, 'whh'), whhN: this.operand(dir, 'whhN'),
      bih: ptr(dir.params.bih), bhh: ptr(dir.params.bhh),
      gates: own.gates, saved: own.saved, hs: own.hs, hg: ws.hg,
      whr: this.operand(dir, 'whr'), whrBack: this.operand(dir, 'whrBack'), ms: this.config.projSize ? own.ms : 0,
      wihBack: this.operand(dir, 'wihBack'), whhBack: this.operand(dir, 'whhBack'), whhNBack: this.operand(dir, 'whhNBack'),
      dhs: 0, dhLast: 0, dcLast: 0, dx: 0, dwih: 0, dwhh: 0, dbih: 0, dbhh: 0, dh0: 0, dc0: 0, dwhr: 0,
      dz: ws.dz, dhg: ws.dhg, dhCur: ws.dhCur, carry: ws.carry, carryC: ws.carryC, drh: ws.drh, pack: ws.pack,
      dhAll: ws.dhAll, dm: ws.dm, quant: dir.int8?.block.ptr ?? 0, folded: 0,
    };
  }

  /**
   * Runs the whole stack over x [T][B][inputSize] with lengths (i32 [B] pointer).
   * h0 [L·D][B][stateSize], c0 [L·D][B][H]: pointers or 0 for zeros. x must stay unchanged until backward.
   */
  forward(T: number, B: number, x: number, lengths: number, h0: number, c0: number, training: boolean, rng: Rng, params: Region): RecurrentForward {
    const k = this.rt.kernels;
    const { hiddenSize: H, numLayers: L, merge, dropout } = this.config;
    const D = this.numDirections;
    const ws = this.layout(T, B);
    const W = this.stateSize, hBytes = B * W * 4, cBytes = B * H * 4;
    const masks: number[] = [];
    let input = x;
    for (let l = 0; l < L; l++) {
      const out = ws.out[l];
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        const dir = this.dirs[idx], I = dir.inputSize;
        let xin = input;
        const fold = l === 0 && this.folded ? this.folded[d] : undefined;
        if (fold) {
          // input holds token ids: the table rows are the input projection (reversed within lengths for d = 1).
          const G = this.cell.gates * H, into = this.cell.inputProjection.into === 'gates' ? ws.dirs[idx].gates : ws.dirs[idx].hs;
          k.embeddingProjection(input, T, B, lengths, d, G, fold.ptr, into);
          xin = 0;
        } else if (dir.reverse) {
          xin = ws.dirs[idx].xrev;
          k.gatherSteps(input, I, xin, I, I, T, B, lengths, 1, 1, 0);
        }
        const h0p = h0 ? h0 + idx * hBytes : 0, c0p = c0 ? c0 + idx * cBytes : 0;
        const hs = ws.dirs[idx].hs;
        const args = this.argsFor(dir, idx, T, B, xin, lengths, h0p, c0p, ws, params);
        args.folded = fold ? 1 : 0;
        this.cell.forward(k, writeRecurrentArgs(this.args, args));
        const concat = merge === 'concat' || D === 1;
        k.gatherSteps(hs, W, concat ? out + d * W * 4 : out, this.outputSize, W, T, B, lengths, d, concat || merge === 'sum' ? 1 : 0.5, !concat && d === 1 ? 1 : 0);
        // Final states: the carried state at T−1 is each row's last valid one.
        this.copy(ws.hn + idx * hBytes, hs + (T - 1) * hBytes, hBytes);
        if (this.cell.hasCellState) this.copy(ws.cn + idx * cBytes, ws.dirs[idx].saved + (T - 1) * cBytes, cBytes);
      }
      if (training && dropout > 0 && l < L - 1) {
        const m = ws.mask[l], n = T * B * this.outputSize;
        fillDropoutMask(this.rt.f32(m, n), dropout, rng);
        k.multiply(out, m, out, n);
        masks[l] = m;
      }
      input = out;
    }
    this.saved = { T, B, x, lengths, h0, c0, ws, masks };
    return { output: ws.out[L - 1], hn: ws.hn, cn: this.cell.hasCellState ? ws.cn : 0 };
  }

  private copy(dst: number, src: number, bytes: number): void {
    const u8 = new Uint8Array(this.rt.memory.buffer);
    u8.copyWithin(dst, src, src + bytes);
  }

  /**
   * Backward through the stack after forward. dOutput [T][B][outputSize], dhn
   * [L·D][B][stateSize] / dcn [L·D][B][H] (0 = none). Accumulates parameter gradients
   * into grads. Returns a pointer to dx [T][B][inputSize] (valid until the next call)
   * and writes dh0 / dc0 (shaped as h0 / c0) when given.
   */
  backward(dOutput: number, dhn: number, dcn: number, grads: Region, dh0: number, dc0: number): number {
    const s0 = this.saved;
    if (!s0) throw new ConfigError('backward called without a preceding forward');
    if (this.folded) throw new ConfigError('a folded embedding is for inference only: there is no backward through it');
    const { T, B, x, lengths, h0, c0, ws, masks } = s0;
    const k = this.rt.kernels;
    const { hiddenSize: H, numLayers: L, merge } = this.config;
    const D = this.numDirections;
    const W = this.stateSize, hBytes = B * W * 4, cBytes = B * H * 4;
    const bufs = [ws.dA, ws.dB];
    const cellState = this.cell.hasCellState;
    let dOut = dOutput;
    let dIn = 0;
    for (let l = L - 1; l >= 0; l--) {
      const I = this.dirs[l * D].inputSize;
      dIn = bufs[l % 2];
      this.rt.f32(dIn, T * B * I).fill(0);
      const input = l === 0 ? x : ws.out[l - 1];
      for (let d = 0; d < D; d++) {
        const dir = this.dirs[l * D + d];
        const idx = l * D + d;
        const concat = merge === 'concat' || D === 1;
        if (dOut) k.gatherSteps(concat ? dOut + d * W * 4 : dOut, this.outputSize, ws.dhs, W, W, T, B, lengths, d, concat || merge === 'sum' ? 1 : 0.5, 0);
        const xin = dir.reverse ? ws.dirs[idx].xrev : input;
        const dx = dir.reverse ? ws.dxRev : dIn;
        if (dir.reverse) this.rt.f32(dx, T * B * I).fill(0);
        const g = (e: ParameterEntry | undefined) => (e ? grads.at(e.offset) : 0);
        const atH = (p: number) => (p ? p + idx * hBytes : 0), atC = (p: number) => (p && cellState ? p + idx * cBytes : 0);
        const args = this.argsFor(dir, idx, T, B, xin, lengths, atH(h0), atC(c0), ws, null); // the backward reads no biases
        Object.assign(args, {
          dhs: dOut ? ws.dhs : 0, dhLast: atH(dhn), dcLast: atC(dcn), dx,
          dwih: g(dir.params.wih), dwhh: g(dir.params.whh), dbih: g(dir.params.bih), dbhh: g(dir.params.bhh), dwhr: g(dir.params.whr),
          dh0: atH(dh0), dc0: atC(dc0),
        });
        this.cell.backward(k, writeRecurrentArgs(this.args, args));
        if (dir.reverse) k.gatherSteps(dx, I, dIn, I, I, T, B, lengths, 1, 1, 1);
      }
      if (l > 0 && masks[l - 1]) k.multiply(dIn, masks[l - 1], dIn, T * B * I);
      dOut = dIn;
    }
    return dIn;
  }

  // Step-by-step driving, for a decoder whose next input depends on its last output
  // (input feeding): each step is one call of the cell's kernels with T = 1 over all B
  // rows, its gates and states kept at step t of the [T][B] slots so that the backward
  // can run step by step in reverse. Every row is treated as valid (the caller masks
  // the loss of padded steps, so their gradients are zero); unidirectional stacks only.

  /** Starts a step-by-step forward of up to T steps over B rows from h0 / c0 (pointers or 0, as in forward). */
  beginSteps(T: number, B: number, h0: number, c0: number, training: boolean, rng: Rng): void {
    if (this.config.bidirectional) throw new ConfigError('step-by-step driving needs a unidirectional recurrent layer');
    if (this.folded) throw new ConfigError('step-by-step driving reads vectors: not with a folded embedding');
    const { hiddenSize: H, numLayers: L, dropout } = this.config;
    const W = this.stateSize, I = this.config.inputSize;
    const ws = this.layout(T, B);
    const sw = this.stepWs.layout({ ones: B, dh: 2 * L * B * W, dc: 2 * L * B * H, dx: B * Math.max(I, W), dIn: B * Math.max(I, W) });
    this.rt.i32(sw.ones, B).fill(1);
    const masks: number[] = [];
    for (let l = 0; l < L - 1; l++) {
      if (!training || !(dropout > 0)) continue;
      fillDropoutMask(this.rt.f32(ws.mask[l], T * B * W), dropout, rng);
      masks[l] = ws.mask[l];
    }
    this.steps = { T, B, h0, c0, ws, sw, masks, done: 0, inputs: [] };
  }

  /** Per-step byte sizes of a direction's gates, saved states and (projection) m. */
  private stepBytes(B: number) {
    const w1 = this.cell.workspace(1, B, this.config.hiddenSize, this.options);
    return { gates: w1.gates * 4, saved: w1.saved * 4, ms: w1.ms * 4, h: B * this.stateSize * 4, c: B * this.config.hiddenSize * 4 };
  }

  /** Step t (0, 1, … in order) from x [B][inputSize]; returns the last layer's output rows [B][stateSize] (valid until the next beginSteps). */
  forwardStep(t: number, x: number, params: Region): number {
    const st = this.steps;
    if (!st || t >= st.T || t !== st.done) throw new ConfigError(`forwardStep(${t}) out of order: steps run 0, 1, … below the T given to beginSteps`);
    const k = this.rt.kernels, { B, ws, sw } = st, sb = this.stepBytes(B), W = this.stateSize;
    st.inputs[t] = x;
    let input = x;
    for (let l = 0; l < this.config.numLayers; l++) {
      const dir = this.dirs[l], own = ws.dirs[l];
      const h0 = t ? own.hs + (t - 1) * sb.h : st.h0 ? st.h0 + l * sb.h : 0;
      const c0 = t ? own.saved + (t - 1) * sb.saved : st.c0 ? st.c0 + l * sb.c : 0;
      const args = this.argsFor(dir, l, 1, B, input, sw.ones, h0, c0, ws, params);
      Object.assign(args, { gates: own.gates + t * sb.gates, saved: own.saved + t * sb.saved, hs: own.hs + t * sb.h, ms: args.ms ? own.ms + t * sb.ms : 0 });
      this.cell.forward(k, writeRecurrentArgs(this.args, args));
      input = own.hs + t * sb.h;
      if (st.masks[l] !== undefined) {
        const out = ws.out[l] + t * sb.h;
        k.multiply(input, st.masks[l] + t * sb.h, out, B * W);
        input = out;
      }
    }
    st.done = t + 1;
    return input;
  }

  /**
   * Backward of step t (the last step run first, then t − 1, …, 0) from dOut [B][stateSize],
   * the gradient w.r.t. that step's output; accumulates parameter gradients into grads.
   * Returns dx [B][inputSize] (valid until the next call). After step 0, stepInitialStateGrads holds dh0 / dc0.
   */
  backwardStep(t: number, dOut: number, grads: Region): number {
    const st = this.steps;
    if (!st || t !== st.done - 1) throw new ConfigError(`backwardStep(${t}) out of order: steps go back from the last one run`);
    const k = this.rt.kernels, { B, ws, sw } = st, sb = this.stepBytes(B), { numLayers: L } = this.config;
    const last = st.back === undefined;
    const cur = (st.back ?? 0) % 2, nxt = 1 - cur;
    const dhAt = (p: number, l: number) => sw.dh + (p * L + l) * sb.h, dcAt = (p: number, l: number) => sw.dc + (p * L + l) * sb.c;
    let dOutL = dOut;
    let dx = 0;
    for (let l = L - 1; l >= 0; l--) {
      const dir = this.dirs[l], own = ws.dirs[l], I = dir.inputSize;
      const h0 = t ? own.hs + (t - 1) * sb.h : st.h0 ? st.h0 + l * sb.h : 0;
      const c0 = t ? own.saved + (t - 1) * sb.saved : st.c0 ? st.c0 + l * sb.c : 0;
      dx = l % 2 ? sw.dIn : sw.dx;
      this.rt.f32(dx, B * I).fill(0);
      const xin = l === 0 ? st.inputs[t] : (st.masks[l - 1] !== undefined ? ws.out[l - 1] : ws.dirs[l - 1].hs) + t * sb.h;
      const g = (e: ParameterEntry | undefined) => (e ? grads.at(e.offset) : 0);
      const args = this.argsFor(dir, l, 1, B, xin, sw.ones, h0, c0, ws, null);
      Object.assign(args, {
        gates: own.gates + t * sb.gates, saved: own.saved + t * sb.saved, hs: own.hs + t * sb.h, ms: args.ms ? own.ms + t * sb.ms : 0,
        dhs: dOutL, dhLast: last ? 0 : dhAt(cur, l), dcLast: last || !this.cell.hasCellState ? 0 : dcAt(cur, l), dx,
        dwih: g(dir.params.wih), dwhh: g(dir.params.whh), dbih: g(dir.params.bih), dbhh: g(dir.params.bhh), dwhr: g(dir.params.whr),
        dh0: dhAt(nxt, l), dc0: this.cell.hasCellState ? dcAt(nxt, l) : 0,
      });
      this.cell.backward(k, writeRecurrentArgs(this.args, args));
      if (l > 0 && st.masks[l - 1] !== undefined) k.multiply(dx, st.masks[l - 1] + t * sb.h, dx, B * I);
      dOutL = dx;
    }
    st.back = nxt;
    st.done = t;
    return dx;
  }

  /** After backwardStep(0): the gradients w.r.t. h0 [L][B][stateSize] and c0 [L][B][H] (pointers into the step scratch). */
  stepInitialStateGrads(): { dh0: number; dc0: number } {
    const st = this.steps;
    if (!st || st.done !== 0 || st.back === undefined) throw new ConfigError('stepInitialStateGrads needs the backward of step 0 first');
    const { B } = st, sb = this.stepBytes(B), L = this.config.numLayers;
    return { dh0: st.sw.dh + st.back * L * sb.h, dc0: this.cell.hasCellState ? st.sw.dc + st.back * L * sb.c : 0 };
  }

  dispose(): void {
    this.releaseInt8();
    for (const t of this.folded ?? []) if (!t.released) this.rt.planner.release(t);
    this.folded = undefined;
    for (const d of this.dirs) for (const p of d.packed) this.rt.planner.release(p.region);
    for (const d of this.dirs) d.packed = [];
    this.ws.release();
    this.stepWs.release();
    if (!this.args.released) this.rt.planner.release(this.args);
  }
}

function validate(c: RecurrentConfig): Required<RecurrentConfig> {
  return {
    numLayers: 1, bidirectional: false, merge: 'concat', dropout: 0, nonlinearity: 'tanh', resetBefore: false, bias: true, projSize: 0,
    weightInit: 'default', recurrentInit: 'default', forgetBias: null, ...check<RecurrentConfig>(recurrentCoreSchema, c, `${isCellType(c?.cell) ? c.cell : 'recurrent'} layer`),
  };
}
