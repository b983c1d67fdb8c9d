// What a recurrent cell declares so that the stack (src/layers/recurrent.ts), the
// importers (src/io/gate-layout.ts), the stream and the bench can use it without
// knowing it by name. One module per cell in this folder; see docs/ARCHITECTURE.md,
// "Adding a cell".
import type { Kernels } from '../runtime/kernels.js';

export type CellType = 'rnn' | 'lstm' | 'gru';

/** The options a cell's declarations may depend on (a validated RecurrentConfig). */
export interface CellOptions {
  nonlinearity: 'tanh' | 'relu';
  resetBefore: boolean;
  bias: boolean;
  /** LSTM projection size (PyTorch's proj_size); 0 = none. */
  projSize: number;
}

/** A tensor of one layer and direction, named as in PyTorch's state_dict (`${name}_l0_reverse`). */
export interface CellParameter {
  name: string;
  /** Which argument-block fields its pointer and gradient pointer go to. */
  role: 'wih' | 'whh' | 'bih' | 'bhh' | 'whr';
  shape: number[];
}

/**
 * A packed copy of a weight, or of a block of its rows, for one argument-block field.
 * The weight's rows are cut in `of` equal blocks and blocks [from, to) are packed;
 * transposed = packed for x · Wᵀ (the forward), else for dz · W (the backward).
 */
export interface PackedOperand {
  field: 'wih' | 'whh' | 'whhN' | 'wihBack' | 'whhBack' | 'whhNBack' | 'whr' | 'whrBack';
  weight: 'wih' | 'whh' | 'whr';
  from: number;
  to: number;
  of: number;
  transposed: boolean;
}

/** K × N of a packed operand of a weight of this shape. */
export function operandShape(op: PackedOperand, shape: readonly number[]): [number, number] {
  const rows = (shape[0] / op.of) * (op.to - op.from), cols = shape[1];
  return op.transposed ? [cols, rows] : [rows, cols];
}

/** Scratch floats the cell's kernels need beyond hs and dz, for T steps of B rows. */
export interface CellWorkspace {
  /** Per direction, kept from forward to backward. */
  gates: number;
  saved: number;
  /** LSTM with projection: every m_t, per direction. */
  ms: number;
  /** Shared by all directions. */
  hg: number;
  dhg: number;
  drh: number;
  carryC: number;
  dhAll: number;
  dm: number;
}

export interface Cell {
  readonly name: CellType;
  /** Gate blocks of H rows in W_ih, W_hh and the biases, in PyTorch's order (the one definition). */
  readonly gates: number;
  /** Has a cell state c beside h (c0, cn). */
  readonly hasCellState: boolean;
  /** The gate whose bias `forgetBias` sets, if the cell has one. */
  readonly forgetGate?: number;
  /** PyTorch gate q is gate order[q] of the other framework's layout. */
  readonly importOrder: { keras: readonly number[]; onnx: readonly number[] };
  parameters(I: number, H: number, o: CellOptions): CellParameter[];
  packed(o: CellOptions): readonly PackedOperand[];
  /**
   * Where the forward kernel writes its input projection W_ih x + biases (the gates, or
   * the Elman cell's hs) and whether b_hh joins it there (false: the GRU keeps b_hh in
   * the recurrent product, which its reset gate scales). A frozen model's folded
   * embedding fills that buffer from its table (src/model/freeze.ts).
   */
  readonly inputProjection: { into: 'gates' | 'hs'; withRecurrentBias: boolean };
  workspace(T: number, B: number, H: number, o: CellOptions): CellWorkspace;
  /** Floats of h (the output per direction and step): H, or the LSTM's projSize. */
  stateSize(H: number, o: CellOptions): number;
  /** The argument block's `variant` field. */
  variant(o: CellOptions): number;
  /** The stream descriptor's cell code (StreamCell, generated from assembly/stream.ts). */
  streamCode(o: CellOptions): number;
  forward(k: Kernels, args: number): void;
  backward(k: Kernels, args: number): void;
}

/** PyTorch's tensors of an nn.RNN / LSTM / GRU layer: weight_ih, weight_hh and, with bias, bias_ih, bias_hh. */
export function gateParameters(G: number, I: number, H: number, o: CellOptions): CellParameter[] {
  const p: CellParameter[] = [
    { name: 'weight_ih', role: 'wih', shape: [G * H, I] },
    { name: 'weight_hh', role: 'whh', shape: [G * H, H] },
  ];
  if (o.bias) p.push({ name: 'bias_ih', role: 'bih', shape: [G * H] }, { name: 'bias_hh', role: 'bhh', shape: [G * H] });
  return p;
}

/** The four operands of a cell whose recurrent product is one GEMM over all gates. */
export const WHOLE_GATE_OPERANDS: readonly PackedOperand[] = [
  { field: 'wih', weight: 'wih', from: 0, to: 1, of: 1, transposed: true },
  { field: 'whh', weight: 'whh', from: 0, to: 1, of: 1, transposed: true },
  { field: 'wihBack', weight: 'wih', from: 0, to: 1, of: 1, transposed: false },
  { field: 'whhBack', weight: 'whh', from: 0, to: 1, of: 1, transposed: false },
];

/** No scratch beyond what every cell gets. */
export const NO_WORKSPACE: CellWorkspace = { gates: 0, saved: 0, ms: 0, hg: 0, dhg: 0, drh: 0, carryC: 0, dhAll: 0, dm: 0 };
