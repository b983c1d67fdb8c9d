// An LSTM with a projection (projSize, PyTorch's proj_size) in ONNX: the LSTM operator
// has none, so the cell is spelled out as a Scan over time whose body computes
// PyTorch's step (gates i, f, g, o; c' = f ⊙ c + i ⊙ g; h' = W_hr (o ⊙ tanh c')).
// Steps past a row's length keep its states and output zero, as the operator does; the
// reverse direction runs on the sequence reversed within each length (ReverseSequence).
import { OnnxGraph } from './onnx-graph.js';
import { suffix, transpose as transposed } from './gate-layout.js';

export interface ProjectedLstm {
  g: OnnxGraph;
  /** PyTorch-named weights under `prefix` (weight_ih_l0, …, weight_hr_l0_reverse). */
  tensor(name: string): Float32Array;
  has(name: string): boolean;
  prefix: string;
  H: number;
  P: number;
  D: number;
  /** sequence_lens as int64 [B], and the valid steps as booleans [T, B, 1]. */
  lens: string;
  valid: string;
}

/**
 * Stacked layer l over x [T, B, I] with initial states h0 [D, B, P], c0 [D, B, H] (or
 * zeros when absent): [Y [T, D, B, P], Y_h [D, B, P], Y_c [D, B, H]], as the LSTM operator returns them.
 */
export function projectedLstmLayer(p: ProjectedLstm, l: number, I: number, x: string, initial: string[]): string[] {
  const { g, H, P, D } = p;
  const ys: string[] = [], hs: string[] = [], cs: string[] = [];
  const batch = g.op('Slice', [g.op('Shape', [x]), g.ints('start', [1]), g.ints('end', [2])]);
  const zeros = (n: number) => g.op('Expand', [g.floats('zero_f', [], [0]), g.op('Concat', [batch, g.ints('width', [n])], { axis: 0 })]);
  for (let d = 0; d < D; d++) {
    const sfx = suffix(l, d === 1), w = (n: string) => `${p.prefix}${n}${sfx}`;
    const bias = new Float32Array(4 * H);
    if (p.has(w('bias_ih'))) {
      const bi = p.tensor(w('bias_ih')), bh = p.tensor(w('bias_hh'));
      for (let k = 0; k < 4 * H; k++) bias[k] = bi[k] + bh[k];
    }
    const xd = d === 1 ? g.op('ReverseSequence', [x, p.lens], { batch_axis: 1, time_axis: 0 }) : x;
    // the input half of every step's gates at once: [T, B, 4H]
    const pre = g.op('Add', [g.op('MatMul', [xd, g.floats(w('W_ih_t'), [I, 4 * H], transposed(p.tensor(w('weight_ih')), 4 * H, I))]), g.floats(w('bias'), [4 * H], bias)]);
    const whh = g.floats(w('W_hh_t'), [P, 4 * H], transposed(p.tensor(w('weight_hh')), 4 * H, P));
    const whr = g.floats(w('W_hr_t'), [H, P], transposed(p.tensor(w('weight_hr')), P, H));

    const body = new OnnxGraph(g);
    const hPrev = body.input('h_prev', 'float', ['B', P]), cPrev = body.input('c_prev', 'float', ['B', H]);
    const preT = body.input('pre_t', 'float', ['B', 4 * H]), m = body.input('valid_t', 'bool', ['B', 1]);
    const z = body.op('Add', [preT, body.op('MatMul', [hPrev, whh])]);
    const [i, f, gg, o] = body.node('Split', [z], 4, { axis: 1 });
    const c = body.op('Add', [body.op('Mul', [body.op('Sigmoid', [f]), cPrev]), body.op('Mul', [body.op('Sigmoid', [i]), body.op('Tanh', [gg])])]);
    const h = body.op('MatMul', [body.op('Mul', [body.op('Sigmoid', [o]), body.op('Tanh', [c])]), whr]);
    body.output(body.op('Where', [m, h, hPrev]), 'h_next', 'float', ['B', P]);
    body.output(body.op('Where', [m, c, cPrev]), 'c_next', 'float', ['B', H]);
    body.output(body.op('Where', [m, h, g.floats('zero_f', [], [0])]), 'y_t', 'float', ['B', P]);

    const start = (k: number, n: number) => (initial[k]
      ? g.op('Squeeze', [g.op('Slice', [initial[k], g.ints('start', [d]), g.ints('end', [d + 1]), g.ints('axis0', [0])]), g.ints('axis0', [0])])
      : zeros(n));
    const [hT, cT, y] = g.node('Scan', [start(0, P), start(1, H), pre, p.valid], 3, { body, num_scan_inputs: 2 });
    const yd = d === 1 ? g.op('ReverseSequence', [y, p.lens], { batch_axis: 1, time_axis: 0 }) : y;
    ys.push(g.op('Unsqueeze', [yd, g.ints('axis1', [1])]));
    hs.push(g.op('Unsqueeze', [hT, g.ints('axis0', [0])]));
    cs.push(g.op('Unsqueeze', [cT, g.ints('axis0', [0])]));
  }
  const cat = (v: string[], axis: number) => (v.length === 1 ? v[0] : g.op('Concat', v, { axis }));
  return [cat(ys, 1), cat(hs, 0), cat(cs, 0)];
}
