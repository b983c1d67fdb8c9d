// A Sequential as a standard .onnx file (opset 14), run as it is by onnxruntime and
// other ONNX runtimes. Time-major like the ONNX recurrent operators: inputs `ids`
// int64 [T, B] (several fields, or characters: [T, B, fields + maxChars], the columns
// rnn-wasm takes per step) or `x` float [T, B, features], and
// `sequence_lens` int32 [B]; T and B are dynamic. Output `probs` (softmax, cross-entropy
// models) or `values` (MSE): [T, B, C] per step (padded steps hold garbage) or [B, C].
// Each recurrent layer is one ONNX RNN / LSTM / GRU node per stacked layer, gates
// reordered from PyTorch's by the cell table; an LSTM with projSize, which the LSTM
// operator cannot express, is a Scan over its step (onnx-projected-lstm.ts). A layer
// type with no mapping is refused, naming the layer.
import { ArgumentError, ConfigError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import type { LayerSpec } from '../config/layer-schemas.js';
import type { StateDict } from '../runtime/parameter-table.js';
import { CELLS, type CellType } from '../cells/index.js';
import { gateOrder, permuteGateRows, suffix, transpose } from './gate-layout.js';
import { DType, OnnxGraph } from './onnx-graph.js';
import { projectedLstmLayer } from './onnx-projected-lstm.js';

/** The opset the export writes: 14 (ONNX 1.9), the recurrent operators' current form. */
export const ONNX_OPSET = 14;
/** The ONNX IR version that goes with opset 14. */
export const ONNX_IR_VERSION = 7;

type Spec = LayerSpec & Record<string, unknown>;

/** The value flowing between layers: [T, B, width] (seq) or [B, width]. */
interface Flow { value: string; seq: boolean; width: number }

/** ONNX gate block p is PyTorch gate block inv[p] (the inverse of the cell's import order). */
function exportOrder(cell: CellType): number[] {
  const order = gateOrder(cell, 'onnx'), inv: number[] = [];
  order.forEach((onnxGate, q) => (inv[onnxGate] = q));
  return inv;
}

export interface OnnxExportOptions {
  /**
   * Initial states as inputs and final states as outputs, per recurrent layer N:
   * inputs `N.h0` (and, LSTM, `N.c0`) float [numLayers·D, B, H], outputs `N.hn` (`N.cn`)
   * of the same shape (PyTorch's h_0 / h_n layout): feed a batch's final states to the
   * next to carry a stream, as a stateful layer does. Default false: zero initial states.
   */
  states?: boolean;
}

/** A graph output beyond the prediction: a final state, [L·D, B, H]. */
interface StateOutput { value: string; name: string; rows: number; H: number }

class Exporter {
  readonly g = new OnnxGraph();
  readonly stateOutputs: StateOutput[] = [];
  private lens64?: string;
  private steps?: string;
  private projection?: { lens: string; valid: string };

  constructor(private readonly dict: StateDict, readonly seqLens: string, private readonly states: boolean) {}

  tensor(name: string): { shape: number[]; data: Float32Array } {
    const t = this.dict[name];
    if (!t) throw new ArgumentError(`exportOnnx: the model has no parameter '${name}'`);
    return t as { shape: number[]; data: Float32Array };
  }

  /** sequence_lens as int64 [1, B] and the step indices int64 [T, 1], for masks over valid steps. */
  private maskParts(like: string): { steps: string; lens: string } {
    const g = this.g;
    if (!this.lens64) {
      const lens = g.op('Cast', [this.seqLens], { to: DType.int64 });
      this.lens64 = g.op('Unsqueeze', [lens, g.ints('axis0', [0])]);
      const T = g.op('Gather', [g.op('Shape', [like]), g.ints('zero', [0], true)], { axis: 0 });
      const range = g.op('Range', [g.ints('zero', [0], true), T, g.ints('one', [1], true)]);
      this.steps = g.op('Unsqueeze', [range, g.ints('axis1', [1])]);
    }
    return { steps: this.steps!, lens: this.lens64 };
  }

  /** For the projected LSTM: sequence_lens as int64 [B], and the valid steps as booleans [T, B, 1] (made once). */
  private projectionMasks(x: string): { lens: string; valid: string } {
    const g = this.g, { steps, lens } = this.maskParts(x);
    this.projection ??= { lens: g.op('Cast', [this.seqLens], { to: DType.int64 }), valid: g.op('Unsqueeze', [g.op('Less', [steps, lens]), g.ints('axis2', [2])]) };
    return this.projection;
  }

  embedding(s: Spec, ids: string, fields: { vocabSize: number; dim: number }[]): Flow {
    const g = this.g, one = fields.length === 1, ch = s.chars as Parameters<Exporter['chars']>[2] | undefined;
    const parts = fields.map((f, i) => {
      const weight = `${String(s.name)}.weight${one ? '' : `_${i}`}`;
      const table = g.floats(weight, [f.vocabSize, f.dim], this.tensor(weight).data);
      // field i's ids: [T, B, columns] → [T, B]
      const col = one && !ch ? ids : g.op('Gather', [ids, g.ints(`field_${i}`, [i], true)], { axis: 2 });
      return g.op('Gather', [table, col], { axis: 0 });
    });
    if (ch) {
      const chars = g.op('Slice', [ids, g.ints('start', [fields.length]), g.ints('end', [fields.length + ch.maxChars]), g.ints('axis2', [2])]);
      parts.push(this.chars(s, chars, ch));
    }
    const value = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 2 });
    return { value, seq: true, width: fields.reduce((a, f) => a + f.dim, 0) + (ch ? 2 * ch.hiddenSize : 0) };
  }

  /**
   * One ONNX RNN / LSTM / GRU node for stacked layer l of the PyTorch-named weights under
   * `prefix`: X [T, B, I] → [Y [T, D, B, H], Y_h [D, B, H] (, Y_c with withC)].
   */
  recurrentNode(prefix: string, s: Spec, l: number, I: number, x: string, lens: string, initial: string[], withC: boolean): string[] {
    const g = this.g, cell = s.type as CellType, G = CELLS[cell].gates, H = s.hiddenSize as number;
    const D = s.bidirectional ? 2 : 1, order = exportOrder(cell);
    const W = new Float32Array(D * G * H * I), R = new Float32Array(D * G * H * H), B = new Float32Array(D * 2 * G * H);
    for (let d = 0; d < D; d++) {
      const sfx = suffix(l, d === 1), p = prefix;
      W.set(permuteGateRows(this.tensor(`${p}weight_ih${sfx}`).data, H, I, order), d * G * H * I);
      R.set(permuteGateRows(this.tensor(`${p}weight_hh${sfx}`).data, H, H, order), d * G * H * H);
      // bias: false is exactly zero biases (ONNX's default B)
      if (this.dict[`${p}bias_ih${sfx}`]) {
        B.set(permuteGateRows(this.tensor(`${p}bias_ih${sfx}`).data, H, 1, order), d * 2 * G * H);
        B.set(permuteGateRows(this.tensor(`${p}bias_hh${sfx}`).data, H, 1, order), d * 2 * G * H + G * H);
      }
    }
    const attrs: Record<string, number | string | string[]> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (cell === 'gru') attrs.linear_before_reset = s.resetBefore ? 0 : 1;
    if (cell === 'rnn') attrs.activations = Array(D).fill(s.nonlinearity === 'relu' ? 'Relu' : 'Tanh');
    const op = cell === 'rnn' ? 'RNN' : cell.toUpperCase(), base = prefix.replace(/\.$/, '');
    const ins = [x, g.floats(`${prefix}W_l${l}`, [D, G * H, I], W), g.floats(`${prefix}R_l${l}`, [D, G * H, H], R),
      g.floats(`${prefix}B_l${l}`, [D, 2 * G * H], B), lens, ...initial];
    return g.node(op, ins, [`${base}_Y_l${l}`, `${base}_Y_h_l${l}`, ...(withC ? [`${base}_Y_c_l${l}`] : [])], attrs);
  }

  /**
   * The characters' BiLSTM: each word's characters (ids [T, B, M], up to the first 0)
   * run as one sequence of a batch of T·B words; [T, B, 2H], zero for a word without any.
   */
  chars(s: Spec, chars: string, ch: { vocabSize: number; dim: number; hiddenSize: number; maxChars: number }): string {
    const g = this.g, name = String(s.name), M = ch.maxChars, H = ch.hiddenSize;
    const flat = g.op('Reshape', [chars, g.ints('shape_words', [-1, M])]);
    // leading non-zero ids: the steps before the running count of zeros leaves 0
    const zeros = g.op('CumSum', [g.op('Cast', [g.op('Equal', [flat, g.ints('zero', [0], true)])], { to: DType.int32 }), g.ints('one', [1], true)]);
    const n = g.op('ReduceSum', [g.op('Cast', [g.op('Equal', [zeros, g.op('Cast', [g.ints('zero', [0], true)], { to: DType.int32 })])], { to: DType.int32 }), g.ints('axis1', [1])], { keepdims: 0 });
    // a word without characters runs one step (older onnxruntime versions refuse length 0) and is zeroed below
    const lens = g.op('Max', [n, g.op('Cast', [g.ints('one', [1], true)], { to: DType.int32 })]);
    const table = g.floats(`${name}.char_weight`, [ch.vocabSize, ch.dim], this.tensor(`${name}.char_weight`).data);
    const x = g.op('Transpose', [g.op('Gather', [table, flat], { axis: 0 })], { perm: [1, 0, 2] });
    const spec: Spec = { type: 'lstm', hiddenSize: H, bidirectional: true };
    const Yh = this.recurrentNode(`${name}.char_lstm.`, spec, 0, ch.dim, x, lens, [], false)[1];
    // Y_h [2, words, H] → [words, 2H] (forward then backward), zero where n = 0
    const h = g.op('Reshape', [g.op('Transpose', [Yh], { perm: [1, 0, 2] }), g.ints('shape_words_2H', [0, -1])]);
    const some = g.op('Unsqueeze', [g.op('Greater', [n, g.op('Cast', [g.ints('zero', [0], true)], { to: DType.int32 })]), g.ints('axis1', [1])]);
    const kept = g.op('Where', [some, h, g.floats('zero_f', [], [0])]);
    const TB = g.op('Slice', [g.op('Shape', [chars]), g.ints('start', [0]), g.ints('end', [2])]);
    return g.op('Reshape', [kept, g.op('Concat', [TB, g.ints('width', [2 * H])], { axis: 0 })]);
  }

  recurrent(s: Spec, input: Flow): Flow {
    const g = this.g, name = String(s.name), cell = s.type as CellType;
    const H = s.hiddenSize as number, L = (s.numLayers as number | undefined) ?? 1;
    const D = s.bidirectional ? 2 : 1;
    // P: the width of h and of the output per direction (an LSTM's projSize, else H)
    const P = (s.projSize as number | undefined) || H;
    const lstm = cell === 'lstm', names = lstm ? ['h', 'c'] : ['h'], width = (k: string) => (k === 'h' ? P : H);
    // initial states [L·D, B, P or H] per kind (h, c): each stacked layer takes its D rows
    const init = this.states ? names.map((k) => this.g.input(`${name}.${k}0`, 'float', [L * D, 'B', width(k)])) : [];
    const finals: string[][] = names.map(() => []);
    // merge 'sum' / 'mean' joins the two directions of every stacked layer, so the next takes H
    const merge = D === 2 ? ((s.merge as string | undefined) ?? 'concat') : 'concat';
    const join = (v: string, axis: number): string => (merge === 'sum'
      ? g.op('ReduceSum', [v, g.ints(`axis${axis}`, [axis])], { keepdims: 0 })
      : g.op('ReduceMean', [v], { axes: [axis], keepdims: 0 }));
    let x = input.value, I = input.width, Yh = '';
    for (let l = 0; l < L; l++) {
      const initial = init.map((v) => g.op('Slice', [v, g.ints('start', [l * D]), g.ints('end', [(l + 1) * D]), g.ints('axis0', [0])]));
      const got = P !== H
        ? projectedLstmLayer({ g, prefix: `${name}.`, H, P, D, tensor: (n) => this.tensor(n).data, has: (n) => n in this.dict, ...this.projectionMasks(x) }, l, I, x, initial)
        : this.recurrentNode(`${name}.`, s, l, I, x, this.seqLens, initial, this.states && lstm);
      Yh = got[1];
      names.forEach((_, k) => finals[k].push(got[1 + k]));
      // Y [T, D, B, H] → [T, B, D·H] (directions concatenated) or [T, B, H] (merged)
      x = merge === 'concat' ? g.op('Reshape', [g.op('Transpose', [got[0]], { perm: [0, 2, 1, 3] }), g.ints('shape_TB_', [0, 0, -1])]) : join(got[0], 1);
      I = merge === 'concat' ? D * P : P;
    }
    if (this.states) {
      names.forEach((k, i) => this.stateOutputs.push({
        value: finals[i].length === 1 ? finals[i][0] : g.op('Concat', finals[i], { axis: 0 }), name: `${name}.${k}n`, rows: L * D, H: width(k),
      }));
    }
    if (s.returnSequences !== false) return { value: x, seq: true, width: I };
    // Y_h [D, B, H]: each direction's state after its last valid step
    if (merge !== 'concat') return { value: join(Yh, 0), seq: false, width: P };
    return { value: g.op('Reshape', [g.op('Transpose', [Yh], { perm: [1, 0, 2] }), g.ints('shape_B_', [0, -1])]), seq: false, width: D * P };
  }

  dense(s: Spec, input: Flow): Flow {
    const g = this.g, name = String(s.name), units = s.units as number;
    const w = this.tensor(`${name}.weight`), b = this.tensor(`${name}.bias`);
    // x · Wᵀ with W [units, in] stored transposed once: MatMul broadcasts over [T, B] or [B]
    const wt = transpose(w.data, units, input.width);
    const y = g.op('MatMul', [input.value, g.floats(`${name}.weight_t`, [input.width, units], wt)]);
    return { value: g.op('Add', [y, g.floats(`${name}.bias`, [units], b.data)]), seq: input.seq, width: units };
  }

  pooling(s: Spec, input: Flow): Flow {
    const g = this.g, mode = s.mode as 'last' | 'mean' | 'max';
    const { steps, lens } = this.maskParts(input.value);
    // [T, B, 1] booleans: the step to keep (last) or the valid steps (mean, max)
    const pick = mode === 'last'
      ? g.op('Equal', [steps, g.op('Sub', [lens, g.ints('one', [1], true)])])
      : g.op('Less', [steps, lens]);
    const mask = g.op('Unsqueeze', [pick, g.ints('axis2', [2])]);
    let value: string;
    if (mode === 'max') {
      value = g.op('ReduceMax', [g.op('Where', [mask, input.value, g.floats('minus_inf', [], [-Infinity])])], { axes: [0], keepdims: 0 });
    } else {
      // Where, not a product: a padded step's value never reaches the sum
      value = g.op('ReduceSum', [g.op('Where', [mask, input.value, g.floats('zero_f', [], [0])]), g.ints('axis0', [0])], { keepdims: 0 });
      if (mode === 'mean') {
        const n = g.op('Cast', [g.op('Transpose', [lens], { perm: [1, 0] })], { to: DType.float });
        value = g.op('Div', [value, n]);
      }
    }
    return { value, seq: false, width: input.width };
  }
}

/**
 * The model as an ONNX model (opset 14): inputs `ids` int64 [T, B] (several embedding
 * fields or characters: [T, B, fields + maxChars], each step's columns as predict takes
 * them; a model with `inputFeatures`: `x` float [T, B, features]) and
 * `sequence_lens` int32 [B]; output `probs` (softmax) or, for an MSE model, `values`,
 * [T, B, C] for per-step models or [B, C]. Dropout is dropped (inference). With
 * `states: true`, each recurrent layer's initial states are inputs and its final states
 * outputs (see OnnxExportOptions); without, every layer starts from zero states
 * (stateful layers export as ordinary ones).
 */
export function exportOnnx(model: Sequential, options: OnnxExportOptions = {}): Uint8Array {
  if (!(model instanceof Sequential)) throw new ArgumentError('exportOnnx expects a Sequential model');
  const json = model.toJSON(), specs = json.layers as Spec[];
  const { loss, inputFeatures } = json.options as { loss?: string; inputFeatures?: number };
  const ex = new Exporter(model.stateDict(), 'sequence_lens', options.states === true), g = ex.g;
  let flow: Flow;
  const first = specs[0];
  if (first.type === 'embedding') {
    const fields = (first.fields as { vocabSize: number; dim: number }[] | undefined) ?? [{ vocabSize: first.vocabSize as number, dim: first.dim as number }];
    const ch = first.chars as { maxChars: number } | undefined;
    g.input('ids', 'int64', fields.length === 1 && !ch ? ['T', 'B'] : ['T', 'B', fields.length + (ch?.maxChars ?? 0)]);
    g.input('sequence_lens', 'int32', ['B']);
    flow = ex.embedding(first, 'ids', fields);
  } else {
    g.input('x', 'float', ['T', 'B', inputFeatures as number]);
    g.input('sequence_lens', 'int32', ['B']);
    flow = { value: 'x', seq: true, width: inputFeatures as number };
  }
  for (const s of first.type === 'embedding' ? specs.slice(1) : specs) {
    if (s.type in CELLS) flow = ex.recurrent(s, flow);
    else if (s.type === 'dense') flow = ex.dense(s, flow);
    else if (s.type === 'pooling') flow = ex.pooling(s, flow);
    else if (s.type !== 'dropout') throw new ConfigError(`layer '${String(s.name)}' (${s.type}): no ONNX mapping for this layer type`);
  }
  const dims = flow.seq ? ['T', 'B', flow.width] : ['B', flow.width];
  if (loss === 'mse') g.output(flow.value, 'values', 'float', dims);
  else g.output(g.op('Softmax', [flow.value], { axis: -1 }), 'probs', 'float', dims);
  for (const st of ex.stateOutputs) g.output(st.value, st.name, 'float', [st.rows, 'B', st.H]);
  return g.encode('rnn-wasm', ONNX_OPSET, ONNX_IR_VERSION);
}
