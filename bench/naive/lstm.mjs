// Naive JavaScript baseline of one W1 LSTM training step (embedding → LSTM → dense →
// softmax cross-entropy summed over steps → BPTT → one Adam update) on Float32Arrays,
// time-major, all sequences full length, gate order i, f, g, o: what a careful JS
// programmer writes without SIMD or WebAssembly. Same math as Sequential.trainStep on
// embedding → lstm → dense with reduction 'sum'.
import { naiveGemm } from './gemm.mjs';

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

export class NaiveLSTM {
  constructor({ V, E, H, C, seed = 1 }) {
    Object.assign(this, { V, E, H, C });
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 0.2;
    const make = (n) => Float32Array.from({ length: n }, rnd);
    // Weights stored transposed (in × out) so each forward product is a plain A·B.
    this.params = { emb: make(V * E), wxT: make(E * 4 * H), whT: make(H * 4 * H), b: make(4 * H), wo: make(H * C), bo: make(C) };
    this.m = {};
    this.v = {};
    for (const [k, p] of Object.entries(this.params)) { this.m[k] = new Float32Array(p.length); this.v[k] = new Float32Array(p.length); }
    this.t = 0;
  }

  /** ids, targets: Int32Array [T*B] time-major. Returns the summed loss. */
  trainStep(ids, targets, T, B, lr = 1e-3) {
    const { E, H, C } = this, G = 4 * H, R = T * B;
    const { emb, wxT, whT, b, wo, bo } = this.params;
    // Forward: input projection of all steps at once, then the recurrence.
    const x = new Float32Array(R * E), gates = new Float32Array(R * G), cs = new Float32Array(R * H), hs = new Float32Array(R * H);
    for (let r = 0; r < R; r++) x.set(emb.subarray(ids[r] * E, ids[r] * E + E), r * E);
    naiveGemm(R, G, E, x, wxT, gates);
    const rec = new Float32Array(B * G);
    for (let t = 0; t < T; t++) {
      const og = t * B * G, oh = t * B * H;
      if (t > 0) naiveGemm(B, G, H, hs.subarray(oh - B * H, oh), whT, rec);
      for (let bb = 0; bb < B; bb++) {
        for (let j = 0; j < H; j++) {
          const q = og + bb * G, r = bb * G;
          const add = (k) => gates[q + k * H + j] + b[k * H + j] + (t > 0 ? rec[r + k * H + j] : 0);
          const i = sigmoid(add(0)), f = sigmoid(add(1)), g = Math.tanh(add(2)), o = sigmoid(add(3));
          gates[q + j] = i; gates[q + H + j] = f; gates[q + 2 * H + j] = g; gates[q + 3 * H + j] = o;
          const c = f * (t > 0 ? cs[oh - B * H + bb * H + j] : 0) + i * g;
          cs[oh + bb * H + j] = c;
          hs[oh + bb * H + j] = o * Math.tanh(c);
        }
      }
    }
    const logits = new Float32Array(R * C);
    naiveGemm(R, C, H, hs, wo, logits);
    let loss = 0;
    const dlog = new Float32Array(R * C);
    for (let r = 0; r < R; r++) {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, (logits[r * C + c] += bo[c]));
      let sum = 0;
      for (let c = 0; c < C; c++) sum += (dlog[r * C + c] = Math.exp(logits[r * C + c] - m));
      for (let c = 0; c < C; c++) dlog[r * C + c] /= sum;
      loss += Math.log(sum) + m - logits[r * C + targets[r]];
      dlog[r * C + targets[r]] -= 1;
    }
    // Backward: head, then through time, then the input weights and the embedding.
    const grads = Object.fromEntries(Object.entries(this.params).map(([k, p]) => [k, new Float32Array(p.length)]));
    const dhs = new Float32Array(R * H);
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) grads.bo[c] += dlog[r * C + c];
      for (let j = 0; j < H; j++) {
        const h = hs[r * H + j];
        let acc = 0;
        for (let c = 0; c < C; c++) { const g = dlog[r * C + c]; grads.wo[j * C + c] += h * g; acc += wo[j * C + c] * g; }
        dhs[r * H + j] = acc;
      }
    }
    const dz = new Float32Array(R * G);
    let dhCarry = new Float32Array(B * H), dcCarry = new Float32Array(B * H);
    for (let t = T - 1; t >= 0; t--) {
      const og = t * B * G, oh = t * B * H;
      const dcPrev = new Float32Array(B * H), dhPrev = new Float32Array(B * H);
      for (let bb = 0; bb < B; bb++) {
        for (let j = 0; j < H; j++) {
          const q = og + bb * G, n = bb * H + j;
          const i = gates[q + j], f = gates[q + H + j], g = gates[q + 2 * H + j], o = gates[q + 3 * H + j];
          const c = cs[oh + n], tc = Math.tanh(c), cPrev = t > 0 ? cs[oh - B * H + n] : 0;
          const dh = dhs[oh + n] + dhCarry[n];
          const dc = dcCarry[n] + dh * o * (1 - tc * tc);
          dz[q + j] = dc * g * i * (1 - i);
          dz[q + H + j] = dc * cPrev * f * (1 - f);
          dz[q + 2 * H + j] = dc * i * (1 - g * g);
          dz[q + 3 * H + j] = dh * tc * o * (1 - o);
          dcPrev[n] = dc * f;
        }
      }
      if (t > 0) {
        for (let bb = 0; bb < B; bb++) {
          const q = og + bb * G;
          for (let j = 0; j < H; j++) {
            const h = hs[oh - B * H + bb * H + j];
            let acc = 0;
            for (let k = 0; k < G; k++) { const d = dz[q + k]; grads.whT[j * G + k] += h * d; acc += whT[j * G + k] * d; }
            dhPrev[bb * H + j] = acc;
          }
        }
      }
      dhCarry = dhPrev;
      dcCarry = dcPrev;
    }
    for (let r = 0; r < R; r++) {
      const q = r * G;
      for (let k = 0; k < G; k++) grads.b[k] += dz[q + k];
      for (let e = 0; e < E; e++) {
        const xe = x[r * E + e];
        let acc = 0;
        for (let k = 0; k < G; k++) { const d = dz[q + k]; grads.wxT[e * G + k] += xe * d; acc += wxT[e * G + k] * d; }
        grads.emb[ids[r] * E + e] += acc;
      }
    }
    // One Adam update (β1 0.9, β2 0.999, ε 1e-8) over every parameter.
    this.t++;
    const c1 = 1 - 0.9 ** this.t, c2 = 1 - 0.999 ** this.t;
    for (const [k, p] of Object.entries(this.params)) {
      const g = grads[k], m = this.m[k], v = this.v[k];
      for (let i = 0; i < p.length; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
      }
    }
    return loss;
  }
}
