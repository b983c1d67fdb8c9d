// Issue 11, defects 2, 5, 6 and 8: every model config and checkpoint's training
// metadata goes through one validator (known keys, types, bounded ranges), the memory
// a config needs is refused before anything is allocated, a damaged checkpoint is a
// WeightFileError that leaks nothing, and layer names never collide.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import {
  Sequential, Seq2Seq, layers, optim, fit, loadModel, saveModel, saveCheckpoint, loadCheckpoint, readSafetensors, writeSafetensors, loadRuntimeSync,
  ConfigError, MemoryLimitError, WeightFileError, RnnWasmError, type Runtime, type Tensor, type TrainingState,
} from '../src/index.js';
import { check } from '../src/config/schema.js';
import { recurrentCoreSchema } from '../src/config/layer-schemas.js';
import { runtime } from './helpers/wasm.js';

const rt = runtime();

const small = (r: Runtime = rt) => new Sequential(r, [
  layers.embedding({ vocabSize: 6, dim: 3 }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 3 }),
], { seed: 3 });

/** The file's tensors with only rnn-wasm's own metadata, after `edit` (no other key, e.g. a checksum, is carried over). */
function rewrite(bytes: Uint8Array, edit: (f: { tensors: Record<string, Tensor>; metadata: Record<string, string> }) => void): Uint8Array {
  const f = readSafetensors(bytes);
  const tensors: Record<string, Tensor> = {};
  for (const [n, t] of Object.entries(f.tensors)) tensors[n] = { shape: [...t.shape], data: t.data.slice() };
  const metadata: Record<string, string> = {};
  for (const k of ['rnn-wasm.config', 'rnn-wasm.training']) if (f.metadata[k] !== undefined) metadata[k] = f.metadata[k];
  edit({ tensors, metadata });
  return writeSafetensors(tensors, metadata);
}

const editConfig = (bytes: Uint8Array, f: (c: Record<string, any>) => void) => rewrite(bytes, ({ metadata }) => {
  const c = JSON.parse(metadata['rnn-wasm.config']);
  f(c);
  metadata['rnn-wasm.config'] = JSON.stringify(c);
});

/** Runs f, which must throw; returns the error, the time it took and the change in wasm memory in use and in size. */
function refused(r: Runtime, f: () => unknown) {
  const inUse = r.planner.inUse, size = r.memory.buffer.byteLength;
  const t0 = performance.now();
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  return { error, ms: performance.now() - t0, inUseDelta: r.planner.inUse - inUse, grown: r.memory.buffer.byteLength - size };
}

describe('defect 2: sizes in a model config are bounded, and the memory it needs is refused before anything is allocated', () => {
  const file = () => {
    const m = small();
    const bytes = saveModel(m);
    m.dispose();
    return bytes;
  };

  const cases: [string, (c: Record<string, any>) => void][] = [
    ['numLayers: 1e9', (c) => { c.layers[1].numLayers = 1e9; }],
    ['numLayers: 1e5', (c) => { c.layers[1].numLayers = 1e5; }],
    ['dense units: 1e9', (c) => { c.layers[2].units = 1e9; }],
    ['numLayers: 2000 (small, but past any sane stack)', (c) => { c.layers[1].numLayers = 2000; }],
  ];
  for (const [what, edit] of cases) {
    it(`${what}: loadModel refuses it in milliseconds with nothing allocated`, () => {
      const bytes = editConfig(file(), edit);
      const r = refused(rt, () => loadModel(rt, bytes));
      expect(r.error).toBeInstanceOf(WeightFileError);
      expect((r.error as Error).message).toMatch(/the model config in the file is invalid: layer [12]: (lstm|dense): (numLayers|units) = \d+ is invalid: expected a positive integer ≤ \d+/);
      expect(r.ms).toBeLessThan(500);
      expect(r.inUseDelta).toBe(0);
      expect(r.grown).toBe(0);
      console.log(`refused ${what} in ${r.ms.toFixed(2)} ms`);
    });
  }

  it('a config within the bounds that needs more than a wasm32 memory is a MemoryLimitError, nothing allocated', () => {
    // 2 × 16384-wide LSTM layers on 65536 features: 2 × 4·16384·(65536 + 16384) floats of parameters alone, ≈ 21 GB.
    const r = refused(rt, () => new Sequential(rt, [layers.lstm({ hiddenSize: 16384, numLayers: 2 }), layers.dense({ units: 65536 })], { inputFeatures: 65536, loss: 'mse' }));
    expect(r.error).toBeInstanceOf(MemoryLimitError);
    expect((r.error as MemoryLimitError).neededBytes).toBeGreaterThan(21e9);
    expect((r.error as Error).message).toMatch(/more than a wasm32 memory can address/);
    expect(r.inUseDelta).toBe(0);
    expect(r.grown).toBe(0);
  });

  it('a dense layer whose packed size overflows i32 (65536 × 65536) is refused in TS, before any kernel computes it', () => {
    const r = refused(rt, () => new Sequential(rt, [layers.dense({ units: 65536 })], { inputFeatures: 65536, loss: 'mse' }));
    expect(r.error).toBeInstanceOf(MemoryLimitError);
    // weight 2^32 floats, bias 2^16, each doubled for gradients, plus two packed copies of 2^32 floats; 4 bytes each.
    expect((r.error as MemoryLimitError).neededBytes).toBe(4 * (2 * (2 ** 32 + 2 ** 16) + 2 * 2 ** 32));
    expect(r.inUseDelta).toBe(0);
  });

  it("the runtime's memoryLimit refuses a model that would pass it, says how to raise it, and a raised limit lets it build", () => {
    const r2 = loadRuntimeSync();
    r2.memoryLimit = Math.ceil((r2.planner.highWater + 4 * 1048576) / 65536) * 65536;
    // embedding 1000 × 256, LSTM 256 → 256: ≈ 1 M parameters, 8 MB with gradients (and packed copies): past the 4 MiB left.
    const make = () => new Sequential(r2, [layers.embedding({ vocabSize: 1000, dim: 256 }), layers.lstm({ hiddenSize: 256 }), layers.dense({ units: 2 })]);
    const r = refused(r2, make);
    expect(r.error).toBeInstanceOf(MemoryLimitError);
    const e = r.error as MemoryLimitError;
    expect(e.limitBytes).toBe(r2.memoryLimit);
    expect(e.neededBytes).toBeGreaterThan(8e6);
    expect(e.message).toContain(`${e.neededBytes} bytes`);
    expect(e.message).toMatch(/loadRuntime\(\{ memoryLimit \}\) or rt\.memoryLimit = bytes/);
    expect(r.inUseDelta).toBe(0);
    expect(r.grown).toBe(0);
    // A model file with that config: still a MemoryLimitError (the file is fine, the runtime is small).
    const limit = r2.memoryLimit;
    r2.memoryLimit = 2 ** 32;
    const built = make();
    const bytes = saveModel(built);
    built.dispose();
    r2.memoryLimit = limit;
    const before = r2.planner.inUse;
    expect(() => loadModel(r2, bytes)).toThrow(MemoryLimitError);
    expect(r2.planner.inUse).toBe(before);
    r2.memoryLimit = 2 ** 32;
    loadModel(r2, bytes).dispose();
  });
});

describe('defect 6: config types and keys are checked', () => {
  const bad: unknown[] = ['abc', 1.5, [], 1, null, {}];
  for (const key of ['returnSequences', 'stateful', 'bidirectional', 'resetBefore'] as const) {
    it(`${key} must be a boolean (factory and model file)`, () => {
      for (const v of bad) {
        expect(() => layers.gru({ hiddenSize: 2, [key]: v } as never), `${key}: ${JSON.stringify(v)}`).toThrow(ConfigError);
        expect(() => layers.gru({ hiddenSize: 2, [key]: v } as never)).toThrow(`gru: ${key} = `);
      }
      const m = new Sequential(rt, [layers.embedding({ vocabSize: 4, dim: 2 }), layers.gru({ hiddenSize: 2 }), layers.dense({ units: 2 })]);
      const bytes = editConfig(saveModel(m), (c) => { c.layers[1][key] = 'abc'; });
      m.dispose();
      expect(() => loadModel(rt, bytes)).toThrow(WeightFileError);
      expect(() => loadModel(rt, bytes)).toThrow(`layer 1: gru: ${key} = 'abc' is invalid: expected true or false`);
    });
  }

  it('a misspelt key is refused with the nearest known one suggested (a byte flip turning "seed" into "see`")', () => {
    expect(() => new Sequential(rt, [layers.dense({ units: 2 })], { inputFeatures: 2, 'see`': 5 } as never))
      .toThrow('unknown key "see`" in options: did you mean "seed"?');
    expect(() => layers.lstm({ hiddenSize: 2, numLayer: 2 } as never)).toThrow('unknown key "numLayer" in lstm: did you mean "numLayers"?');
    expect(() => layers.embedding({ vocabSize: 3, dim: 2, chars: { vocabSize: 3, dim: 2, hiddenSize: 2, maxChar: 4 } } as never))
      .toThrow('embedding: unknown key "maxChar" in chars: did you mean "maxChars"?');
    const m = small();
    const file = saveModel(m);
    m.dispose();
    const config = readSafetensors(file).metadata['rnn-wasm.config'];
    const flipped = rewrite(file, ({ metadata }) => { metadata['rnn-wasm.config'] = config.replace('"seed"', '"see`"'); });
    expect(() => loadModel(rt, flipped)).toThrow(WeightFileError);
    expect(() => loadModel(rt, flipped)).toThrow('unknown key "see`" in options: did you mean "seed"?');
    const proto = rewrite(file, ({ metadata }) => { metadata['rnn-wasm.config'] = config.replace('"seed"', '"__proto__"'); });
    expect(() => loadModel(rt, proto)).toThrow('unknown key "__proto__" in options');
    const long = rewrite(file, ({ metadata }) => { metadata['rnn-wasm.config'] = config.replace('"seed"', `"${'x'.repeat(100000)}"`); });
    expect(() => loadModel(rt, long)).toThrow(/^the model config in the file is invalid: unknown key "x{40}…" in options: .{0,200}$/);
  });

  it('ranges, integers and enums of every layer and option', () => {
    const refusedWith: [() => unknown, string][] = [
      [() => layers.dropout({ rate: -0.1 }), 'dropout: rate = -0.1 is invalid: expected a finite number in [0, 1)'],
      [() => layers.lstm({ hiddenSize: 2, dropout: 1 }), 'lstm: dropout = 1 is invalid'],
      [() => layers.lstm({ hiddenSize: 2 ** 24 + 1 }), 'lstm: hiddenSize = 16777217 is invalid: expected a positive integer ≤ 16777216'],
      [() => layers.lstm({ hiddenSize: 2, merge: 'avg' as 'sum' }), "lstm: merge = 'avg' is invalid: expected 'concat', 'sum' or 'mean'"],
      [() => layers.rnn({ hiddenSize: 2, nonlinearity: 'gelu' as 'relu' }), "rnn: nonlinearity = 'gelu' is invalid: expected 'tanh' or 'relu'"],
      [() => layers.lstm({ hiddenSize: 2, forgetBias: Infinity }), 'lstm: forgetBias = Infinity is invalid: expected a finite number, or null'],
      [() => layers.lstm({ hiddenSize: 2, resetBefore: true }), 'lstm: resetBefore applies to the GRU cell only'],
      [() => layers.dense({ units: 2, init: 'he' as 'xavier' }), "dense: init = 'he' is invalid: expected 'default' or 'xavier'"],
      [() => layers.dense({ units: 2, name: 'head.w' }), "dense: name = 'head.w' is invalid"],
      [() => layers.dense({ units: 2, name: 'best' }), "dense: name = 'best' is invalid"],
      [() => layers.embedding({ vocabSize: 3 } as never), 'embedding: vocabSize = 3 and dim = undefined'],
      [() => layers.embedding({ vocabSize: 3, dim: 2, fields: [{ vocabSize: 3, dim: 2 }] }), 'embedding: give either vocabSize and dim, or fields, not both'],
      [() => layers.embedding({ fields: [{ vocabSize: 3, dim: 0 }] }), 'embedding: fields[0].dim = 0 is invalid'],
      [() => layers.embedding({ fields: [] }), 'embedding: fields = an array of length 0 is invalid'],
      [() => layers.pooling({ mode: 'sum' as 'max' }), "pooling: mode = 'sum' is invalid: expected 'last', 'mean' or 'max'"],
      [() => layers.dense(null as never), 'dense: null is invalid: expected an object'],
      [() => new Sequential(rt, [layers.dense({ units: 2 })], { inputFeatures: 2, maxLength: 2 ** 40 }), 'options: maxLength = 1099511627776 is invalid'],
      [() => new Sequential(rt, [layers.dense({ units: 2 })], { inputFeatures: 2, seed: 1.5 }), 'options: seed = 1.5 is invalid: expected an integer'],
      [() => new Sequential(rt, [layers.dense({ units: 2 })], { inputFeatures: -1 }), 'options: inputFeatures = -1 is invalid'],
      [() => Sequential.fromJSON(rt, { format: 'rnn-wasm/sequential', version: 2, layers: [{ type: 'dense', units: 2 }] }), 'model config: version = 2 is invalid'],
      [() => Sequential.fromJSON(rt, { format: 'rnn-wasm/sequential', version: 1, layers: [{ type: 'lstm', cell: 'gru', hiddenSize: 2 }] }), "layer 0: a 'lstm' layer spec says cell = 'gru'"],
    ];
    for (const [f, message] of refusedWith) {
      expect(f, message).toThrow(ConfigError);
      expect(f).toThrow(message);
    }
  });
});

describe('loadModel blames the file only for what is in the file', () => {
  it('a bad runtime argument is not reported as a damaged file; weights that do not fit free the built model', () => {
    const m = small();
    const bytes = saveModel(m);
    m.dispose();
    let error: unknown;
    try {
      loadModel({} as Runtime, bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
    expect(error).not.toBeInstanceOf(WeightFileError);
    const missing = rewrite(bytes, ({ tensors }) => { delete tensors['dense.bias']; });
    const r = refused(rt, () => loadModel(rt, missing));
    expect(r.error).toBeInstanceOf(WeightFileError);
    expect(r.inUseDelta).toBe(0);
  });
});

describe('the Seq2Seq config goes through the same validator', () => {
  const base = { sourceVocabSize: 6, targetVocabSize: 5, embeddingDim: 3, hiddenSize: 4, bos: 1, eos: 2 };
  it('unknown keys, types and sizes', () => {
    expect(() => new Seq2Seq(rt, { ...base, hiddenSiz: 4 } as never)).toThrow('unknown key "hiddenSiz" in seq2seq: did you mean "hiddenSize"?');
    expect(() => new Seq2Seq(rt, { ...base, numLayers: 1e9 })).toThrow('seq2seq: numLayers = 1000000000 is invalid');
    const r = refused(rt, () => new Seq2Seq(rt, { ...base, targetVocabSize: 2 ** 24, hiddenSize: 4096 }));
    expect(r.error).toBeInstanceOf(MemoryLimitError);
    expect(r.inUseDelta).toBe(0);
  });
});

describe('mutated configs (seeded): every variant loads or throws a typed error, quickly, leaking nothing', () => {
  it('1,500 variants of a config with every layer kind', () => {
    const m = new Sequential(rt, [
      layers.embedding({ fields: [{ vocabSize: 5, dim: 3 }, { vocabSize: 4, dim: 2 }], chars: { vocabSize: 6, dim: 2, hiddenSize: 3, maxChars: 4 } }),
      layers.rnn({ hiddenSize: 3, nonlinearity: 'relu' }), layers.gru({ hiddenSize: 3, resetBefore: true, numLayers: 2, dropout: 0.25, bidirectional: true, merge: 'mean' }),
      layers.dropout({ rate: 0.5 }), layers.lstm({ hiddenSize: 4, forgetBias: 1, stateful: true }), layers.pooling({ mode: 'max' }), layers.dense({ units: 3, init: 'xavier' }),
    ], { seed: 5, maxLength: 100 });
    const base = JSON.stringify(m.toJSON());
    m.dispose();
    let seed = 1;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    const values = [null, -1, 0, 1, 1.5, 2 ** 31, 2 ** 53, 1e308, 'abc', '', [], {}, [1], true, false, 'lstm', '__proto__', 1e9, 65536];
    const paths = (o: unknown, p: string[] = []): string[][] =>
      [p, ...(o && typeof o === 'object' ? Object.keys(o).flatMap((k) => paths((o as Record<string, unknown>)[k], [...p, k])) : [])];
    const inUse = rt.planner.inUse, outcomes: Record<string, number> = {};
    let slowest = 0;
    for (let i = 0; i < 1500; i++) {
      const j = JSON.parse(base);
      const p = pick(paths(j).filter((q) => q.length));
      const parent = p.slice(0, -1).reduce((o, k) => o[k], j), k = p[p.length - 1], op = rnd();
      if (op < 0.6) parent[k] = pick(values);
      else if (op < 0.8) delete parent[k];
      else if (!Array.isArray(parent)) { parent[`${k}\``] = parent[k]; delete parent[k]; }
      const t0 = performance.now();
      let outcome = 'loaded';
      try {
        Sequential.fromJSON(rt, JSON.parse(JSON.stringify(j)), false).dispose();
      } catch (e) {
        outcome = e instanceof RnnWasmError ? e.name : `plain ${String(e)} for ${JSON.stringify(j)}`;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      expect(rt.planner.inUse).toBe(inUse);
    }
    expect(Object.keys(outcomes).filter((o) => o.startsWith('plain'))).toEqual([]);
    expect(outcomes.ConfigError).toBeGreaterThan(1000);
    expect(slowest).toBeLessThan(200);
  });
});

describe('configs written before the validator still load', () => {
  it('every layer kind and option, as toJSON writes it, passes the validator and rebuilds the same model', () => {
    const m = new Sequential(rt, [
      layers.embedding({ fields: [{ vocabSize: 5, dim: 3 }, { vocabSize: 4, dim: 2 }], chars: { vocabSize: 6, dim: 2, hiddenSize: 3, maxChars: 4 } }),
      layers.rnn({ hiddenSize: 3, nonlinearity: 'relu', weightInit: 'xavier', recurrentInit: 'orthogonal' }),
      layers.gru({ hiddenSize: 3, resetBefore: true, numLayers: 2, dropout: 0.25, bidirectional: true, merge: 'mean' }),
      layers.dropout({ rate: 0.5, name: 'drop' }),
      layers.lstm({ hiddenSize: 4, forgetBias: 1, stateful: true, bidirectional: true, merge: 'concat' }),
      layers.pooling({ mode: 'max' }),
      layers.dense({ units: 3, init: 'xavier', name: 'head' }),
    ], { seed: 5, maxLength: 100 });
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    const b = Sequential.fromJSON(rt, json);
    expect(b.toJSON()).toEqual(json);
    b.dispose();
    const loaded = loadModel(rt, saveModel(m));
    expect(loaded.toJSON()).toEqual(json);
    loaded.dispose();
    m.dispose();
  });

  it('a config as the previous release wrote it (a fixed literal) loads', () => {
    const old = {
      format: 'rnn-wasm/sequential', version: 1,
      layers: [
        { type: 'embedding', vocabSize: 10, dim: 4, name: 'embedding' },
        { type: 'gru', cell: 'gru', hiddenSize: 5, numLayers: 2, dropout: 0.2, name: 'gru' },
        { type: 'dropout', rate: 0.1, name: 'dropout' },
        { type: 'lstm', cell: 'lstm', hiddenSize: 3, bidirectional: true, merge: 'sum', returnSequences: false, name: 'lstm' },
        { type: 'dense', units: 4, name: 'classifier' },
      ],
      options: { loss: 'crossEntropy', inputFeatures: 0, seed: 9, maxLength: 50 },
    };
    const m = Sequential.fromJSON(rt, old);
    expect(m.layers.map((l) => l.name)).toEqual(['embedding', 'gru', 'dropout', 'lstm', 'classifier']);
    m.dispose();
  });

  it("the PyTorch fixtures' recurrent configs pass the recurrent schema", () => {
    const dir = new URL('./fixtures/pytorch/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const config = JSON.parse(readSafetensors(new Uint8Array(readFileSync(new URL(f, dir)))).metadata.config);
      expect(() => check(recurrentCoreSchema, config, f), f).not.toThrow();
    }
  });
});

describe('defect 8: layer names never collide', () => {
  it("automatic names skip explicit ones: [embedding, lstm 'lstm_1', lstm, lstm, dense] saves and loads", () => {
    const m = new Sequential(rt, [
      layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3, name: 'lstm_1' }), layers.lstm({ hiddenSize: 3 }), layers.lstm({ hiddenSize: 3 }), layers.dense({ units: 2 }),
    ]);
    expect(m.layers.map((l) => l.name)).toEqual(['embedding', 'lstm_1', 'lstm', 'lstm_2', 'dense']);
    const loaded = loadModel(rt, saveModel(m));
    expect(loaded.layers.map((l) => l.name)).toEqual(['embedding', 'lstm_1', 'lstm', 'lstm_2', 'dense']);
    const probe = [[1, 2, 3], [4]];
    expect(loaded.predictOutputs(probe)).toEqual(m.predictOutputs(probe));
    loaded.dispose();
    m.dispose();
  });

  it('two equal explicit names, or one layer object twice, are a ConfigError', () => {
    const inUse = rt.planner.inUse;
    expect(() => new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 3, name: 'rnn' }), layers.gru({ hiddenSize: 3, name: 'rnn' }), layers.dense({ units: 2 })]))
      .toThrow("layers 1 and 2 are both named 'rnn'");
    const l = layers.lstm({ hiddenSize: 3 });
    expect(() => new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), l, l, layers.dense({ units: 2 })])).toThrow(ConfigError);
    expect(rt.planner.inUse).toBe(inUse);
  });
});

describe('defect 5: checkpoint training metadata is validated, and a refused checkpoint leaks nothing', () => {
  const checkpoint = (opt: optim.Optimizer = optim.adam({ lr: 0.01 })) => {
    const m = small();
    m.trainStep({ inputs: [[1, 2, 3]], targets: [[0, 1, 2]] }, opt);
    const state: TrainingState = { epoch: 1, stepInEpoch: 0, globalStep: 1, history: [{ epoch: 1, loss: 1.1, val_perplexity: Infinity }], baseLr: 0.01 };
    const bytes = saveCheckpoint(m, opt, state);
    opt.dispose();
    m.dispose();
    return bytes;
  };
  const editTraining = (bytes: Uint8Array, f: (t: Record<string, any>) => unknown) => rewrite(bytes, ({ metadata }) => {
    const t = JSON.parse(metadata['rnn-wasm.training']);
    const r = f(t);
    metadata['rnn-wasm.training'] = typeof r === 'string' ? r : JSON.stringify(t);
  });

  it('a valid checkpoint loads (history nulls from JSON come back as NaN)', () => {
    const ck = loadCheckpoint(rt, checkpoint());
    expect(ck.state.history[0].val_perplexity).toBeNaN();
    expect(ck.optimizer.getState().buffers).toHaveLength(2);
    ck.optimizer.dispose();
    ck.model.dispose();
  });

  it('every optimizer as saveCheckpoint writes it passes the validator, with all its state buffers', () => {
    const optimizers = [
      [optim.sgd({ lr: 0.1 }), 0], [optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), 1], [optim.adam(), 2], [optim.adamw({ weightDecay: 0.1 }), 2],
      [optim.rmsprop({ centered: true, momentum: 0.5 }), 3], [optim.rmsprop(), 1], [optim.adagrad({ lrDecay: 0.01, initialAccumulatorValue: 0.1 }), 1],
    ] as const;
    for (const [opt, slots] of optimizers) {
      const spec = opt.spec();
      const ck = loadCheckpoint(rt, checkpoint(opt));
      expect(ck.optimizer.spec()).toEqual(spec);
      expect(ck.optimizer.getState().buffers).toHaveLength(slots);
      ck.optimizer.dispose();
      ck.model.dispose();
    }
  });

  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ['not JSON', (b) => editTraining(b, () => '{"epoch": 1,'), /training metadata is not JSON/],
    ['"null"', (b) => editTraining(b, () => 'null'), /training metadata: null is invalid: expected an object/],
    ['no rng', (b) => editTraining(b, (t) => { delete t.rng; }), /rng is missing: expected an array of 4 × an integer in \[0, 4294967295\]/],
    ['rng all zero', (b) => editTraining(b, (t) => { t.rng = [0, 0, 0, 0]; }), /rng = \[0, 0, 0, 0\] is invalid/],
    ['history not an array', (b) => editTraining(b, (t) => { t.history = 'abc'; }), /history = 'abc' is invalid: expected an array/],
    ['history entry with a string', (b) => editTraining(b, (t) => { t.history[0].loss = 'x'; }), /history\[0\]\.loss = 'x' is invalid/],
    ['lr: -1', (b) => editTraining(b, (t) => { t.lr = -1; }), /lr = -1 is invalid: expected a finite number in \[0, 3.4028234663852886e\+38\]/],
    ['epoch: 1.5', (b) => editTraining(b, (t) => { t.epoch = 1.5; }), /epoch = 1.5 is invalid/],
    ['a misspelt key', (b) => editTraining(b, (t) => { t.globlStep = t.globalStep; delete t.globalStep; }), /unknown key "globlStep" in training metadata: did you mean "globalStep"\?/],
    ['optimizer betas [1, 0.999]', (b) => editTraining(b, (t) => { t.optimizer.betas = [1, 0.999]; }), /optimizer: betas\[0\] = 1 is invalid: expected a finite number in \[0, 1\)/],
    ['optimizer eps: 0', (b) => editTraining(b, (t) => { t.optimizer.eps = 0; }), /optimizer: eps = 0 is invalid/],
    ['optimizer of unknown type', (b) => editTraining(b, (t) => { t.optimizer.type = 'adamx'; }), /optimizer: type = 'adamx' is invalid: expected 'sgd', 'adam', 'adamw', 'rmsprop' or 'adagrad'/],
    ['optimizer with an unknown key', (b) => editTraining(b, (t) => { t.optimizer.momentum = 0.9; }), /unknown key "momentum" in training metadata: optimizer/],
    ['NaN in an optimizer buffer', (b) => rewrite(b, ({ tensors }) => { tensors['optimizer.1'].data[3] = NaN; }), /'optimizer\.1'\[3\] = NaN: optimizer state must be finite/],
    ['Infinity in an optimizer buffer', (b) => rewrite(b, ({ tensors }) => { tensors['optimizer.0'].data[0] = -Infinity; }), /'optimizer\.0'\[0\] = -Infinity/],
    ['a missing optimizer buffer (optimizer.0)', (b) => rewrite(b, ({ tensors }) => { delete tensors['optimizer.0']; }), /holds 1 optimizer state buffers after 1 steps: expected 2 for its adam optimizer/],
    ['every optimizer buffer missing after a step', (b) => rewrite(b, ({ tensors }) => { delete tensors['optimizer.0']; delete tensors['optimizer.1']; }), /holds 0 optimizer state buffers after 1 steps: expected 2/],
    ['an extra optimizer buffer', (b) => rewrite(b, ({ tensors }) => { tensors['optimizer.2'] = tensors['optimizer.0']; }), /holds 3 optimizer state buffers/],
    ['an optimizer buffer of the wrong length', (b) => rewrite(b, ({ tensors }) => { tensors['optimizer.1'] = { shape: [5], data: new Float32Array(5) }; }), /optimizer state buffer 1 has 5 values/],
    ['best weights of the wrong shape', (b) => rewrite(b, ({ tensors }) => { tensors['best.dense.bias'] = { shape: [2], data: new Float32Array(2) }; }), /best weights do not fit the model/],
  ];
  for (const [what, damage, message] of cases) {
    it(`${what}: WeightFileError naming the field; nothing leaks`, () => {
      const bytes = damage(checkpoint());
      const r = refused(rt, () => loadCheckpoint(rt, bytes));
      expect(r.error, String(r.error)).toBeInstanceOf(WeightFileError);
      expect((r.error as Error).message).toMatch(message);
      expect(r.inUseDelta).toBe(0);
    });
  }

  it("fit refuses a resume state of the wrong shape with a ConfigError naming the field, not a TypeError", async () => {
    const m = small();
    const o = { optimizer: optim.sgd({ lr: 0.1 }), epochs: 1 };
    const data = [{ input: [1, 2], target: [0, 1] }];
    await expect(fit(m, data, { ...o, resume: { epoch: 0, stepInEpoch: 0, globalStep: 0 } as TrainingState })).rejects.toThrow('resume: history is missing');
    await expect(fit(m, data, { ...o, resume: { epoch: 0, stepInEpoch: 0, globalStep: 0, history: 'abc' as never } })).rejects.toThrow(ConfigError);
    m.dispose();
  });

  it("optimizer state past the runtime's memoryLimit is a MemoryLimitError before it is allocated, and the model goes too", () => {
    const r2 = loadRuntimeSync();
    // ≈ 257 k parameters: the model (params + grads, ≈ 2.1 MB, and its load stage) fits in 3.5 MiB; Adam's two moments more do not.
    const m = new Sequential(r2, [layers.embedding({ vocabSize: 1000, dim: 256 }), layers.dense({ units: 2 })]);
    const opt = optim.adam();
    m.trainStep({ inputs: [[1, 2]], targets: [[0, 1]] }, opt);
    const bytes = saveCheckpoint(m, opt, { epoch: 1, stepInEpoch: 0, globalStep: 1, history: [] });
    m.dispose();
    r2.memoryLimit = r2.planner.highWater + 3.5 * 1048576;
    const r = refused(r2, () => loadCheckpoint(r2, bytes));
    expect(r.error, String(r.error)).toBeInstanceOf(MemoryLimitError);
    expect((r.error as Error).message).toMatch(/optimizer state needs \d+ bytes \(2 buffers of \d+ floats\)/);
    expect(r.inUseDelta).toBe(0);
  });

  it('zero optimizer buffers are accepted only before the first step', () => {
    const m = small(), opt = optim.adam();
    const bytes = saveCheckpoint(m, opt, { epoch: 0, stepInEpoch: 0, globalStep: 0, history: [] });
    m.dispose();
    const ck = loadCheckpoint(rt, bytes);
    expect(ck.optimizer.stepCount).toBe(0);
    ck.model.dispose();
    expect(() => loadCheckpoint(rt, editTraining(bytes, (t) => { t.optimizerStep = 3; }))).toThrow(/holds 0 optimizer state buffers after 3 steps/);
  });
});
