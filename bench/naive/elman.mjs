// Naive JavaScript baseline of one Elman training step (embedding → tanh RNN →
// dense → softmax cross-entropy summed over steps → BPTT → SGD), Float32Arrays,
// time-major, all sequences full length. Same math as Sequential.trainStep on embedding → rnn → dense.
import { naiveGemm } from './gemm.mjs';

export class NaiveElman {
  constructor({ V, E, H, C, seed = 1 }) {
    Object.assign(this, { V, E, H, C });
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 0.2;
    const make = (n) => Float32Array.from({ length: n }, rnd);
    this.emb = make(V * E);
    this.wihT = make(E * H); // stored transposed (I x H) so the forward is a plain A·B
    this.whhT = make(H * H);
    this.b = make(H);
    this.wo = make(H * C);
    this.bo = make(C);
  }

  /** ids, targets: Int32Array [T*B] time-major. Returns the summed loss. */
  trainStep(ids, targets, T, B, lr) {
    const { E, H, C } = this;
    const R = T * B;
    const x = new Float32Array(R * E), hs = new Float32Array(R * H), logits = new Float32Array(R * C);
    for (let r = 0; r < R; r++) x.set(this.emb.subarray(ids[r] * E, ids[r] * E + E), r * E);
    naiveGemm(R, H, E, x, this.wihT, hs);
    const tmp = new Float32Array(B * H);
    for (let t = 0; t < T; t++) {
      const o = t * B * H;
      if (t > 0) {
        naiveGemm(B, H, H, hs.subarray(o - B * H, o), this.whhT, tmp);
        for (let i = 0; i < B * H; i++) hs[o + i] += tmp[i];
      }
      for (let i = 0; i < B * H; i++) hs[o + i] = Math.tanh(hs[o + i] + this.b[i % H]);
    }
    naiveGemm(R, C, H, hs, this.wo, logits);
    let loss = 0;
    const dlog = new Float32Array(R * C);
    for (let r = 0; r < R; r++) {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, (logits[r * C + c] += this.bo[c]));
      let sum = 0;
      for (let c = 0; c < C; c++) sum += (dlog[r * C + c] = Math.exp(logits[r * C + c] - m));
      for (let c = 0; c < C; c++) dlog[r * C + c] /= sum;
      loss += Math.log(sum) + m - logits[r * C + targets[r]];
      dlog[r * C + targets[r]] -= 1;
    }
    // Backward.
    const dwo = new Float32Array(H * C), dbo = new Float32Array(C), dhs = new Float32Array(R * H);
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) {
        const g = dlog[r * C + c];
        dbo[c] += g;
        for (let j = 0; j < H; j++) { dwo[j * C + c] += hs[r * H + j] * g; dhs[r * H + j] += this.wo[j * C + c] * g; }
      }
    }
    const dz = new Float32Array(R * H), dwih = new Float32Array(E * H), dwhh = new Float32Array(H * H), db = new Float32Array(H);
    let carry = new Float32Array(B * H);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * B * H;
      for (let i = 0; i < B * H; i++) {
        const h = hs[o + i];
        dz[o + i] = (dhs[o + i] + carry[i]) * (1 - h * h);
      }
      const next = new Float32Array(B * H);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const g = dz[o + b * H + j];
          db[j] += g;
          if (t > 0) for (let k = 0; k < H; k++) { dwhh[k * H + j] += hs[o - B * H + b * H + k] * g; next[b * H + k] += this.whhT[k * H + j] * g; }
        }
      }
      carry = next;
    }
    const demb = new Float32Array(this.emb.length);
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < H; j++) {
        const g = dz[r * H + j];
        for (let e = 0; e < E; e++) { dwih[e * H + j] += x[r * E + e] * g; demb[ids[r] * E + e] += this.wihT[e * H + j] * g; }
      }
    }
    const sgd = (p, g) => { for (let i = 0; i < p.length; i++) p[i] -= lr * g[i]; };
    sgd(this.emb, demb); sgd(this.wihT, dwih); sgd(this.whhT, dwhh); sgd(this.b, db); sgd(this.wo, dwo); sgd(this.bo, dbo);
    return loss;
  }
}
