// The vanishing-gradient study: a task whose answer is the first input, seen T steps
// before the output. For Elman (tanh), LSTM and GRU it measures
//   ‖∂L/∂h_t‖ against the distance T − 1 − t, at initialisation and after training,
// exactly: ∂L/∂h_t is the gradient w.r.t. the initial state of the suffix x_{t+1..}
// started from h_t (and c_t), and the accuracy against T.
import type { Runtime } from '../runtime/runtime.js';
import { Sequential } from '../model/sequential.js';
import * as layers from '../layers/index.js';
import { adam } from '../optim/index.js';
import { Rng } from '../random.js';
import type { RecurrentLayer, Dense, Context } from '../layers/index.js';
import type { CellType } from '../layers/recurrent.js';

export interface StudyOptions { lengths: number[]; gradientLength: number; hidden: number; steps: number; batch: number; seed: number }
export const STUDY_DEFAULTS: StudyOptions = { lengths: [5, 10, 20, 40, 80], gradientLength: 60, hidden: 32, steps: 1500, batch: 32, seed: 1 };

export interface StudyResult {
  gradients: { cell: string; phase: 'initialisation' | 'trained'; distance: number; norm: number }[];
  accuracy: { cell: string; T: number; accuracy: number }[];
}

const CELLS: CellType[] = ['rnn', 'lstm', 'gru'];
const label = (c: CellType) => (c === 'rnn' ? 'Elman (tanh)' : c.toUpperCase());

/** The first step is a one-hot bit, the label; the T − 1 steps after it are empty ([0, 0]). */
function batchOf(rng: Rng, B: number, T: number) {
  const inputs: number[][][] = [], targets: number[] = [];
  for (let b = 0; b < B; b++) {
    const bit = rng.int(2);
    inputs.push([bit ? [0, 1] : [1, 0], ...Array.from({ length: T - 1 }, () => [0, 0])]);
    targets.push(bit);
  }
  return { inputs, targets };
}

function build(rt: Runtime, cell: CellType, o: StudyOptions): Sequential {
  // LSTM with the usual forget-gate bias of 1 (Jozefowicz et al., 2015); everything else PyTorch's defaults.
  const extra = cell === 'lstm' ? { forgetBias: 1 } : {};
  return new Sequential(rt, [layers[cell]({ hiddenSize: o.hidden, returnSequences: false, ...extra }), layers.dense({ units: 2 })], { inputFeatures: 2, seed: o.seed });
}

/** Mean over the batch of ‖∂L/∂h_t‖ for t = 0 … T−2 (indexed by distance T − 1 − t). */
function stateGradients(rt: Runtime, model: Sequential, batch: { inputs: number[][][]; targets: number[] }): number[] {
  const rec = model.layers[0] as RecurrentLayer, head = model.layers[1] as Dense;
  const k = rt.kernels, mem = () => rt.memory.buffer;
  const T = batch.inputs[0].length, B = batch.inputs.length, H = rec.core.config.hiddenSize;
  const lstm = rec.core.config.cell === 'lstm';
  const reg = (n: number) => rt.planner.alloc(n);
  const x = reg(T * B * 2), ones = reg(B), tg = reg(B), probs = reg(B * 2), dl = reg(B * 2), h = reg(B * H), c = reg(B * H);
  const xv = x.f32();
  batch.inputs.forEach((s, b) => s.forEach((v, t) => xv.set(v, (t * B + b) * 2)));
  ones.i32().fill(1);
  tg.i32().set(batch.targets);
  const lengths = reg(B);
  const norms: number[] = [];
  model.parametersChanged();
  model.outputsView([batch.inputs[0]]); // re-packs the weights
  for (let t = 0; t < T - 1; t++) {
    // State after step t: the final state of the prefix x_0..x_t.
    lengths.i32().fill(t + 1);
    const pctx: Context = { T: t + 1, B, lengths: lengths.ptr, training: false, rng: model.rng, params: model.params, grads: model.grads };
    rec.initialStates = undefined;
    rec.forward(pctx, { ptr: x.ptr, seq: true, features: 2 });
    h.f32().set(new Float32Array(mem(), rec.finalStates.hn, B * H));
    if (lstm) c.f32().set(new Float32Array(mem(), rec.finalStates.cn, B * H));
    // The suffix from h_t: ∂L/∂h_t is the gradient w.r.t. its initial state.
    const S = T - 1 - t;
    lengths.i32().fill(S);
    const sctx: Context = { ...pctx, T: S };
    rec.initialStates = { h: h.ptr, c: lstm ? c.ptr : 0 };
    const logits = head.forward(sctx, rec.forward(sctx, { ptr: x.at((t + 1) * B * 2), seq: true, features: 2 }));
    k.softmaxCrossEntropyForward(B, 2, logits.ptr, tg.ptr, probs.ptr);
    k.softmaxCrossEntropyBackward(B, 2, probs.ptr, tg.ptr, 1 / B, dl.ptr);
    rec.backward(sctx, head.backward(sctx, dl.ptr));
    const g = new Float32Array(mem(), rec.initialStateGrads(sctx).dh0, B * H);
    let sum = 0;
    for (let b = 0; b < B; b++) {
      let s2 = 0;
      for (let j = 0; j < H; j++) s2 += g[b * H + j] ** 2;
      sum += Math.sqrt(s2);
    }
    norms[S] = sum / B;
  }
  rec.initialStates = undefined;
  for (const r of [x, ones, tg, probs, dl, h, c, lengths]) rt.planner.release(r);
  return norms;
}

function train(model: Sequential, T: number, o: StudyOptions, rng: Rng): void {
  const opt = adam({ lr: 3e-3 });
  for (let s = 0; s < o.steps; s++) model.trainStep(batchOf(rng, o.batch, T), opt, { clipNorm: 1 });
}

export function runVanishingStudy(rt: Runtime, o: StudyOptions, progress: (s: string) => void = () => {}): StudyResult {
  const result: StudyResult = { gradients: [], accuracy: [] };
  for (const cell of CELLS) {
    const rng = new Rng(o.seed);
    const probe = batchOf(new Rng(o.seed + 99), 64, o.gradientLength);
    const m = build(rt, cell, o);
    stateGradients(rt, m, probe).forEach((norm, d) => { if (d >= 1) result.gradients.push({ cell: label(cell), phase: 'initialisation', distance: d, norm }); });
    train(m, o.gradientLength, o, rng);
    stateGradients(rt, m, probe).forEach((norm, d) => { if (d >= 1) result.gradients.push({ cell: label(cell), phase: 'trained', distance: d, norm }); });
    m.dispose();
    for (const T of o.lengths) {
      const model = build(rt, cell, o);
      train(model, T, o, new Rng(o.seed + T));
      const test = batchOf(new Rng(o.seed + 1000 + T), 512, T);
      result.accuracy.push({ cell: label(cell), T, accuracy: model.evaluate(test).accuracy ?? 0 });
      model.dispose();
      progress(`${label(cell)}: T = ${T}, accuracy ${(100 * result.accuracy.at(-1)!.accuracy).toFixed(1)}%`);
    }
  }
  return result;
}
