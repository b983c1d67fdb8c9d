// A whole .onnx file → Sequential: our own exports (onnx-export.ts) and what
// torch.onnx.export writes for nn.Embedding + nn.LSTM / GRU / RNN + nn.Linear.
// The graph is walked once in node order, each value tagged with what it holds (token
// ids, a [T, B, C] or [B, T, C] sequence, a recurrent node's Y or Y_h, a [B, C] vector,
// a constant, or shape arithmetic that carries no data). Layer nodes (Gather on a float
// table, RNN / LSTM / GRU, MatMul + Add or Gemm, the pooling masks, Softmax) add layers;
// the exporters' glue (Transpose, Squeeze, Reshape, Shape, Slice, Concat, Constant, …)
// only moves tags. Any other operator, or a known one on data it cannot mean a layer
// for, is refused naming the node.
import onnxProto from 'onnx-proto';
import { WeightFileError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import type { Runtime } from '../runtime/runtime.js';
import type { StateDict } from '../runtime/parameter-table.js';
import { CELLS, type CellType } from '../cells/index.js';
import { fromOnnx, type OnnxRecurrentWeights } from './onnx.js';
import { transpose } from './gate-layout.js';

type NodeProto = import('onnx-proto').onnx.INodeProto;
type TensorProto = import('onnx-proto').onnx.ITensorProto;
type AttrProto = import('onnx-proto').onnx.IAttributeProto;

interface Const { dims: number[]; f?: Float32Array; i?: number[] }
/** Axes 0 and 1 as in the token ids ('TB') or swapped ('BT'); which one is time is learnt from the first recurrent node. */
type Layout = 'TB' | 'BT';
/** One embedding table's lookup; the characters' part also has its BiLSTM. */
interface EmbPart { field: number; table: Const; chars?: { lstm: OnnxRecurrentWeights; H: number; M: number } }
/** Where a recurrent node's output came from: layer index in the list, stacked node l. */
interface From { layer: number; node: number; D: number; H: number }

type V =
  | { k: 'ids'; fields: number; layout: Layout }
  | { k: 'field'; i: number; layout: Layout }
  | { k: 'seq'; layout: Layout; width: number; emb?: EmbPart[]; from?: From }
  | { k: 'Y'; from: From } // [T, D, B, H]
  | { k: 'YT'; from: From } // [T, B, D, H]
  | { k: 'Yh'; from: From[] } // [n·D, B, H], stacked nodes' finals concatenated
  | { k: 'YhT'; from: From } // [B, D, H]
  | { k: 'dir'; from: From; d: number } // one direction's final state [B, H] (h_n[-2] in torch)
  | { k: 'vec'; width: number }
  | { k: 'mm'; src: V & { k: 'seq' | 'vec' }; W: Float32Array; units: number; node: string }
  | { k: 'mask'; last: boolean }
  | { k: 'masked'; last: boolean; src: V & { k: 'seq' }; fill: number }
  | { k: 'sum'; width: number }
  | { k: 'probs'; of: V & { k: 'seq' | 'vec' } } // Softmax's output: the end of the model
  // our export's characters (onnx-export.ts, chars): the columns [T, B, M], per word [T·B, M],
  // the counts and masks made from them, the looked-up characters, the BiLSTM's finals
  | { k: 'chars'; F: number; M: number }
  | { k: 'charIds'; M: number }
  | { k: 'charLens' }
  | { k: 'charEmb'; table: Const; M: number; time: boolean }
  | { k: 'charYh'; part: EmbPart; T: boolean }
  | { k: 'charH'; part: EmbPart }
  | { k: 'charKept'; part: EmbPart }
  | { k: 'const'; t: Const }
  | { k: 'state'; input: string; rows?: [number, number] } // an initial-state graph input [L·D, B, H], or rows of it
  | { k: 'aux' }; // shapes, lengths, step indices: no model data

type Merge = 'concat' | 'sum' | 'mean';
interface LayerEntry { spec: Record<string, unknown>; nodes?: OnnxRecurrentWeights[]; attrs?: { lbr: 0 | 1; act: 'Tanh' | 'Relu' }; merge?: Merge }

const num = (v: unknown): number => (typeof v === 'object' && v !== null ? (v as { toNumber(): number }).toNumber() : Number(v));
const text = new TextDecoder();

function tensorOf(t: TensorProto): Const {
  const dims = (t.dims ?? []).map(num), n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  if (t.dataType === 1) {
    const f = new Float32Array(n);
    if (view) for (let j = 0; j < n; j++) f[j] = view.getFloat32(j * 4, true);
    else f.set(t.floatData ?? []);
    return { dims, f };
  }
  if (t.dataType === 7 || t.dataType === 6) {
    const i = view ? Array.from({ length: n }, (_, j) => (t.dataType === 7 ? Number(view.getBigInt64(j * 8, true)) : view.getInt32(j * 4, true)))
      : (t.dataType === 7 ? (t.int64Data ?? []) : (t.int32Data ?? [])).map(num);
    return { dims, i };
  }
  return { dims }; // other element types: shape glue only
}

function attrs(n: NodeProto): Map<string, AttrProto> {
  return new Map((n.attribute ?? []).map((a) => [a.name ?? '', a]));
}

class Importer {
  readonly values = new Map<string, V>();
  readonly layers: LayerEntry[] = [];
  readonly dict: StateDict = {};
  softmax = false;
  inputFeatures = 0;
  /** The layout whose axis 0 is time: the first recurrent node's X says (our exports: the ids as given). */
  timeMajor?: Layout;
  /** Per value, the nodes reading it other than Shape: data read twice is a branch a Sequential cannot hold (but the ids per field, and the stacked final states per layer and direction). */
  readonly readers = new Map<string, number>();

  fail(n: NodeProto, why: string): never {
    throw new WeightFileError(`importOnnx: node '${n.name || n.output?.[0] || '?'}' (${n.opType}): ${why}`);
  }

  get(n: NodeProto, i: number): V {
    const name = n.input?.[i] ?? '';
    const v = this.values.get(name);
    if (!v) this.fail(n, `input '${name}' is not computed before this node`);
    return v;
  }

  /** A pending embedding or MatMul becomes a layer when its value is used. */
  settle(n: NodeProto, v: V): V {
    if (v.k === 'seq' && v.emb) {
      if (this.layers.length > 0) this.fail(n, 'an embedding after other layers');
      const name = 'embedding', ch = v.emb.find((p) => p.chars), parts = v.emb.filter((p) => !p.chars), one = parts.length === 1;
      if (ch && v.emb[v.emb.length - 1] !== ch) this.fail(n, 'the characters concatenated before a field');
      if (parts.length === 0) this.fail(n, 'characters without a word field');
      parts.forEach((p, i) => {
        if (p.field !== i) this.fail(n, `embedding fields concatenated out of order (field ${p.field} at ${i})`);
        this.dict[`${name}.weight${one ? '' : `_${i}`}`] = { shape: p.table.dims, data: p.table.f! };
      });
      const fields = parts.map((p) => ({ vocabSize: p.table.dims[0], dim: p.table.dims[1] }));
      let chars = {};
      if (ch) {
        this.dict[`${name}.char_weight`] = { shape: ch.table.dims, data: ch.table.f! };
        Object.assign(this.dict, fromOnnx('lstm', [ch.chars!.lstm], { prefix: `${name}.char_lstm.` }).stateDict);
        chars = { chars: { vocabSize: ch.table.dims[0], dim: ch.table.dims[1], hiddenSize: ch.chars!.H, maxChars: ch.chars!.M } };
      }
      this.layers.push({ spec: { type: 'embedding', name, ...(one ? fields[0] : { fields }), ...chars } });
      return { ...v, emb: undefined };
    }
    if (v.k === 'mm') return this.dense(n, v, new Float32Array(v.units));
    return v;
  }

  dense(n: NodeProto, mm: V & { k: 'mm' }, bias: Float32Array): V {
    const src = this.settle(n, mm.src) as V & { k: 'seq' | 'vec' }, name = `dense_${this.layers.length}`;
    if (bias.length !== mm.units) this.fail(n, `bias of ${bias.length} values for ${mm.units} units`);
    this.dict[`${name}.weight`] = { shape: [mm.units, src.width], data: transpose(mm.W, src.width, mm.units) };
    this.dict[`${name}.bias`] = { shape: [mm.units], data: bias };
    this.layers.push({ spec: { type: 'dense', name, units: mm.units } });
    return src.k === 'seq' ? { k: 'seq', layout: src.layout, width: mm.units } : { k: 'vec', width: mm.units };
  }

  /** The recurrent layer a final state or last output belongs to: it must be the last layer, and it stops returning sequences. */
  lastOf(n: NodeProto, f: From, merge: Merge = 'concat'): V {
    const e = this.layers[f.layer];
    if (f.layer !== this.layers.length - 1 || e.nodes!.length !== f.node + 1) this.fail(n, 'a final state of a layer other than the last');
    if (e.spec.returnSequences === false) this.fail(n, 'the final state of a layer read twice');
    this.join(n, f, merge);
    e.spec.returnSequences = false;
    return { k: 'vec', width: merge === 'concat' ? f.D * f.H : f.H };
  }

  /** How a bidirectional layer's two directions are joined: one way for all its stacked layers (rnn-wasm's merge). */
  join(n: NodeProto, f: From, merge: Merge): void {
    if (f.D === 1) return;
    const e = this.layers[f.layer];
    e.merge ??= merge;
    if (e.merge !== merge) this.fail(n, `directions joined by ${merge} where the layer's earlier stacked layer used ${e.merge}`);
    if (merge !== 'concat') e.spec.merge = merge;
  }

  recurrent(n: NodeProto): void {
    const op = n.opType as string, cell: CellType = op === 'RNN' ? 'rnn' : op === 'LSTM' ? 'lstm' : 'gru';
    const a = attrs(n), G = CELLS[cell].gates;
    const dir = a.get('direction')?.s ? text.decode(a.get('direction')!.s!) : 'forward';
    if (dir !== 'forward' && dir !== 'bidirectional') this.fail(n, `direction '${dir}' (only forward and bidirectional)`);
    for (const k of ['clip', 'input_forget', 'layout']) if (a.has(k) && (num(a.get(k)!.i) || a.get(k)!.f)) this.fail(n, `attribute ${k} is not supported`);
    const D = dir === 'bidirectional' ? 2 : 1, H = num(a.get('hidden_size')?.i);
    const acts = (a.get('activations')?.strings ?? []).map((s) => text.decode(s));
    const defaults = cell === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : cell === 'gru' ? ['Sigmoid', 'Tanh'] : [acts[0] === 'Relu' ? 'Relu' : 'Tanh'];
    if (acts.length && acts.some((s, i) => s !== defaults[i % defaults.length] || (cell === 'rnn' && s !== 'Tanh' && s !== 'Relu'))) this.fail(n, `activations ${acts.join(', ')} are not supported`);
    const act = cell === 'rnn' && acts[0] === 'Relu' ? 'Relu' : 'Tanh', lbr = num(a.get('linear_before_reset')?.i ?? 0) ? 1 : 0;
    const x = this.settle(n, this.get(n, 0));
    if (x.k !== 'seq') this.fail(n, `X is not a sequence (${x.k})`);
    this.timeMajor ??= x.layout; // batch_first modules transpose before the node
    if (x.layout !== this.timeMajor) this.fail(n, 'X is batch-major where an earlier recurrent node took it time-major');
    const weight = (i: number, what: string): OnnxRecurrentWeights['W'] | undefined => {
      if (!n.input?.[i]) return undefined;
      const v = this.get(n, i);
      if (v.k !== 'const' || !v.t.f) this.fail(n, `${what} is not a float constant`);
      return { shape: v.t.dims, data: v.t.f };
    };
    const W = weight(1, 'W')!, R = weight(2, 'R')!, B = weight(3, 'B');
    if (!W || !R) this.fail(n, 'W and R are required');
    if (W.shape[1] !== G * H) this.fail(n, `W has shape [${W.shape}], expected [${D}, ${G * H}, input]`);
    // initial states that are graph inputs: the layer is stateful (it carries its final
    // states from call to call, as a caller feeding Y_h back into initial_h does)
    const stateInputs: Extract<V, { k: 'state' }>[] = [];
    for (const [i, what] of [[4, 'sequence_lens'], [5, 'initial_h'], [6, 'initial_c']] as const) {
      const v = n.input?.[i] ? this.get(n, i) : undefined;
      if (v && v.k === 'state') {
        if (i === 4) this.fail(n, `sequence_lens is graph input '${v.input}', not the lengths input`);
        stateInputs.push(v);
        continue;
      }
      // zeros (torch's ConstantOfShape, checked where it is made) or the lengths input
      const zeros = v?.k === 'const' && i > 4 && v.t.f?.every((z) => z === 0);
      if (v && v.k !== 'aux' && !zeros) this.fail(n, `${what} is not ${i === 4 ? 'the lengths input' : 'zeros'}`);
    }
    if (n.input?.[7]) this.fail(n, 'LSTM peephole weights (P) are not supported');
    const stateful = stateInputs.length > 0;
    if (stateful && stateInputs.length !== (cell === 'lstm' ? 2 : 1)) this.fail(n, 'initial_h and initial_c are not both graph inputs (a stateful LSTM carries both)');
    const prev = x.from && this.layers[x.from.layer];
    let layer: number;
    if (prev && x.from!.layer === this.layers.length - 1 && prev.nodes!.length === x.from!.node + 1 && prev.spec.type === cell
        && prev.spec.hiddenSize === H && (prev.spec.bidirectional ? 2 : 1) === D && prev.attrs!.lbr === lbr && prev.attrs!.act === act
        && Boolean(prev.spec.stateful) === stateful) {
      layer = x.from!.layer; // the next stacked layer of the same recurrent layer
      prev.nodes!.push({ W, R, B });
      prev.spec.numLayers = prev.nodes!.length;
    } else {
      layer = this.layers.length;
      this.layers.push({ spec: { type: cell, name: `${cell}_${layer}`, hiddenSize: H, bidirectional: D === 2, ...(stateful ? { stateful: true } : {}) }, nodes: [{ W, R, B }], attrs: { lbr, act } });
    }
    // stacked node l reads rows [l·D, (l+1)·D) of the state inputs: all of them when it is the only one
    const l = this.layers[layer].nodes!.length - 1;
    for (const v of stateInputs) {
      const [a0, b0] = v.rows ?? [0, Infinity];
      if (a0 !== l * D || (v.rows ? b0 !== (l + 1) * D : l !== 0)) this.fail(n, `initial state rows ${v.rows ? `${a0}..${b0 - 1}` : 'all'} of graph input '${v.input}' where stacked layer ${l} takes rows ${l * D}..${(l + 1) * D - 1}`);
    }
    const from: From = { layer, node: this.layers[layer].nodes!.length - 1, D, H };
    const outs = n.output ?? [];
    if (outs[0]) this.values.set(outs[0], { k: 'Y', from });
    if (outs[1]) this.values.set(outs[1], { k: 'Yh', from: [from] });
    if (outs[2]) this.values.set(outs[2], { k: 'aux' }); // Y_c: refused if used as data
  }

  /** Our export's character BiLSTM (onnx-export.ts, chars): read back into the embedding's characters part. */
  charStep(n: NodeProto, op: string, a: Map<string, AttrProto>, ins: (V | undefined)[], perm: string): V | undefined {
    const x = ins[0];
    // the words' lengths and masks: made only from the character ids and constants
    const lengths = ins.every((v) => !v || v.k === 'aux' || v.k === 'const' || v.k === 'charIds' || v.k === 'charLens');
    switch (op) {
      case 'Shape': return { k: 'aux' };
      case 'Reshape':
        if (x?.k === 'chars') return { k: 'charIds', M: x.M };
        if (x?.k === 'charYh' && x.T) return { k: 'charH', part: x.part };
        if (x?.k === 'charKept' && ins[1]?.k === 'aux') return { k: 'seq', layout: 'TB', width: 2 * x.part.chars!.H, emb: [x.part] };
        break;
      case 'Gather':
        if (x?.k === 'const' && x.t.f && x.t.dims.length === 2 && ins[1]?.k === 'charIds') return { k: 'charEmb', table: x.t, M: ins[1].M, time: false };
        break;
      case 'Transpose':
        if (x?.k === 'charEmb' && !x.time && perm === '1,0,2') return { ...x, time: true };
        if (x?.k === 'charYh' && !x.T && perm === '1,0,2') return { ...x, T: true };
        break;
      case 'Where':
        if (x?.k === 'charLens' && ins[1]?.k === 'charH' && ins[2]?.k === 'const' && ins[2].t.f?.every((z) => z === 0)) return { k: 'charKept', part: ins[1].part };
        break;
      case 'Equal': case 'Cast': case 'CumSum': case 'ReduceSum': case 'Max': case 'Greater': case 'Unsqueeze':
        if (lengths) return { k: 'charLens' };
        break;
      case 'LSTM': {
        const dir = a.get('direction')?.s ? text.decode(a.get('direction')!.s!) : 'forward', H = num(a.get('hidden_size')?.i);
        const [W, R, B] = [ins[1], ins[2], ins[3]];
        if (x?.k !== 'charEmb' || !x.time || dir !== 'bidirectional' || ins[4]?.k !== 'charLens' || ins.length > 5 || a.has('activations') || a.has('clip')) break;
        if (W?.k !== 'const' || R?.k !== 'const' || (B && B.k !== 'const')) this.fail(n, 'W, R and B are not constants');
        const part: EmbPart = { field: -1, table: x.table, chars: { lstm: { W: { shape: W.t.dims, data: W.t.f! }, R: { shape: R.t.dims, data: R.t.f! }, B: B?.k === 'const' ? { shape: B.t.dims, data: B.t.f! } : undefined }, H, M: x.M } };
        const outs = n.output ?? [];
        if (outs[0]) this.values.set(outs[0], { k: 'aux' });
        if (outs[1]) this.values.set(outs[1], { k: 'charYh', part, T: false });
        return undefined;
      }
    }
    return this.fail(n, `operator ${op} on the character columns does not match the export's character BiLSTM`);
  }

  ints(n: NodeProto, i: number): number[] | undefined {
    const v = n.input?.[i] ? this.values.get(n.input[i]) : undefined;
    return v?.k === 'const' ? v.t.i : undefined;
  }

  /** One node: the tag of each output. */
  step(n: NodeProto): V | undefined {
    const op = n.opType as string, a = attrs(n);
    const ins = (n.input ?? []).map((name, i) => (name ? this.get(n, i) : undefined));
    const data = ins.filter((v): v is V => !!v && v.k !== 'aux' && v.k !== 'const');
    if (op !== 'Shape') {
      for (const [i, v] of ins.entries()) {
        if (v && v.k !== 'aux' && v.k !== 'const' && v.k !== 'mask' && v.k !== 'state' && v.k !== 'ids' && v.k !== 'Yh' && !v.k.startsWith('char') && (this.readers.get(n.input![i]) ?? 0) > 1) {
          this.fail(n, `'${n.input![i]}' is read by ${this.readers.get(n.input![i])} nodes: a graph that branches is not a Sequential`);
        }
      }
    }
    const x = ins[0];
    const perm = (a.get('perm')?.ints ?? []).map(num).join(',');
    if (ins.some((v) => v?.k.startsWith('char'))) return this.charStep(n, op, a, ins, perm);
    switch (op) {
      case 'Constant': {
        const t = a.get('value')?.t;
        if (!t) this.fail(n, 'only Constant with a tensor value is supported');
        return { k: 'const', t: tensorOf(t) };
      }
      case 'Identity': case 'Dropout': return x;
      case 'RNN': case 'LSTM': case 'GRU': this.recurrent(n); return undefined;
      case 'Gather': {
        const idx = ins[1]!;
        if (x?.k === 'const' && x.t.f && x.t.dims.length === 2 && (idx.k === 'ids' || idx.k === 'field')) {
          if (num(a.get('axis')?.i ?? 0) !== 0) this.fail(n, 'an embedding lookup on an axis other than 0');
          if (idx.k === 'ids' && idx.fields !== 1) this.fail(n, 'one table for several fields');
          return { k: 'seq', layout: idx.layout, width: x.t.dims[1], emb: [{ field: idx.k === 'field' ? idx.i : 0, table: x.t }] };
        }
        if (x?.k === 'ids' && idx.k === 'const' && num(a.get('axis')?.i) === 2 && idx.t.i?.length === 1) return { k: 'field', i: idx.t.i[0], layout: x.layout };
        if (x?.k === 'Yh' && idx.k === 'const' && idx.t.dims.length === 0 && num(a.get('axis')?.i ?? 0) === 0) {
          const from = x.from, rows = from.length * from[0].D, r = idx.t.i![0] < 0 ? rows + idx.t.i![0] : idx.t.i![0];
          if (!(r >= 0 && r < rows)) this.fail(n, `row ${idx.t.i![0]} of ${rows} final states`);
          const f = from[Math.floor(r / from[0].D)];
          return f.D === 1 ? this.lastOf(n, f) : { k: 'dir', from: f, d: r % f.D };
        }
        // y[:, -1] / y[-1]: the output at the last step, a unidirectional layer's final state when no sequence is padded
        const timeAxis = x?.k === 'seq' && x.layout === this.timeMajor ? 0 : 1;
        if (x?.k === 'seq' && x.from && idx.k === 'const' && idx.t.dims.length === 0 && num(a.get('axis')?.i ?? 0) === timeAxis && idx.t.i?.[0] === -1) {
          if (x.from.D !== 1) this.fail(n, 'the last step of a bidirectional output (its reverse direction there has seen one step; use the final states h_n)');
          return this.lastOf(n, x.from);
        }
        if (data.length === 0) return { k: 'aux' };
        break;
      }
      case 'Concat': {
        const ax = num(a.get('axis')?.i);
        if (data.length === 0) return { k: 'aux' };
        if (data.length === ins.length && data.every((v) => v.k === 'seq' && v.emb) && (ax === 2 || ax === -1)) {
          const parts = data as (V & { k: 'seq' })[];
          return { k: 'seq', layout: parts[0].layout, width: parts.reduce((s, p) => s + p.width, 0), emb: parts.flatMap((p) => p.emb!) };
        }
        // torch.cat([h_n[-2], h_n[-1]], 1): both directions' final states, as returnSequences false gives them
        if (data.length === 2 && ins.length === 2 && (ax === 1 || ax === -1) && data.every((v) => v.k === 'dir')) {
          const [p, q] = data as (V & { k: 'dir' })[];
          if (p.from !== q.from || p.d !== 0 || q.d !== 1) this.fail(n, 'final states of different layers, or the reverse direction first');
          return this.lastOf(n, p.from);
        }
        if (data.length === ins.length && data.every((v) => v.k === 'Yh') && ax === 0) return { k: 'Yh', from: data.flatMap((v) => (v as V & { k: 'Yh' }).from) };
        break;
      }
      case 'Transpose': {
        if (data.length === 0) return { k: 'aux' };
        if (x?.k === 'seq' && perm === '1,0,2') return { ...x, layout: x.layout === 'TB' ? 'BT' : 'TB' };
        if (x?.k === 'Y' && perm === '0,2,1,3') return { k: 'YT', from: x.from };
        if (x?.k === 'Yh' && x.from.length === 1 && perm === '1,0,2') return { k: 'YhT', from: x.from[0] };
        break;
      }
      case 'Reshape': {
        if (data.length === 0) return { k: 'aux' };
        const shape = this.ints(n, 1);
        // [T, B, D, H] → [T, B, D·H]: T and B kept (0) or inferred (-1)
        if (x?.k === 'YT' && shape?.length === 3 && shape[0] <= 0 && shape[1] <= 0 && (shape[2] === -1 || shape[2] === x.from.D * x.from.H)) {
          this.join(n, x.from, 'concat');
          return { k: 'seq', layout: this.timeMajor!, width: x.from.D * x.from.H, from: x.from };
        }
        if (x?.k === 'YhT' && shape?.length === 2 && shape[0] <= 0 && (shape[1] === -1 || shape[1] === x.from.D * x.from.H)) return this.lastOf(n, x.from);
        break;
      }
      case 'Squeeze': {
        if (data.length === 0) return { k: 'aux' };
        const axes = this.ints(n, 1) ?? (a.get('axes')?.ints ?? []).map(num);
        if (x?.k === 'Y' && x.from.D === 1 && axes.join() === '1') return { k: 'seq', layout: this.timeMajor!, width: x.from.H, from: x.from };
        if (x?.k === 'Yh' && x.from.length === 1 && x.from[0].D === 1 && axes.join() === '0') return this.lastOf(n, x.from[0]);
        break;
      }
      case 'Unsqueeze': {
        if (data.length === 0) return { k: 'aux' };
        if (x?.k === 'mask') return x;
        break;
      }
      case 'Less': case 'Equal':
        if (data.length === 0) return { k: 'mask', last: op === 'Equal' };
        break;
      case 'Where': {
        const fill = ins[2]?.k === 'const' ? ins[2].t.f?.[0] : undefined;
        if (x?.k === 'mask' && ins[1]?.k === 'seq' && ins[1].layout === (this.timeMajor ?? 'TB') && fill !== undefined) return { k: 'masked', last: x.last, src: this.settle(n, ins[1]) as V & { k: 'seq' }, fill };
        break;
      }
      case 'ReduceMax': case 'ReduceSum': case 'ReduceMean': {
        const axes = this.ints(n, 1) ?? (a.get('axes')?.ints ?? []).map(num), keep = num(a.get('keepdims')?.i ?? 1);
        const merge = op === 'ReduceSum' ? 'sum' : op === 'ReduceMean' ? 'mean' : undefined;
        // merge 'sum' / 'mean': the directions axis of Y [T, D, B, H] or Y_h [D, B, H] reduced
        if (merge && keep === 0 && x?.k === 'Y' && x.from.D === 2 && axes.join() === '1') {
          this.join(n, x.from, merge);
          return { k: 'seq', layout: this.timeMajor!, width: x.from.H, from: x.from };
        }
        if (merge && keep === 0 && x?.k === 'Yh' && x.from.length === 1 && x.from[0].D === 2 && axes.join() === '0') return this.lastOf(n, x.from[0], merge);
        if (x?.k === 'masked' && op !== 'ReduceMean' && axes.join() === '0' && keep === 0) {
          const mode = op === 'ReduceMax' ? (x.fill === -Infinity && !x.last ? 'max' : undefined) : x.fill === 0 ? (x.last ? 'last' : 'sum') : undefined;
          if (!mode) this.fail(n, 'a masked reduction that is not a pooling');
          if (mode === 'sum') return { k: 'sum', width: x.src.width };
          this.layers.push({ spec: { type: 'pooling', name: `pooling_${this.layers.length}`, mode } });
          return { k: 'vec', width: x.src.width };
        }
        break;
      }
      case 'Div':
        if (x?.k === 'sum' && ins[1]?.k === 'aux') {
          this.layers.push({ spec: { type: 'pooling', name: `pooling_${this.layers.length}`, mode: 'mean' } });
          return { k: 'vec', width: x.width };
        }
        if (data.length === 0) return { k: 'aux' };
        break;
      case 'MatMul': {
        const w = ins[1];
        if ((x?.k === 'seq' || x?.k === 'vec' || x?.k === 'mm') && w?.k === 'const' && w.t.f && w.t.dims.length === 2) {
          const src = this.settle(n, x) as V & { k: 'seq' | 'vec' };
          if (src.width !== w.t.dims[0]) this.fail(n, `a [${w.t.dims}] weight for ${src.width} features`);
          return { k: 'mm', src, W: w.t.f, units: w.t.dims[1], node: n.name ?? '' };
        }
        break;
      }
      case 'Add': {
        const [p, q] = ins;
        const mm = p?.k === 'mm' ? p : q?.k === 'mm' ? q : undefined, b = p?.k === 'mm' ? q : p;
        if (mm && b?.k === 'const' && b.t.f && b.t.dims.length === 1) return this.dense(n, mm, b.t.f);
        if (data.length === 0) return { k: 'aux' };
        break;
      }
      case 'Gemm': {
        const src = x && this.settle(n, x), w = ins[1], b = ins[2];
        const tb = num(a.get('transB')?.i ?? 0), alpha = a.get('alpha')?.f ?? 1, beta = a.get('beta')?.f ?? 1;
        if (src?.k === 'vec' && w?.k === 'const' && w.t.f && !num(a.get('transA')?.i ?? 0) && alpha === 1 && beta === 1) {
          const units = w.t.dims[tb ? 0 : 1], W = tb ? transpose(w.t.f, units, src.width) : w.t.f;
          const bias = b ? (b.k === 'const' && b.t.f?.length === units ? b.t.f : this.fail(n, 'C is not a constant of one value per unit')) : new Float32Array(units);
          return this.dense(n, { k: 'mm', src, W, units, node: n.name ?? '' }, bias);
        }
        break;
      }
      case 'Softmax': {
        const v = x && this.settle(n, x);
        if ((v?.k === 'seq' || v?.k === 'vec') && [-1, v.k === 'seq' ? 2 : 1].includes(num(a.get('axis')?.i ?? -1))) {
          this.softmax = true;
          return { k: 'probs', of: v };
        }
        break;
      }
      case 'ConstantOfShape': {
        // a float fill is an initial state: only zeros (rnn-wasm's states start at 0)
        const fill = a.get('value')?.t ? tensorOf(a.get('value')!.t!) : undefined;
        if (fill?.f?.some((z) => z !== 0)) this.fail(n, `initial states filled with ${fill.f[0]}: only zero initial states are imported`);
        if (data.length === 0) return { k: 'aux' };
        break;
      }
      case 'Shape': case 'Cast': case 'Range': case 'Sub': case 'Mul': case 'Slice': case 'Max': case 'Min':
        if (x?.k === 'ids' && op === 'Slice') {
          // the character columns: ids[:, :, F : F + M]
          const [start, end, axes] = [this.ints(n, 1), this.ints(n, 2), this.ints(n, 3)];
          if (start?.length !== 1 || end?.[0] !== x.fields || axes?.join() !== '2' || !(start[0] > 0 && start[0] < end[0])) this.fail(n, 'a slice of the ids other than their last columns (the characters)');
          return { k: 'chars', F: start[0], M: end[0] - start[0] };
        }
        if (op === 'Shape' || data.length === 0) return { k: 'aux' };
        if (op === 'Slice' && x?.k === 'state' && !x.rows) {
          // one stacked layer's rows of an initial state: h0[l·D : (l+1)·D]
          const [start, end, axes] = [this.ints(n, 1), this.ints(n, 2), this.ints(n, 3)];
          if (start?.length !== 1 || end?.length !== 1 || (axes && axes.join() !== '0') || n.input?.[4]) this.fail(n, `a slice of initial state '${x.input}' other than rows on axis 0`);
          return { k: 'state', input: x.input, rows: [start![0], end![0]] };
        }
        break;
      default:
        this.fail(n, 'unsupported operator');
    }
    return this.fail(n, `operator ${op} on ${data.map((v) => v.k).join(', ') || 'constants'} does not match a pattern this importer knows`);
  }
}

export interface ImportOnnxOptions {
  /**
   * The model's loss. Default: 'crossEntropy' when the graph ends in Softmax, else
   * 'mse' (predictOutputs then returns the graph's output, a torch classifier's
   * logits). 'crossEntropy' for a graph without Softmax: predictOutputs returns
   * softmax(logits) and training takes class labels.
   */
  loss?: 'crossEntropy' | 'mse';
}

/**
 * A Sequential from an .onnx file: one written by exportOnnx (all but its projected
 * LSTMs), or by torch.onnx.export for
 * nn.Embedding → nn.LSTM / GRU / RNN (batch_first or not, stacked, bidirectional) →
 * nn.Linear per step, on y[:, -1] (one direction) or on the final states
 * (h_n[-1], or both directions' h_n[-2:] concatenated). Initial states that are graph
 * inputs (exportOnnx's `states: true`, a torch module's `h0` / `c0`) make the layer
 * `stateful`: it starts from zeros and carries its final states to the next call, as a
 * caller feeding the final-state outputs back does. A graph ending in Softmax gives a cross-entropy
 * model (predictOutputs: probabilities); otherwise an MSE model whose predictOutputs
 * are the graph's output values (options.loss overrides). Anything else is refused with a WeightFileError naming
 * the first node it cannot read.
 */
export function importOnnx(rt: Runtime, bytes: Uint8Array, options: ImportOnnxOptions = {}): Sequential {
  if (!(bytes instanceof Uint8Array)) throw new WeightFileError('importOnnx expects the .onnx file as a Uint8Array');
  let model: import('onnx-proto').onnx.ModelProto;
  try {
    model = onnxProto.onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new WeightFileError(`importOnnx: not an ONNX model (${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g) throw new WeightFileError('importOnnx: the model has no graph');
  for (const o of model.opsetImport ?? []) if (o.domain && o.domain !== 'ai.onnx') throw new WeightFileError(`importOnnx: operator set '${o.domain}' is not supported`);
  const im = new Importer();
  for (const n of g.node ?? []) {
    if (n.opType !== 'Shape') for (const i of n.input ?? []) if (i) im.readers.set(i, (im.readers.get(i) ?? 0) + 1);
  }
  for (const t of g.initializer ?? []) im.values.set(t.name ?? '', { k: 'const', t: tensorOf(t) });
  let first = true;
  for (const inp of g.input ?? []) {
    const name = inp.name ?? '';
    if (im.values.has(name)) continue; // an initializer listed as an input (IR < 4)
    const tt = inp.type?.tensorType, dims = tt?.shape?.dim ?? [];
    if (first) {
      first = false;
      if (tt?.elemType === 7 || tt?.elemType === 6) {
        const fields = dims.length === 3 ? num(dims[2].dimValue) : 1;
        im.values.set(name, { k: 'ids', fields, layout: 'TB' });
      } else if (tt?.elemType === 1 && dims.length === 3 && num(dims[2].dimValue) > 0) {
        im.inputFeatures = num(dims[2].dimValue);
        im.values.set(name, { k: 'seq', layout: 'TB', width: im.inputFeatures });
      } else throw new WeightFileError(`importOnnx: input '${name}' is neither int64 token ids nor float [T, B, features]`);
    } else im.values.set(name, name === 'sequence_lens' ? { k: 'aux' } : { k: 'state', input: name });
  }
  for (const n of g.node ?? []) {
    const out = im.step(n);
    if (out) for (const o of n.output ?? []) if (o) im.values.set(o, out);
  }
  const outName = g.output?.[0]?.name ?? '';
  const computed = im.values.get(outName);
  if (!computed) throw new WeightFileError(`importOnnx: the graph output '${outName}' is not computed`);
  const settled = im.settle({ name: outName, opType: 'output' }, computed);
  const result = settled.k === 'probs' ? settled.of : settled;
  if (result.k !== 'seq' && result.k !== 'vec') throw new WeightFileError(`importOnnx: the graph output '${outName}' is not a sequence or a vector per sequence (${result.k})`);
  for (const e of im.layers) {
    if (!e.nodes) continue;
    const cell = e.spec.type as CellType, name = e.spec.name as string;
    // one node at a time: after merge 'sum' / 'mean' a stacked layer's input is H wide, not D·H as fromOnnx expects
    e.nodes.forEach((node, l) => {
      const { stateDict, config } = fromOnnx(cell, [node], { linearBeforeReset: e.attrs!.lbr, activation: e.attrs!.act });
      for (const [k, t] of Object.entries(stateDict)) im.dict[`${name}.${k.replace('_l0', `_l${l}`)}`] = t;
      if (cell === 'gru' && config.resetBefore) e.spec.resetBefore = true;
      if (cell === 'rnn' && config.nonlinearity === 'relu') e.spec.nonlinearity = 'relu';
    });
  }
  // a torch export is batch-first or time-major; the layout only matters inside the graph
  const json = {
    format: 'rnn-wasm/sequential', version: 1, layers: im.layers.map((e) => e.spec),
    options: { loss: options.loss ?? (im.softmax ? 'crossEntropy' : 'mse'), ...(im.inputFeatures ? { inputFeatures: im.inputFeatures } : {}) },
  };
  const seq = Sequential.fromJSON(rt, json, false);
  try {
    seq.loadStateDict(im.dict);
  } catch (e) {
    seq.dispose();
    throw e;
  }
  return seq;
}
