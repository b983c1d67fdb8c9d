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

export type CellType = 'rnn' | 'lstm' | 'gru';

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
  /** Input weights: PyTorch's U(±1/√H) ('default') or Glorot uniform over the whole [G·H][I] matrix ('xavier'). */
  weightInit?: 'default' | 'xavier';
  /** Recurrent weights: 'default', or 'orthogonal' (each gate's H × H block orthogonal). */
  recurrentInit?: 'default' | 'orthogonal';
  /** LSTM only: the forget gate's total bias (bias_ih = value, bias_hh = 0); e.g. 1 (Jozefowicz et al., 2015). */
  forgetBias?: number | null;
}

const GATES: Record<CellType, number> = { rnn: 1, lstm: 4, gru: 3 };

interface Direction {
  layer: number;
  reverse: boolean;
  inputSize: number;
  wih: ParameterEntry; whh: ParameterEntry; bih: ParameterEntry; bhh: ParameterEntry;
  /** Packed weights: forward operands (T = transposed B) and backward ones (N). */
  packed: Region[];
}

/** Pointers of one forward pass, kept for the backward. */
interface Saved {
  T: number; B: number; x: number; lengths: number; h0: number; c0: number;
  ws: Record<string, number>;
  masks: number[];
}

export interface RecurrentForward {
  /** [T][B][outputSize], zero at padded steps. */
  output: number;
  /** [L·D][B][H]: the state after each sequence's last valid step (reverse: after its first). */
  hn: number;
  /** LSTM only: [L·D][B][H]. */
  cn: number;
}

export class Recurrent {
  readonly config: Required<RecurrentConfig>;
  readonly outputSize: number;
  private readonly dirs: Direction[] = [];
  private readonly ws: Workspace;
  private saved?: Saved;

  constructor(private readonly rt: Runtime, config: RecurrentConfig, table: ParameterTable, prefix: string) {
    this.config = validate(config);
    const { cell, inputSize, hiddenSize: H, numLayers: L, bidirectional, merge } = this.config;
    const G = GATES[cell] * H;
    const D = bidirectional ? 2 : 1;
    const layerOut = bidirectional && merge === 'concat' ? 2 * H : H;
    this.outputSize = layerOut;
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        const I = l === 0 ? inputSize : layerOut;
        const dir: Direction = {
          layer: l, reverse: d === 1, inputSize: I,
          wih: table.add(`${prefix}weight_ih${sfx}`, [G, I]),
          whh: table.add(`${prefix}weight_hh${sfx}`, [G, H]),
          bih: table.add(`${prefix}bias_ih${sfx}`, [G]),
          bhh: table.add(`${prefix}bias_hh${sfx}`, [G]),
          packed: [],
        };
        const sizes = cell === 'gru'
          ? [[I, G], [H, 2 * H], [H, H], [G, I], [2 * H, H], [H, H]]
          : [[I, G], [H, G], [G, I], [G, H]];
        dir.packed = sizes.map(([K, N]) => rt.planner.alloc(packedFloats(K, N)));
        this.dirs.push(dir);
      }
    }
    this.ws = new Workspace(rt.planner);
  }

  /** PyTorch's default, every weight and bias U(−1/√H, 1/√H), then the configured initialisers. */
  initialise(params: Float32Array, rng: Rng): void {
    const { hiddenSize: H, cell, weightInit, recurrentInit, forgetBias } = this.config;
    const G = GATES[cell], r = 1 / Math.sqrt(H);
    for (const d of this.dirs) {
      for (const e of [d.wih, d.whh, d.bih, d.bhh]) for (let i = 0; i < e.size; i++) params[e.offset + i] = rng.uniform(-r, r);
      if (weightInit === 'xavier') xavierUniform(params, d.wih.offset, d.inputSize, G * H, rng);
      if (recurrentInit === 'orthogonal') for (let g = 0; g < G; g++) orthogonal(params, d.whh.offset + g * H * H, H, rng);
      if (forgetBias !== null && cell === 'lstm') {
        params.fill(forgetBias, d.bih.offset + H, d.bih.offset + 2 * H);
        params.fill(0, d.bhh.offset + H, d.bhh.offset + 2 * H);
      }
    }
  }

  /** Re-derives the GEMM-packed weights from the parameters (after an update or a load). */
  pack(params: Region): void {
    const k = this.rt.kernels;
    const H = this.config.hiddenSize, G = GATES[this.config.cell] * H;
    for (const d of this.dirs) {
      const I = d.inputSize, wih = params.at(d.wih.offset), whh = params.at(d.whh.offset);
      const P = d.packed.map((r) => r.ptr);
      k.packB(wih, I, I, G, 1, P[0]);
      if (this.config.cell === 'gru') {
        const whhN = params.at(d.whh.offset + 2 * H * H);
        k.packB(whh, H, H, 2 * H, 1, P[1]);
        k.packB(whhN, H, H, H, 1, P[2]);
        k.packB(wih, I, G, I, 0, P[3]);
        k.packB(whh, H, 2 * H, H, 0, P[4]);
        k.packB(whhN, H, H, H, 0, P[5]);
      } else {
        k.packB(whh, H, H, G, 1, P[1]);
        k.packB(wih, I, G, I, 0, P[2]);
        k.packB(whh, H, G, H, 0, P[3]);
      }
    }
  }

  /**
   * Per layer, the pointers a streaming step needs (packed forward weights and
   * biases); unidirectional stacks only. Valid while the layer lives.
   */
  streamPointers(params: Region): { wihT: number; whhT: number; whhNT: number; bih: number; bhh: number }[] {
    if (this.config.bidirectional) throw new ConfigError('streaming needs a unidirectional recurrent layer: a bidirectional one must see the whole sequence');
    return this.dirs.map((d) => ({
      wihT: d.packed[0].ptr, whhT: d.packed[1].ptr, whhNT: this.config.cell === 'gru' ? d.packed[2].ptr : 0,
      bih: params.at(d.bih.offset), bhh: params.at(d.bhh.offset),
    }));
  }

  private get numDirections(): number {
    return this.config.bidirectional ? 2 : 1;
  }

  private layout(T: number, B: number): Record<string, number> {
    const { cell, hiddenSize: H, numLayers: L } = this.config;
    const G = GATES[cell] * H, TB = T * B, D = this.numDirections;
    const maxIn = Math.max(this.config.inputSize, this.outputSize);
    const sizes: Record<string, number> = {
      hn: L * D * B * H, cn: cell === 'lstm' ? L * D * B * H : 0,
      dhs: TB * H, dz: TB * G, dhg: cell === 'gru' ? TB * G : 0, dhCur: B * H, carry: B * H, carryC: B * H, drh: B * H,
      hg: B * G, dxRev: TB * maxIn, dA: TB * maxIn, dB: TB * maxIn,
      pack: packedFloats(TB, Math.max(maxIn, H)),
    };
    for (let l = 0; l < L; l++) {
      sizes[`out${l}`] = TB * this.outputSize;
      if (l < L - 1) sizes[`mask${l}`] = TB * this.outputSize;
      for (let d = 0; d < D; d++) {
        const s = `${l}_${d}`;
        if (d === 1) sizes[`xrev${s}`] = TB * (l === 0 ? this.config.inputSize : this.outputSize);
        sizes[`gates${s}`] = TB * G;
        sizes[`hs${s}`] = TB * H;
        if (cell !== 'rnn') sizes[`cs${s}`] = TB * H; // LSTM cell states; GRU saved products
      }
    }
    return this.ws.layout(sizes);
  }

  /**
   * Runs the whole stack over x [T][B][inputSize] with lengths (i32 [B] pointer).
   * h0, c0: [L·D][B][H] pointers or 0 for zeros. x must stay unchanged until backward.
   */
  forward(T: number, B: number, x: number, lengths: number, h0: number, c0: number, training: boolean, rng: Rng, params: Region): RecurrentForward {
    const k = this.rt.kernels;
    const { cell, hiddenSize: H, numLayers: L, merge, dropout, nonlinearity, resetBefore } = this.config;
    const D = this.numDirections;
    const ws = this.layout(T, B);
    const stateBytes = B * H * 4;
    const masks: number[] = [];
    let input = x;
    for (let l = 0; l < L; l++) {
      const out = ws[`out${l}`];
      for (let d = 0; d < D; d++) {
        const dir = this.dirs[l * D + d];
        const s = `${l}_${d}`, I = dir.inputSize;
        let xin = input;
        if (dir.reverse) {
          xin = ws[`xrev${s}`];
          k.gatherSteps(input, I, xin, I, I, T, B, lengths, 1, 1, 0);
        }
        const idx = l * D + d;
        const h0p = h0 ? h0 + idx * stateBytes : 0, c0p = c0 ? c0 + idx * stateBytes : 0;
        const P = dir.packed.map((r) => r.ptr);
        const [bih, bhh] = [params.at(dir.bih.offset), params.at(dir.bhh.offset)];
        const hs = ws[`hs${s}`];
        if (cell === 'rnn') k.rnnForward(T, B, I, H, xin, P[0], P[1], bih, bhh, h0p, lengths, nonlinearity === 'relu' ? 1 : 0, hs);
        else if (cell === 'lstm') k.lstmForward(T, B, I, H, xin, P[0], P[1], bih, bhh, h0p, c0p, lengths, ws[`gates${s}`], ws[`cs${s}`], hs);
        else k.gruForward(T, B, I, H, xin, P[0], P[1], P[2], bih, bhh, h0p, lengths, resetBefore ? 1 : 0, ws[`gates${s}`], ws[`cs${s}`], hs, ws.hg);
        const concat = merge === 'concat' || D === 1;
        k.gatherSteps(hs, H, concat ? out + d * H * 4 : out, this.outputSize, H, T, B, lengths, d, concat || merge === 'sum' ? 1 : 0.5, !concat && d === 1 ? 1 : 0);
        // Final states: the carried state at T−1 is each row's last valid one.
        this.copy(ws.hn + idx * stateBytes, hs + (T - 1) * stateBytes, stateBytes);
        if (cell === 'lstm') this.copy(ws.cn + idx * stateBytes, ws[`cs${s}`] + (T - 1) * stateBytes, stateBytes);
      }
      if (training && dropout > 0 && l < L - 1) {
        const m = ws[`mask${l}`], n = T * B * this.outputSize;
        fillDropoutMask(new Float32Array(this.rt.memory.buffer, m, n), dropout, rng);
        k.multiply(out, m, out, n);
        masks[l] = m;
      }
      input = out;
    }
    this.saved = { T, B, x, lengths, h0, c0, ws, masks };
    return { output: ws[`out${L - 1}`], hn: ws.hn, cn: cell === 'lstm' ? ws.cn : 0 };
  }

  private copy(dst: number, src: number, bytes: number): void {
    const u8 = new Uint8Array(this.rt.memory.buffer);
    u8.copyWithin(dst, src, src + bytes);
  }

  /**
   * Backward through the stack after forward. dOutput [T][B][outputSize], dhn / dcn
   * [L·D][B][H] (0 = none). Accumulates parameter gradients into grads. Returns a
   * pointer to dx [T][B][inputSize] (valid until the next call) and writes dh0 / dc0
   * ([L·D][B][H]) when given.
   */
  backward(dOutput: number, dhn: number, dcn: number, grads: Region, dh0: number, dc0: number): number {
    const s0 = this.saved;
    if (!s0) throw new ConfigError('backward called without a preceding forward');
    const { T, B, x, lengths, h0, c0, ws, masks } = s0;
    const k = this.rt.kernels;
    const { cell, hiddenSize: H, numLayers: L, merge, resetBefore, nonlinearity } = this.config;
    const D = this.numDirections;
    const stateBytes = B * H * 4;
    const bufs = [ws.dA, ws.dB];
    let dOut = dOutput;
    let dIn = 0;
    for (let l = L - 1; l >= 0; l--) {
      const I = this.dirs[l * D].inputSize;
      dIn = bufs[l % 2];
      new Float32Array(this.rt.memory.buffer, dIn, T * B * I).fill(0);
      const input = l === 0 ? x : ws[`out${l - 1}`];
      for (let d = 0; d < D; d++) {
        const dir = this.dirs[l * D + d];
        const s = `${l}_${d}`, idx = l * D + d;
        const concat = merge === 'concat' || D === 1;
        if (dOut) k.gatherSteps(concat ? dOut + d * H * 4 : dOut, this.outputSize, ws.dhs, H, H, T, B, lengths, d, concat || merge === 'sum' ? 1 : 0.5, 0);
        const dhsPtr = dOut ? ws.dhs : 0;
        const xin = dir.reverse ? ws[`xrev${s}`] : input;
        const dx = dir.reverse ? ws.dxRev : dIn;
        if (dir.reverse) new Float32Array(this.rt.memory.buffer, dx, T * B * I).fill(0);
        const P = dir.packed.map((r) => r.ptr);
        const g = (e: ParameterEntry) => grads.at(e.offset);
        const h0p = h0 ? h0 + idx * stateBytes : 0, c0p = c0 ? c0 + idx * stateBytes : 0;
        const dhL = dhn ? dhn + idx * stateBytes : 0, dcL = dcn ? dcn + idx * stateBytes : 0;
        const dh0p = dh0 ? dh0 + idx * stateBytes : 0, dc0p = dc0 ? dc0 + idx * stateBytes : 0;
        const hs = ws[`hs${s}`];
        if (cell === 'rnn') {
          k.rnnBackward(T, B, I, H, xin, P[2], P[3], h0p, lengths, nonlinearity === 'relu' ? 1 : 0, hs, dhsPtr, dhL, dx,
            g(dir.wih), g(dir.whh), g(dir.bih), g(dir.bhh), dh0p, ws.dz, ws.dhCur, ws.carry, ws.pack);
        } else if (cell === 'lstm') {
          k.lstmBackward(T, B, I, H, xin, P[2], P[3], h0p, c0p, lengths, ws[`gates${s}`], ws[`cs${s}`], hs, dhsPtr, dhL, dcL, dx,
            g(dir.wih), g(dir.whh), g(dir.bih), g(dir.bhh), dh0p, dc0p, ws.dz, ws.dhCur, ws.carry, ws.carryC, ws.pack);
        } else {
          k.gruBackward(T, B, I, H, xin, P[3], P[4], P[5], h0p, lengths, resetBefore ? 1 : 0, ws[`gates${s}`], ws[`cs${s}`], hs, dhsPtr, dhL, dx,
            g(dir.wih), g(dir.whh), g(dir.bih), g(dir.bhh), dh0p, ws.dz, ws.dhg, ws.dhCur, ws.carry, ws.drh, ws.pack);
        }
        if (dir.reverse) k.gatherSteps(dx, I, dIn, I, I, T, B, lengths, 1, 1, 1);
      }
      if (l > 0 && masks[l - 1]) k.multiply(dIn, masks[l - 1], dIn, T * B * I);
      dOut = dIn;
    }
    return dIn;
  }

  dispose(): void {
    for (const d of this.dirs) for (const r of d.packed) this.rt.planner.release(r);
    for (const d of this.dirs) d.packed = [];
    this.ws.release();
  }
}

function validate(c: RecurrentConfig): Required<RecurrentConfig> {
  return {
    numLayers: 1, bidirectional: false, merge: 'concat', dropout: 0, nonlinearity: 'tanh', resetBefore: false,
    weightInit: 'default', recurrentInit: 'default', forgetBias: null, ...check<RecurrentConfig>(recurrentCoreSchema, c, `${['rnn', 'lstm', 'gru'].includes(c?.cell) ? c.cell : 'recurrent'} layer`),
  };
}
