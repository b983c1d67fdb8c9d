// Streaming inference: a batch of independent streams fed one token each per step,
// with every layer's state carried between steps. One step is one WASM call
// (assembly/stream.ts) over a descriptor of pointers laid out here once.
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';
import { DisposedError, MemoryLimitError, ShapeError, TokenIdError } from '../errors.js';
import { STREAM_LAYER_BASE, STREAM_LAYER_WORDS } from '../runtime/kernels.generated.js';

export interface StreamSpec {
  /** StreamCell code, declared by the layer's cell (src/cells/). */
  cell: number;
  L: number; H: number; E: number; C: number; vocabSize: number;
  /** The LSTM's projection size (h has P floats), 0 for none. */
  P: number;
  embedding: number; headT: number; headBias: number;
  /** int8 head: its row scales and the integer GEMM's scratch (0, 0 for f32). */
  headScales: number; headScratch: number;
  /** A frozen model's folded embedding: layer 0's input-projection table [vocab][G·H] (src/model/freeze.ts); 0 = none. */
  folded: number;
  /** Per layer; quant: the int8 operand block (assembly/qgemm.ts), 0 for f32. */
  layers: { wihT: number; whhT: number; whhNT: number; bih: number; bhh: number; bias: number; whrT: number; quant: number }[];
  /** Re-packs the model's weights if they changed since the last step. */
  refresh(): void;
}

export class RecurrentStream {
  private readonly regions: Region[] = [];
  private readonly desc!: Region;
  private readonly ids!: Region;
  private readonly probs!: Region;
  /** Carried states with the floats each stream has in them (h: W, c: H). */
  private readonly states: { region: Region; width: number }[] = [];

  constructor(private readonly rt: Runtime, private readonly spec: StreamSpec, readonly numStreams: number) {
    if (!Number.isSafeInteger(numStreams) || numStreams < 1) throw new ShapeError(`numStreams = ${numStreams} is invalid: expected a positive integer`);
    const { L, H, E, C, P } = spec, B = numStreams, W = P || H;
    // Refuse a count whose state cannot fit before allocating any of it (numStreams 1e9 would grow memory for seconds first).
    const floats = STREAM_LAYER_BASE + STREAM_LAYER_WORDS * L + B * (3 + 2 * C + E + 7 * H + 5 * L * H);
    if (floats * 4 > rt.planner.available) {
      throw new MemoryLimitError(floats * 4, rt.planner.limit, `${numStreams} streams need ${floats * 4} bytes of state, more than the ${rt.planner.available} bytes available under the runtime's memoryLimit (${rt.planner.limit}): use fewer streams`);
    }
    const alloc = (n: number) => {
      const r = rt.planner.alloc(n);
      this.regions.push(r);
      return r;
    };
    try {
      this.desc = alloc(STREAM_LAYER_BASE + STREAM_LAYER_WORDS * L);
      this.ids = alloc(B);
      this.probs = alloc(B * C);
      const ones = alloc(B), targets = alloc(B);
      ones.i32().fill(1);
      targets.i32().fill(-1);
      const words = [spec.cell, B, L, H, E, C, this.ids.ptr, spec.embedding, alloc(B * E).ptr, spec.headT, spec.headBias,
        alloc(B * C).ptr, ones.ptr, alloc(B * 4 * H).ptr, alloc(B * 3 * H).ptr, targets.ptr, this.probs.ptr, P, spec.headScales, spec.headScratch, spec.folded];
      for (const p of spec.layers) {
        const h = alloc(B * W), c = alloc(B * H);
        this.states.push({ region: h, width: W }, { region: c, width: H });
        words.push(p.wihT, p.whhT, p.whhNT, p.bih, p.bhh, h.ptr, c.ptr, alloc(B * W).ptr, alloc(B * H).ptr, p.bias,
          p.whrT, P ? alloc(B * H).ptr : 0, p.quant);
      }
      this.desc.i32().set(words);
    } catch (e) {
      this.dispose(); // a failed allocation part-way gives back what was taken
      throw e;
    }
  }

  /**
   * Feeds one token per stream and returns the class probabilities [stream][class]
   * (flat, numStreams × numClasses). Pass `out` to reuse an array and avoid allocation.
   */
  step(tokens: ArrayLike<number>, out?: Float32Array): Float32Array {
    this.checkAlive();
    const B = this.numStreams, V = this.spec.vocabSize, n = B * this.spec.C;
    if (!tokens || tokens.length !== B) throw new ShapeError(`step expects ${B} token ids (one per stream), got ${tokens?.length ?? tokens}`);
    if (out && out.length !== n) throw new ShapeError(`out must have ${n} elements (streams × classes), got ${out.length}`);
    const ids = this.ids.i32();
    for (let b = 0; b < B; b++) {
      const id = tokens[b];
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new TokenIdError(`tokens[${b}] = ${id} is not a valid token id: expected an integer in [0, ${V})`);
      ids[b] = id;
    }
    this.spec.refresh();
    this.rt.kernels.streamStep(this.desc.ptr);
    const probs = this.probs.f32();
    if (out) {
      out.set(probs);
      return out;
    }
    return probs.slice();
  }

  /** Zeroes the state of one stream, or of all. */
  reset(stream?: number): void {
    this.checkAlive();
    if (stream !== undefined && !(Number.isInteger(stream) && stream >= 0 && stream < this.numStreams)) {
      throw new ShapeError(`stream = ${stream} is invalid: expected an integer in [0, ${this.numStreams})`);
    }
    for (const { region, width } of this.states) {
      if (stream === undefined) region.f32().fill(0);
      else region.f32().fill(0, stream * width, (stream + 1) * width);
    }
  }

  /** True once the stream, or the model it reads, was disposed. */
  get isDisposed(): boolean {
    return !this.regions.length || this.regions[0].released;
  }

  private checkAlive(): void {
    if (this.isDisposed) throw new DisposedError('this stream was disposed (or its model was): its memory has been released');
  }

  /** Frees the stream's state (its model frees it too, when disposed). Idempotent. */
  dispose(): void {
    for (const r of this.regions) if (!r.released) this.rt.planner.release(r);
    this.regions.length = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
