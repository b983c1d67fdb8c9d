// The attentional part of a Luong-style decoder (Luong et al., 2015), one decoder step
// at a time over every batch row:
//   scores  dot:      h_t · h̄_s
//           general:  h_t · (W_a h̄_s)
//           bahdanau: v · tanh(W_q h_t + W_k h̄_s)     (additive, Bahdanau et al., 2015)
//   a_t = softmax over each row's source positions (padding gets weight 0)
//   c_t = Σ_s a_t[s] h̄_s           h̃_t = tanh(W_c [c_t; h_t])
// The keys (W_a h̄ or W_k h̄) are computed once per batch; each step is a handful of
// kernel calls over all rows (assembly/attention.ts scores, softmax and context). The
// backward runs the steps in reverse, accumulating the gradient w.r.t. the keys and
// the encoder outputs, and ends with one GEMM through the key projection.
// Parameter names: attention.weight (general), attention.key_weight,
// attention.query_weight, attention.v (bahdanau), attention.out_weight (W_c, all).
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import type { ParameterEntry, ParameterTable } from '../runtime/parameter-table.js';
import { Workspace } from '../runtime/workspace.js';
import type { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { packedFloats } from '../config/footprint.js';

export type AttentionKind = 'dot' | 'general' | 'bahdanau';

/** A [rows][cols] weight with its GEMM-packed copies (transposed for y = x Wᵀ, untransposed for dx = dy W). */
interface Matrix {
  entry: ParameterEntry;
  packedT: Region;
  packedN: Region;
}

interface Forward {
  T: number; B: number; S: number;
  enc: number; lengths: number;
  /** Each step's query rows (dot / general: h_t itself). */
  h: number[];
  ws: Record<'keys' | 'q' | 'weights' | 'cat' | 'out' | 'ones' | 'dkeys' | 'denc' | 'dcat' | 'dpre' | 'dq' | 'dh' | 'scratch' | 'pack', number>;
}

export class Attention {
  private readonly wc: Matrix;
  private readonly wk?: Matrix;
  private readonly wq?: Matrix;
  private readonly v?: ParameterEntry;
  private readonly ws: Workspace;
  private fwd?: Forward;

  /** H: the width of the decoder state, of the encoder outputs and of h̃. */
  constructor(private readonly rt: Runtime, readonly kind: AttentionKind, readonly H: number, table: ParameterTable, prefix = 'attention') {
    const matrix = (name: string, rows: number, cols: number): Matrix => ({
      entry: table.add(`${prefix}.${name}`, [rows, cols]),
      packedT: rt.planner.alloc(packedFloats(cols, rows)),
      packedN: rt.planner.alloc(packedFloats(rows, cols)),
    });
    if (kind === 'general') this.wk = matrix('weight', H, H);
    if (kind === 'bahdanau') {
      this.wk = matrix('key_weight', H, H);
      this.wq = matrix('query_weight', H, H);
      this.v = table.add(`${prefix}.v`, [H]);
    }
    this.wc = matrix('out_weight', H, 2 * H);
    this.ws = new Workspace(rt.planner);
  }

  private get matrices(): Matrix[] {
    return [this.wk, this.wq, this.wc].filter((m): m is Matrix => !!m);
  }

  /** Every weight U(±1/√fan-in), nn.Linear's default; v U(±1/√H). */
  initialise(params: Float32Array, rng: Rng): void {
    for (const m of this.matrices) {
      const r = 1 / Math.sqrt(m.entry.shape[1]);
      for (let i = 0; i < m.entry.size; i++) params[m.entry.offset + i] = rng.uniform(-r, r);
    }
    if (this.v) for (let i = 0; i < this.v.size; i++) params[this.v.offset + i] = rng.uniform(-1 / Math.sqrt(this.H), 1 / Math.sqrt(this.H));
  }

  pack(params: Region): void {
    const k = this.rt.kernels;
    for (const { entry, packedT, packedN } of this.matrices) {
      const [rows, cols] = entry.shape;
      k.packB(params.at(entry.offset), cols, cols, rows, 1, packedT.ptr);
      k.packB(params.at(entry.offset), cols, rows, cols, 0, packedN.ptr);
    }
  }

  private get kernelKind(): number {
    return this.kind === 'bahdanau' ? 1 : 0;
  }

  /**
   * Starts T decoder steps over B rows attending to enc [S][B][H] (time-major, kept
   * unchanged until the backward is done) with source lengths (i32 [B] pointer).
   */
  begin(T: number, B: number, S: number, enc: number, lengths: number): void {
    const H = this.H, k = this.rt.kernels;
    for (const [n, what] of [[T, 'T'], [B, 'B'], [S, 'S']] as const) {
      if (!Number.isInteger(n) || n < 1) throw new ConfigError(`attention: ${what} = ${n} is invalid: expected a positive integer`);
    }
    const ws = this.ws.layout({
      keys: this.kind === 'dot' ? 0 : S * B * H, q: this.kind === 'bahdanau' ? T * B * H : 0, weights: T * B * S,
      cat: T * B * 2 * H, out: T * B * H, ones: B, dkeys: this.kind === 'dot' ? 0 : S * B * H, denc: S * B * H,
      dcat: B * 2 * H, dpre: B * H, dq: B * H, dh: B * H, scratch: S, pack: packedFloats(Math.max(S * B, B), 2 * H),
    });
    this.rt.i32(ws.ones, B).fill(1);
    if (this.wk) k.denseForward(S * B, H, H, enc, this.wk.packedT.ptr, 0, ws.keys);
    this.fwd = { T, B, S, enc, lengths, h: [], ws };
  }

  /** The weights of every step so far: [T][B][S] (a view of wasm memory: copy it). */
  weights(): { ptr: number; T: number; B: number; S: number } {
    const f = this.need();
    return { ptr: f.ws.weights, T: f.T, B: f.B, S: f.S };
  }

  /** All T steps' h̃ rows, [T][B][H]. */
  get outputs(): number {
    return this.need().ws.out;
  }

  private need(): Forward {
    if (!this.fwd) throw new ConfigError('attention: begin() must come first');
    return this.fwd;
  }

  /** Step t from the decoder state h [B][H] (kept unchanged until the backward); returns h̃_t [B][H]. */
  forwardStep(t: number, h: number, params: Region): number {
    const f = this.need(), k = this.rt.kernels, { B, S, ws } = f, H = this.H;
    if (t < 0 || t >= f.T) throw new ConfigError(`attention: step ${t} is outside [0, ${f.T})`);
    f.h[t] = h;
    const cat = ws.cat + t * B * 2 * H * 4, out = ws.out + t * B * H * 4;
    k.gatherSteps(h, H, cat + H * 4, 2 * H, H, 1, B, ws.ones, 0, 1, 0);
    let q = h;
    if (this.wq) k.denseForward(B, H, H, h, this.wq.packedT.ptr, 0, (q = ws.q + t * B * H * 4));
    k.attentionForward(this.kernelKind, B, S, H, H, q, this.kind === 'dot' ? f.enc : ws.keys, this.v ? params.at(this.v.offset) : 0,
      f.enc, f.lengths, ws.weights + t * B * S * 4, cat, 2 * H);
    k.denseForward(B, 2 * H, H, cat, this.wc.packedT.ptr, 0, out);
    k.tanhArray(out, out, B * H);
    return out;
  }

  /** Zeroes the accumulated gradients; call once before the first backwardStep. */
  beginBackward(): void {
    const f = this.need(), n = f.S * f.B * this.H;
    this.rt.f32(f.ws.denc, n).fill(0);
    if (f.ws.dkeys) this.rt.f32(f.ws.dkeys, n).fill(0);
  }

  /**
   * Backward of step t (in reverse order) from dh̃_t [B][H]; accumulates the parameter
   * gradients into grads and returns the gradient w.r.t. h_t [B][H] (valid until the next call).
   */
  backwardStep(t: number, dOut: number, params: Region, grads: Region): number {
    const f = this.need(), k = this.rt.kernels, { B, S, ws } = f, H = this.H;
    const cat = ws.cat + t * B * 2 * H * 4, out = ws.out + t * B * H * 4, h = f.h[t];
    k.tanhBackwardArray(out, dOut, ws.dpre, B * H);
    k.denseBackward(B, 2 * H, H, cat, this.wc.packedN.ptr, ws.dpre, ws.dcat, 0, grads.at(this.wc.entry.offset), 0, ws.pack);
    k.gatherSteps(ws.dcat + H * 4, 2 * H, ws.dh, H, H, 1, B, ws.ones, 0, 1, 0);
    const keys = this.kind === 'dot' ? f.enc : ws.keys, dkeys = this.kind === 'dot' ? ws.denc : ws.dkeys;
    const v = this.v ? params.at(this.v.offset) : 0, dv = this.v ? grads.at(this.v.offset) : 0;
    const weights = ws.weights + t * B * S * 4;
    if (!this.wq) {
      k.attentionBackward(0, B, S, H, H, h, keys, 0, f.enc, f.lengths, weights, ws.dcat, 2 * H, ws.dh, dkeys, 0, ws.denc, ws.scratch);
      return ws.dh;
    }
    this.rt.f32(ws.dq, B * H).fill(0);
    k.attentionBackward(1, B, S, H, H, ws.q + t * B * H * 4, keys, v, f.enc, f.lengths, weights, ws.dcat, 2 * H, ws.dq, dkeys, dv, ws.denc, ws.scratch);
    k.denseBackward(B, H, H, h, this.wq.packedN.ptr, ws.dq, ws.dh, 1, grads.at(this.wq.entry.offset), 0, ws.pack);
    return ws.dh;
  }

  /** After the backward of step 0: the gradient w.r.t. the encoder outputs, [S][B][H] (through the key projection too). */
  endBackward(grads: Region): number {
    const f = this.need(), { B, S, ws } = f, H = this.H;
    if (this.wk) this.rt.kernels.denseBackward(S * B, H, H, f.enc, this.wk.packedN.ptr, ws.dkeys, ws.denc, 1, grads.at(this.wk.entry.offset), 0, ws.pack);
    return ws.denc;
  }
}
