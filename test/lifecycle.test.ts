// Issue 11, memory and lifecycle: an allocation that fails changes nothing, every
// failure path frees what it took, a disposed model (with its optimizer and streams)
// refuses further use, and a model dropped without dispose() is freed by the GC.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadRuntimeSync, Sequential, layers, optim, saveModel, loadModel, fit, saveCheckpoint, loadCheckpoint, readSafetensors, writeSafetensors, RnnWasmError,
  ArgumentError, ConfigError, DisposedError, FileError, MemoryLimitError, NonFiniteError, OutOfMemoryError, type Runtime,
} from '../src/index.js';
import { loadModelFrom, writeFileAtomic } from '../src/node/index.js';
import { collect } from './helpers/gc.js';


const tagger = (rt: Runtime, classes = 5, seed = 1) => new Sequential(rt, [
  layers.embedding({ vocabSize: 20, dim: 4 }), layers.lstm({ hiddenSize: 6 }), layers.dense({ units: classes }),
], { seed });
const batch = { inputs: [[1, 2, 3], [4, 5]], targets: [[0, 1, 2], [3, 4]] };

describe('out of memory', () => {
  it('a batch too large for wasm32 throws OutOfMemoryError and leaves every live model as it was', () => {
    const rt = loadRuntimeSync();
    const a = tagger(rt, 2000);
    const small = [[1, 2, 3]];
    const before = a.predictOutputs(small);
    // 1000 × 600 steps × 2,000 classes: 4.8 GB of probabilities, past what wasm32 can address.
    const huge = Array.from({ length: 1000 }, () => new Array(600).fill(1));
    let err: unknown;
    try { a.predict(huge); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).requestedBytes).toBeGreaterThan(4e9);
    expect((err as Error).message).toMatch(/out of wasm memory: .* needed, .* available/);
    // A second model takes the space the failed call gave back; neither may write into the other.
    const b = tagger(rt, 7, 2);
    const bBefore = b.predictOutputs(small);
    expect(a.predictOutputs(small)).toEqual(before);
    expect(b.predictOutputs(small)).toEqual(bBefore);
    expect(() => a.dispose()).not.toThrow();
    expect(b.predictOutputs(small)).toEqual(bBefore);
    b.dispose();
  });

  it('the runtime memoryLimit refuses allocations past it, with nothing changed', () => {
    const rt = loadRuntimeSync({ memoryLimit: 32 * 1024 * 1024 });
    expect(rt.memoryLimit).toBe(32 * 1024 * 1024);
    const m = tagger(rt, 50);
    const inUse = rt.planner.inUse;
    expect(() => m.predict(Array.from({ length: 400 }, () => new Array(400).fill(1)))).toThrow(OutOfMemoryError);
    expect(m.predict([[1, 2]])).toHaveLength(1);
    m.dispose();
    expect(rt.planner.inUse).toBeLessThan(inUse);
    expect(() => loadRuntimeSync({ memoryLimit: -1 })).toThrow(ConfigError);
  });
});

describe('failure paths free what they took', () => {
  it('stream(1e9) is refused at once and allocates nothing', () => {
    const rt = loadRuntimeSync();
    const m = tagger(rt);
    const inUse = rt.planner.inUse, t0 = performance.now();
    expect(() => m.stream(1e9)).toThrow(MemoryLimitError);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(rt.planner.inUse).toBe(inUse);
    m.dispose();
  }, 5000);

  it('a stream that fails part-way through its allocations gives back what it took', () => {
    const rt = loadRuntimeSync({ memoryLimit: 24 * 1024 * 1024 });
    const m = tagger(rt, 50);
    const inUse = rt.planner.inUse;
    // Fits the up-front estimate only while nothing else is allocated: take most of the room first.
    for (let n = 1000; n < 200_000; n = Math.ceil(n * 1.5)) {
      try { m.stream(n).dispose(); } catch (e) { expect(e).toBeInstanceOf(MemoryLimitError); }
      expect(rt.planner.inUse).toBe(inUse);
    }
    m.dispose();
  });

  it('a constructor that fails after allocating frees it', () => {
    const rt = loadRuntimeSync();
    const inUse = rt.planner.inUse;
    // The dense head is built (and allocates) before the loss check refuses one output class.
    expect(() => new Sequential(rt, [layers.embedding({ vocabSize: 10, dim: 4 }), layers.gru({ hiddenSize: 4 }), layers.dense({ units: 1 })])).toThrow(ConfigError);
    expect(rt.planner.inUse).toBe(inUse);
  });

  it('1,000 failed loads leak nothing: weights that do not fit, a config too large, a damaged checkpoint', () => {
    const rt = loadRuntimeSync();
    const good = tagger(rt);
    const opt = optim.adam();
    good.trainStep(batch, opt);
    const { tensors, metadata } = readSafetensors(saveCheckpoint(good, opt, { epoch: 1, stepInEpoch: 0, globalStep: 1, history: [] }));
    const cfg = JSON.parse(metadata['rnn-wasm.config']);
    const variants = [
      // the model builds, then its weights are refused (a shape that does not fit)
      writeSafetensors({ ...tensors, 'dense.bias': { shape: [4], data: new Float32Array(4) } }, metadata),
      // a config that passes the validator but needs more memory than the runtime has
      writeSafetensors(tensors, { ...metadata, 'rnn-wasm.config': JSON.stringify({ ...cfg, layers: [cfg.layers[0], { ...cfg.layers[1], hiddenSize: 1 << 20 }, cfg.layers[2]] }) }),
      // a checkpoint whose model loads and whose optimizer state is then refused
      writeSafetensors({ ...tensors, 'optimizer.1': { shape: [3], data: new Float32Array(3) } }, metadata),
    ];
    good.dispose();
    const inUse = rt.planner.inUse;
    for (let i = 0; i < 1000; i++) {
      const bytes = variants[i % variants.length];
      expect(() => (i % 3 === 2 ? loadCheckpoint(rt, bytes) : loadModel(rt, bytes))).toThrow(RnnWasmError);
    }
    expect(rt.planner.inUse).toBe(inUse);
  });

  it('1,000 failed stream creations and 1,000 failed constructions leak nothing', () => {
    const rt = loadRuntimeSync();
    const m = tagger(rt);
    const inUse = rt.planner.inUse;
    for (let i = 0; i < 1000; i++) {
      expect(() => m.stream(1e9 + i)).toThrow(MemoryLimitError);
      expect(() => new Sequential(rt, [layers.embedding({ vocabSize: 10, dim: 4 }), layers.rnn({ hiddenSize: 4 }), layers.dense({ units: 1 })])).toThrow(ConfigError);
    }
    expect(rt.planner.inUse).toBe(inUse);
    m.dispose();
  });
});

describe('use after dispose', () => {
  it('every call on a disposed model throws DisposedError', () => {
    const rt = loadRuntimeSync();
    const m = tagger(rt);
    m.trainStep(batch, optim.adam());
    m.dispose();
    expect(m.isDisposed).toBe(true);
    for (const call of [
      () => m.stateDict(), () => m.gradientDict(), () => saveModel(m), () => m.predict([[1]]),
      () => m.evaluate(batch), () => m.trainStep(batch, optim.sgd({ lr: 0.1 })), () => m.stream(1), () => m.loadStateDict({}),
    ]) expect(call).toThrow(DisposedError);
    expect(() => m.dispose()).not.toThrow();
  });

  it('disposing a model frees its optimizer state and its streams; using them afterwards throws', () => {
    const rt = loadRuntimeSync();
    const inUse = rt.planner.inUse;
    const m = tagger(rt);
    const opt = optim.adam();
    m.trainStep(batch, opt);
    const s = m.stream(2);
    m.dispose();
    expect(rt.planner.inUse).toBe(inUse);
    expect(() => s.step([1, 2])).toThrow(DisposedError);
    expect(() => opt.getState()).toThrow(DisposedError);
    expect(() => s.dispose()).not.toThrow();
    expect(() => opt.dispose()).not.toThrow();
    expect(rt.planner.inUse).toBe(inUse);
  });

  it('`using` disposes at the end of the block', () => {
    const rt = loadRuntimeSync();
    const inUse = rt.planner.inUse;
    let seen: Sequential;
    {
      using m = tagger(rt);
      seen = m;
      m.predict([[1, 2]]);
    }
    expect(seen.isDisposed).toBe(true);
    expect(rt.planner.inUse).toBe(inUse);
  });

  it('500 train-and-dispose cycles leave wasm memory where it was', () => {
    const rt = loadRuntimeSync();
    tagger(rt).dispose(); // the first model sizes the heap
    const inUse = rt.planner.inUse, bytes = rt.memory.buffer.byteLength;
    for (let i = 0; i < 500; i++) {
      const m = tagger(rt, 5, i);
      m.trainStep(batch, optim.adam());
      m.dispose();
    }
    expect(rt.planner.inUse).toBe(inUse);
    expect(rt.memory.buffer.byteLength).toBe(bytes);
  });
});

describe('garbage collection', () => {
  it('1,000 create-train-drop cycles without dispose() keep wasm memory bounded', async () => {
    const rt = loadRuntimeSync();
    await collect();
    const inUse = rt.planner.inUse;
    for (let i = 0; i < 1000; i++) {
      const m = tagger(rt, 5, i);
      m.trainStep(batch, optim.adam());
      if (i % 100 === 99) await collect();
    }
    await collect();
    // Dropped models are freed by the FinalizationRegistry: in use is back to where it started
    // (give or take the last model or two, which the engine may still hold in a register).
    const one = tagger(rt), modelBytes = rt.planner.inUse - inUse;
    one.dispose();
    expect(rt.planner.inUse - inUse).toBeLessThanOrEqual(2 * modelBytes);
    expect(rt.memory.buffer.byteLength).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it('100 loadModel calls without dispose() give their memory back after GC', async () => {
    const rt = loadRuntimeSync();
    const bytes = saveModel(tagger(rt));
    await collect();
    const inUse = rt.planner.inUse;
    for (let i = 0; i < 100; i++) loadModel(rt, bytes).predict([[1, 2, 3]]);
    await collect();
    expect(rt.planner.inUse).toBe(inUse);
  });
});

describe('optimizer settings that would destroy the weights', () => {
  it('refuses betas of 1, eps of 0 and non-numeric settings', () => {
    expect(() => optim.adam({ betas: [1, 0.999] })).toThrow(ConfigError);
    expect(() => optim.adam({ betas: [0.9, 1] })).toThrow(/betas\[1\] = 1 is invalid: expected a finite number in \[0, 1\)/);
    expect(() => optim.adam({ eps: 0 })).toThrow(/eps = 0 is invalid/);
    expect(() => optim.rmsprop({ eps: 0 })).toThrow(ConfigError);
    expect(() => optim.adagrad({ eps: 0 })).toThrow(ConfigError);
    expect(() => optim.adam({ betas: 0.9 as never })).toThrow(ConfigError);
    expect(() => optim.sgd({ lr: -1 })).toThrow(ConfigError);
    const o = optim.sgd({ lr: 0.1 });
    expect(() => { o.lr = NaN; }).toThrow(ConfigError);
    expect(o.lr).toBe(0.1);
  });

  for (const [name, make] of [
    ['sgd lr 1e38', () => optim.sgd({ lr: 1e38 })],
    ['adam lr 1e38', () => optim.adam({ lr: 1e38 })],
    ['sgd lr 1e37 with momentum', () => optim.sgd({ lr: 1e37, momentum: 0.9 })],
  ] as const) {
    it(`${name}: an update that overflows throws NonFiniteError naming a parameter; weights, state and step count as before`, () => {
      const rt = loadRuntimeSync();
      const m = tagger(rt);
      const opt = make();
      const before = m.stateDict();
      m.grads.f32().fill(100); // |lr · g| past the f32 range for every element
      expect(() => m.applyGradients(opt, 1)).toThrow(NonFiniteError);
      expect(() => m.applyGradients(opt, 1)).toThrow(/'(embedding|lstm|dense)\.[a-z_0-9]+'\[\d+\]/);
      expect(opt.stepCount).toBe(0);
      const after = m.stateDict();
      for (const k of Object.keys(before)) expect(Buffer.from(after[k].data.buffer).equals(Buffer.from(before[k].data.buffer))).toBe(true);
      for (const b of opt.getState().buffers) expect(b.every((v) => v === 0)).toBe(true);
      m.dispose();
    });
  }

  it('training with sgd({ lr: 1e38 }) never leaves non-finite weights and never predicts NaN silently', () => {
    const rt = loadRuntimeSync();
    const m = tagger(rt);
    const opt = optim.sgd({ lr: 1e38 });
    for (let i = 0; i < 5; i++) {
      try { m.trainStep(batch, opt); } catch (e) { expect(e).toBeInstanceOf(NonFiniteError); }
      for (const t of Object.values(m.stateDict())) expect(t.data.every(Number.isFinite)).toBe(true);
      try {
        for (const row of m.predictOutputs([[1, 2, 3]]).flat(2)) expect(Number.isFinite(row)).toBe(true);
      } catch (e) { expect(e).toBeInstanceOf(NonFiniteError); }
    }
    m.dispose();
  });
});

describe('typed errors at the API', () => {
  const rt = loadRuntimeSync();
  it('a missing optimizer, a null batch element, a non-runtime', async () => {
    const m = tagger(rt);
    expect(() => m.trainStep(batch, null as never)).toThrow(ArgumentError);
    expect(() => m.trainStep(batch, null as never)).toThrow(/expected an optimizer/);
    await expect(fit(m, [null] as never, { optimizer: optim.adam(), epochs: 1 })).rejects.toThrow(ArgumentError);
    await expect(fit(m, [null] as never, { optimizer: optim.adam(), epochs: 1 })).rejects.toThrow(/examples\[0\] must be an object \{ input, target \}/);
    await expect(fit(m, [{ input: [1], target: [1] }], { optimizer: {} as never, epochs: 1 })).rejects.toThrow(ArgumentError);
    expect(() => new Sequential({} as never, [layers.dense({ units: 2 })], { inputFeatures: 2 })).toThrow(ArgumentError);
    expect(() => new Sequential({} as never, [layers.dense({ units: 2 })], { inputFeatures: 2 })).toThrow(/must be a runtime from loadRuntime\(\)/);
    m.dispose();
  });

  it('file errors from rnn-wasm/node name the path and the cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-files-'));
    const missing = join(dir, 'missing.safetensors');
    await expect(loadModelFrom(rt, missing)).rejects.toThrow(FileError);
    await expect(loadModelFrom(rt, missing)).rejects.toThrow(`cannot read ${missing}: no such file or directory (ENOENT)`);
    mkdirSync(join(dir, 'sub'));
    await expect(loadModelFrom(rt, join(dir, 'sub'))).rejects.toThrow(/cannot read .*sub: it is a directory \(EISDIR\)/);
  });

  it('an atomic write never replaces a device or a directory (rename would, as root)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-files-'));
    await expect(writeFileAtomic('/dev/null', new Uint8Array(4))).rejects.toThrow(/cannot write \/dev\/null: it exists and is not a regular file/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    await expect(writeFileAtomic(dir, new Uint8Array(4))).rejects.toThrow(FileError);
    await writeFileAtomic(join(dir, 'a.bin'), new Uint8Array([1, 2]));
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([1, 2]);
  });
});
