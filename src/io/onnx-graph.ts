// A small builder over onnx-proto's message types (the ONNX schema compiled for
// protobufjs): unique value names, initializers, nodes with typed attributes, and
// the encoded ModelProto. The exporter (onnx-export.ts) says what the graph computes;
// this file only says how ONNX spells it. onnx-proto is an optional peer: only the
// rnn-wasm/onnx entry imports this file.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Attr = import('onnx-proto').onnx.IAttributeProto;
type Node = import('onnx-proto').onnx.INodeProto;
type TensorProto = import('onnx-proto').onnx.ITensorProto;
type ValueInfo = import('onnx-proto').onnx.IValueInfoProto;

/** ONNX element types used here (TensorProto.DataType). */
export const DType = { float: 1, int32: 6, int64: 7, bool: 9 } as const;
export type DTypeName = keyof typeof DType;

/** An attribute value: a number is an INT unless wrapped as { f }, a string a STRING, a graph a GRAPH (a loop body). */
export type AttrValue = number | { f: number } | string | number[] | string[] | OnnxGraph;

const text = new TextEncoder();

function attribute(name: string, v: AttrValue): Attr {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: text.encode(v) };
  if (v instanceof OnnxGraph) return { name, type: T.GRAPH, g: v.proto(name) };
  if (!Array.isArray(v)) return { name, type: T.FLOAT, f: v.f };
  if (v.every((x) => typeof x === 'string')) return { name, type: T.STRINGS, strings: (v as string[]).map((s) => text.encode(s)) };
  return { name, type: T.INTS, ints: v as number[] };
}

/** A dimension: a fixed size, or a name for a size given at run time (dynamic axis). */
export type Dim = number | string;

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  // Names are unique across the model, subgraphs included (ONNX forbids shadowing).
  private readonly used: Set<string>;

  /** A graph; with `parent`, a subgraph (a Scan body) that may read the parent's values. */
  constructor(parent?: OnnxGraph) {
    this.used = parent ? parent.used : new Set<string>();
  }

  /** A value name not used yet: `base`, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A graph input named `name` (or `name_k` when taken); returns its name. */
  input(name: string, type: DTypeName, dims: Dim[]): string {
    const n = this.fresh(name);
    this.inputs.push(valueInfo(n, type, dims));
    return n;
  }

  /** Declares an existing value as a graph output (an Identity gives it the public name, or `name_k` when taken). */
  output(value: string, name: string, type: DTypeName, dims: Dim[]): void {
    const [n] = this.node('Identity', [value], [name]);
    this.outputs.push(valueInfo(n, type, dims));
  }

  /** A float constant; its bytes are written little-endian as ONNX's raw_data requires. */
  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    const bytes = new Uint8Array(data.length * 4), view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
    const n = this.fresh(name);
    this.initializers.push({ name: n, dataType: DType.float, dims, rawData: bytes });
    return n;
  }

  /** An int64 constant: a vector, or a scalar when `scalar` is set. */
  ints(name: string, values: number[], scalar = false): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dataType: DType.int64, dims: scalar ? [] : [values.length], int64Data: values });
    return n;
  }

  /** Adds a node; its outputs are fresh names from `outs` (a count gives `${op}_k` names). Returns them. */
  node(op: string, inputs: string[], outs: string[] | number = 1, attrs: Record<string, AttrValue> = {}): string[] {
    const names = typeof outs === 'number'
      ? Array.from({ length: outs }, () => this.fresh(op.toLowerCase()))
      : outs.map((o) => (o === '' ? '' : this.fresh(o)));
    this.nodes.push({
      opType: op, input: inputs, output: names, name: this.fresh(`node_${op}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** One node with one output. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, 1, attrs)[0];
  }

  proto(name: string): import('onnx-proto').onnx.IGraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  encode(graphName: string, opset: number, irVersion: number): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion, producerName: 'rnn-wasm',
      opsetImport: [{ domain: '', version: opset }],
      graph: this.proto(graphName),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, type: DTypeName, dims: Dim[]): ValueInfo {
  return {
    name,
    type: { tensorType: { elemType: DType[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}
