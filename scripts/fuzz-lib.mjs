// Seeded mutation fuzzing of model files and checkpoints (issue 11). Each variant is
// one mutation of one base file, reproducible from (seed, index) alone. The loader
// runs in a worker thread (scripts/fuzz-worker.mjs) so a hang is cut off by a
// watchdog and counted instead of stopping the run. Outcome classes:
//   identical   loads, with byte-identical weights, config (toJSON) and, for a
//               checkpoint, optimizer and training state;
//   refused     throws an RnnWasmError with a non-empty message, and the wasm
//               planner's inUse is back where it was;
//   FAIL        anything else: a plain JS exception, a trap, a silent load with
//               different contents, over 2 s, a crash, or planner memory not given
//               back (after a failed load, or a successful one disposed).
// Runs against the built library (dist/), which `npm run build` makes.
import { Worker } from 'node:worker_threads';

export const DIST = new URL('../dist/index.js', import.meta.url).href;

/** Mutation categories. 'config' and 'training' edit values inside the metadata JSON with the checksum removed, so they reach the config and training-state validators. */
export const CATEGORIES = ['byte-flip', 'bit-flip', 'truncate', 'extend', 'header-length', 'header-json', 'config', 'training'];
/** The categories whose damage the file format itself must catch (reader + checksum + weight loader). */
export const STRUCTURAL = CATEGORIES.filter((c) => c !== 'config' && c !== 'training');

// ---------------------------------------------------------------- randomness

/** splitmix32: a fresh, well-mixed stream per (seed, index). */
export function makeRng(seed, index = 0) {
  let s = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick(list) { return list[Math.floor(next() * list.length)]; },
  };
}

// ---------------------------------------------------------------- base files

/** The files every variant starts from: model files (F32, F16; LSTM, GRU, RNN; bidirectional, stacked, dropout) and checkpoints after one Adam step. */
export function buildBases(lib) {
  const { loadRuntimeSync, Sequential, layers, optim, saveModel, saveCheckpoint, quantize } = lib;
  const rt = loadRuntimeSync();
  const models = {
    lstm: () => new Sequential(rt, [layers.embedding({ vocabSize: 16, dim: 3 }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 3 })], { seed: 5 }),
    gruBi: () => new Sequential(rt, [layers.embedding({ vocabSize: 12, dim: 4 }), layers.gru({ hiddenSize: 5, bidirectional: true, numLayers: 2 }), layers.dense({ units: 4 })], { seed: 6 }),
    rnnBi: () => new Sequential(rt, [layers.embedding({ vocabSize: 10, dim: 3 }), layers.rnn({ hiddenSize: 3, bidirectional: true, nonlinearity: 'relu' }), layers.dense({ units: 3 })], { seed: 7 }),
    lstmLast: () => new Sequential(rt, [layers.embedding({ vocabSize: 9, dim: 2 }), layers.lstm({ hiddenSize: 3, numLayers: 2, dropout: 0.1, returnSequences: false }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 2 })], { seed: 8, maxLength: 64 }),
  };
  const bases = [];
  const add = (name, kind, bytes) => bases.push({ name, kind, bytes });
  for (const [name, make] of Object.entries(models)) {
    const m = make();
    add(`${name}-f32`, 'model', saveModel(m));
    add(`${name}-f16`, 'model', saveModel(m, { dtype: 'F16' }));
    if (name === 'lstm' || name === 'gruBi') { // int8 model files: I8 weights, F32 scales
      const q = quantize(m);
      add(`${name}-int8`, 'model', saveModel(q));
      q.dispose();
    }
    if (name === 'lstm' || name === 'gruBi') {
      const opt = optim.adam({ lr: 0.01 });
      const steps = name === 'lstm' ? [[0, 1, 2]] : [[1, 2, 3]];
      m.trainStep({ inputs: [[1, 2, 3]], targets: steps }, opt);
      const ckpt = saveCheckpoint(m, opt, { epoch: 1, stepInEpoch: 2, globalStep: 7, history: [{ loss: 1.25, accuracy: 0.5 }], best: 1.25, badEpochs: 0, baseLr: 0.01 });
      add(`${name}-checkpoint`, 'checkpoint', ckpt);
      if (name === 'lstm') add(`${name}-checkpoint-as-model`, 'model', ckpt); // loadModel reads a checkpoint too
      opt.dispose();
    }
    m.dispose();
  }
  return bases;
}

// ---------------------------------------------------------------- file surgery

function parseFile(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
  return { n, text, header: JSON.parse(text), data: bytes.subarray(8 + n) };
}

/** A file from header text and a data region; the header padded with spaces to a multiple of 8, as writers do. */
function buildFile(text, data) {
  const json = new TextEncoder().encode(text);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(json, 8);
  out.set(data, 8 + padded);
  return out;
}

const CHECKSUM = 'rnn-wasm.checksum';
const tensorNames = (h) => Object.keys(h).filter((k) => k !== '__metadata__');
const spanOf = (e) => e.data_offsets[1] - e.data_offsets[0];

/** Removes a tensor and its bytes, shifting later offsets, so the file stays tiled. */
function removeTensor(header, data, name) {
  const [b, e] = header[name].data_offsets;
  delete header[name];
  for (const t of tensorNames(header)) {
    const o = header[t].data_offsets;
    if (o[0] >= e) header[t].data_offsets = [o[0] - (e - b), o[1] - (e - b)];
  }
  const out = new Uint8Array(data.length - (e - b));
  out.set(data.subarray(0, b));
  out.set(data.subarray(e), b);
  return out;
}

/** Renames an object key in place, keeping the key order. */
function renameKey(obj, from, to) {
  const entries = Object.entries(obj);
  for (const k of Object.keys(obj)) delete obj[k];
  for (const [k, v] of entries) obj[k === from ? to : k] = v;
}

function misspell(rng, key) {
  const i = rng.int(key.length);
  switch (rng.int(4)) {
    case 0: return key.slice(0, i) + key.slice(i + 1) || `${key}_`; // drop a character
    case 1: return key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) ^ 0x20) + key.slice(i + 1); // change case (or a byte)
    case 2: return i + 1 < key.length ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : `${key}s`; // swap two
    default: return key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
  }
}

const ODD_DTYPES = ['F16', 'F32', 'BF16', 'F64', 'I32', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'U32', '__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf', 'f32', '', null, 4, ['F32'], {}];
const ODD_NUMBERS = [-1, 0, 1, 1.5, 1e9, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, '4', null, true, [], {}];

// ---------------------------------------------------------------- mutations

/** One mutation of `base` for variant (seed, index): { bytes, desc }. */
export function mutate(base, seed, index, categories = CATEGORIES) {
  const rng = makeRng(seed, index);
  for (let attempt = 0; ; attempt++) {
    const category = rng.pick(categories);
    const r = MUTATORS[category](rng, base);
    if (r) return { category, bytes: r.bytes, desc: `${category}: ${r.desc}` };
    if (attempt > 50) throw new Error(`no applicable mutation for ${base.name} in ${categories}`);
  }
}

/** Header-level edit: parse, change, rebuild; mode 'stale' keeps the now wrong checksum, 'none' removes it (as from a writer without one). */
function headerEdit(rng, base, edit, forceMode) {
  const { header, data } = parseFile(base.bytes);
  const mode = forceMode ?? rng.pick(['stale', 'none']);
  if (mode === 'none') delete header.__metadata__[CHECKSUM];
  const r = edit(header, data, mode);
  if (!r) return null;
  return { bytes: buildFile(r.text ?? JSON.stringify(header), r.data ?? data), desc: `${r.desc} [checksum ${mode}]` };
}

const MUTATORS = {
  'byte-flip'(rng, base) {
    const b = base.bytes.slice();
    const k = 1 + (rng.next() < 0.8 ? 0 : rng.int(4));
    const where = [];
    for (let j = 0; j < k; j++) {
      const { n } = parseFile(base.bytes);
      // Half in the length field and header, half in the data.
      const p = rng.next() < 0.5 ? rng.int(8 + n) : 8 + n + rng.int(b.length - 8 - n);
      const v = rng.next() < 0.3 ? rng.pick([0x00, 0xff, 0x20, 0x22, 0x7b, 0x7d, 0x2c, 0x3a, 0x30, 0x39, 0x2d, 0x5c]) : rng.int(256);
      if (b[p] === v) continue;
      b[p] = v;
      where.push(`byte ${p} = 0x${v.toString(16)}`);
    }
    return where.length ? { bytes: b, desc: where.join(', ') } : null;
  },
  'bit-flip'(rng, base) {
    const b = base.bytes.slice();
    const p = rng.int(b.length), bit = rng.int(8);
    b[p] ^= 1 << bit;
    return { bytes: b, desc: `byte ${p} bit ${bit}` };
  },
  truncate(rng, base) {
    const { n } = parseFile(base.bytes);
    const len = rng.pick([0, 1, 7, 8, 9, 8 + n - 1, 8 + n, 8 + n + 1, base.bytes.length - 1, base.bytes.length - 4, rng.int(base.bytes.length)]);
    if (len >= base.bytes.length) return null;
    return { bytes: base.bytes.slice(0, len), desc: `cut to ${len} of ${base.bytes.length} bytes` };
  },
  extend(rng, base) {
    const k = rng.pick([1, 2, 4, 8, 64, 1 + rng.int(300)]);
    const extra = rng.next() < 0.5 ? new Uint8Array(k) : Uint8Array.from({ length: k }, () => rng.int(256));
    const { n } = parseFile(base.bytes);
    const at = rng.pick([base.bytes.length, base.bytes.length, 8 + n, 8 + rng.int(base.bytes.length - 8)]);
    const out = new Uint8Array(base.bytes.length + k);
    out.set(base.bytes.subarray(0, at));
    out.set(extra, at);
    out.set(base.bytes.subarray(at), at + k);
    return { bytes: out, desc: `${k} ${extra.every((x) => x === 0) ? 'zero' : 'random'} bytes inserted at ${at} of ${base.bytes.length}` };
  },
  'header-length'(rng, base) {
    const { n } = parseFile(base.bytes);
    const v = rng.pick([n - 1, n + 1, n - 8, n + 8, n - 2, n + 2, 0, 1, base.bytes.length - 8, base.bytes.length, 2 ** 32 + n, 2 ** 53, 2n ** 63n, 2n ** 64n - 1n, rng.int(base.bytes.length)]);
    if (BigInt(v) === BigInt(n) || BigInt(v) < 0n) return null;
    const b = base.bytes.slice();
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    return { bytes: b, desc: `header length ${n} → ${v}` };
  },
  'header-json'(rng, base) {
    return headerEdit(rng, base, (h, data, mode) => {
      // Tensors whose silent mis-use the reader must catch by structure alone; with
      // no checksum, optimizer tensors are the 'training' category's business.
      const names = tensorNames(h).filter((t) => mode === 'stale' || !t.startsWith('optimizer.'));
      const t = rng.pick(names), e = h[t];
      switch (rng.int(10)) {
        case 9: { // a config or training value edited, the checksum left as it was: the checksum must catch it
          if (mode !== 'stale') return null;
          const key = rng.pick(Object.keys(h.__metadata__).filter((k) => k === 'rnn-wasm.config' || k === 'rnn-wasm.training'));
          const r = editJson(rng, JSON.parse(h.__metadata__[key]), key === 'rnn-wasm.config' ? CONFIG_RULES : TRAINING_RULES);
          if (!r) return null;
          h.__metadata__[key] = r.text;
          return { desc: `${key} ${r.desc}` };
        }
        case 0: { // a number in a shape
          if (!e.shape.length) return null;
          const i = rng.int(e.shape.length), d = e.shape[i];
          const v = rng.pick([d + 1, d - 1, 0, 2 * d, ...ODD_NUMBERS]);
          if (v === d) return null;
          e.shape[i] = v;
          return { desc: `${t}.shape[${i}] ${d} → ${JSON.stringify(v)}` };
        }
        case 1: { // a number in data_offsets
          const i = rng.int(2), o = e.data_offsets[i];
          const v = rng.pick([o + 1, o - 1, o + 4, o - 4, o + 8, 0, data.length, data.length + 4, ...ODD_NUMBERS]);
          if (v === o) return null;
          e.data_offsets[i] = v;
          return { desc: `${t}.data_offsets[${i}] ${o} → ${JSON.stringify(v)}` };
        }
        case 2: { // swap offsets between two tensors (same size only with the checksum: without one such a swap is a valid file)
          const others = names.filter((u) => u !== t && (mode === 'stale' || spanOf(h[u]) !== spanOf(e)));
          if (!others.length) return null;
          const u = rng.pick(others);
          [e.data_offsets, h[u].data_offsets] = [h[u].data_offsets, e.data_offsets];
          return { desc: `swap data_offsets of ${t} and ${u}` };
        }
        case 3: { // an odd dtype (F16 ↔ BF16 relabelled without a checksum is a valid file: not generated)
          const v = rng.pick(ODD_DTYPES);
          if (JSON.stringify(v) === JSON.stringify(e.dtype)) return null;
          if (mode === 'none' && ['F16', 'BF16'].includes(v) && ['F16', 'BF16'].includes(e.dtype)) return null;
          e.dtype = v;
          return { desc: `${t}.dtype → ${JSON.stringify(v)}` };
        }
        case 4: { // a duplicate key: a tensor, a field of an entry, or a metadata key, first or last
          const text = JSON.stringify(h);
          const which = rng.int(3), last = rng.next() < 0.5;
          if (which === 0) {
            const copy = { ...e, data_offsets: rng.next() < 0.5 ? e.data_offsets : h[rng.pick(names)].data_offsets };
            const ins = `${JSON.stringify(t)}:${JSON.stringify(copy)}`;
            return { text: last ? `${text.slice(0, -1)},${ins}}` : `{${ins},${text.slice(1)}`, desc: `duplicate tensor ${t} (${last ? 'after' : 'before'} the original)` };
          }
          if (which === 1) {
            const field = rng.pick(['dtype', 'shape', 'data_offsets']);
            const v = field === 'dtype' ? rng.pick(['F32', 'F16', 'I32']) : field === 'shape' ? [...e.shape].reverse() : e.data_offsets;
            const key = `${JSON.stringify(t)}:{`;
            const at = text.indexOf(key) + key.length;
            const ins = `${JSON.stringify(field)}:${JSON.stringify(v)}`;
            return { text: last ? text.slice(0, at) + text.slice(at).replace('}', `,${ins}}`) : `${text.slice(0, at)}${ins},${text.slice(at)}`, desc: `duplicate ${t}.${field} = ${JSON.stringify(v)}` };
          }
          const keys = Object.keys(h.__metadata__);
          const k = rng.pick(keys);
          const v = rng.next() < 0.5 ? h.__metadata__[k] : `${h.__metadata__[k]} `;
          const key = '"__metadata__":{';
          const at = text.indexOf(key) + key.length;
          const ins = `${JSON.stringify(k)}:${JSON.stringify(v)}`;
          return { text: last ? text.slice(0, at) + text.slice(at).replace('"}', `",${ins}}`) : `${text.slice(0, at)}${ins},${text.slice(at)}`, desc: `duplicate __metadata__.${k}` };
        }
        case 5: { // delete a tensor (and its bytes, so the file stays tiled), or only its entry
          if (rng.next() < 0.5) return { data: removeTensor(h, data, t), desc: `delete tensor ${t} and its bytes` };
          delete h[t];
          return { desc: `delete entry ${t}` };
        }
        case 6: { // delete or rename a field of an entry
          const f = rng.pick(['dtype', 'shape', 'data_offsets']);
          if (rng.next() < 0.5) { delete e[f]; return { desc: `delete ${t}.${f}` }; }
          const to = misspell(rng, f);
          renameKey(e, f, to);
          return { desc: `rename ${t}.${f} → ${to}` };
        }
        case 7: { // rename a tensor: misspelled, or to another tensor's name
          const to = rng.next() < 0.5 ? misspell(rng, t) : rng.pick(names);
          if (to === t) return null;
          if (Object.hasOwn(h, to)) {
            const text = JSON.stringify(h).replace(`${JSON.stringify(t)}:`, `${JSON.stringify(to)}:`);
            return { text, desc: `rename tensor ${t} → ${to} (now twice)` };
          }
          renameKey(h, t, to);
          return { desc: `rename tensor ${t} → ${to}` };
        }
        default: { // metadata: delete or rename a key, or make it a non-string
          const keys = Object.keys(h.__metadata__);
          if (!keys.length) return null;
          const k = rng.pick(keys), op = rng.int(3);
          if (op === 0) { delete h.__metadata__[k]; return { desc: `delete __metadata__.${k}` }; }
          if (op === 1) { const to = misspell(rng, k); renameKey(h.__metadata__, k, to); return { desc: `rename __metadata__.${k} → ${to}` }; }
          const v = rng.pick([null, 1, {}, []]);
          h.__metadata__[k] = v;
          return { desc: `__metadata__.${k} → ${JSON.stringify(v)}` };
        }
      }
    });
  },
  config(rng, base) {
    return headerEdit(rng, base, (h) => {
      const raw = h.__metadata__['rnn-wasm.config'];
      const r = editJson(rng, JSON.parse(raw), CONFIG_RULES);
      if (!r) return null;
      h.__metadata__['rnn-wasm.config'] = r.text;
      return { desc: `config ${r.desc}` };
    }, 'none');
  },
  training(rng, base) {
    if (base.kind !== 'checkpoint') return null;
    return headerEdit(rng, base, (h, data) => {
      const op = rng.int(10);
      if (op === 0) { // the whole value is not a training-state object
        const v = rng.pick(['{', 'null', '[]', '5', '"x"', '', '{}', 'true']);
        h.__metadata__['rnn-wasm.training'] = v;
        return { desc: `rnn-wasm.training → ${JSON.stringify(v)}` };
      }
      if (op === 1) { // NaN or ±Inf in an optimizer state buffer
        const t = rng.pick(tensorNames(h).filter((n) => n.startsWith('optimizer.')));
        const [b, e] = h[t].data_offsets;
        const i = rng.int((e - b) / 4), v = rng.pick([NaN, Infinity, -Infinity]);
        const d = data.slice();
        new DataView(d.buffer).setFloat32(b + 4 * i, v, true);
        return { data: d, desc: `${t}[${i}] = ${v}` };
      }
      if (op === 2) { // an optimizer buffer missing, or renamed out of sequence
        const t = rng.pick(tensorNames(h).filter((n) => n.startsWith('optimizer.')));
        if (rng.next() < 0.5) return { data: removeTensor(h, data, t), desc: `delete ${t} and its bytes` };
        renameKey(h, t, 'optimizer.7');
        return { desc: `rename ${t} → optimizer.7` };
      }
      const r = editJson(rng, JSON.parse(h.__metadata__['rnn-wasm.training']), TRAINING_RULES);
      if (!r) return null;
      h.__metadata__['rnn-wasm.training'] = r.text;
      return { desc: `training ${r.desc}` };
    }, 'none');
  },
};

// Invalid values per key for the config and training-state edits. Only values no
// valid file could hold are generated (a changed but valid value, e.g. another
// seed, is undetectable without the checksum, which these edits remove).
const SIZE = [-1, 0, 1.5, 1e9, 1e5, '4', null, true, [], {}, 'INF'];
const BOOL = ['abc', 1.5, 1, 0, [], null, 'true', {}];
const CONFIG_RULES = {
  // Keys without a default (deleting one with a default is a valid, different config).
  required: ['format', 'version', 'layers', 'type', 'vocabSize', 'dim', 'hiddenSize', 'units'],
  values: {
    format: ['rnn-wasm/sequentia', 'rnn-wasm/seq2seq', 1, null],
    version: [2, 0, '1', null, 1.5],
    layers: [null, {}, [], 'x', [null], [1]],
    type: ['lstmx', 'LSTM', 5, null, '', 'toString', '__proto__'],
    vocabSize: SIZE, dim: SIZE, hiddenSize: SIZE, units: SIZE, numLayers: SIZE,
    bidirectional: BOOL, returnSequences: BOOL, stateful: BOOL, resetBefore: BOOL,
    dropout: [-0.1, 1, 1.5, '0.1', null, 'INF'], rate: [-0.1, 1, 1.5, '0.2', null, 'INF'],
    nonlinearity: ['sigmoid', 'RELU', 1, null],
    cell: ['lstmx', 7, null],
    name: [5, null, '', [], {}],
    loss: ['mae', 'crossentropy', 5, null],
    inputFeatures: [-1, 1.5, '0', null, 1e9, 'INF'],
    seed: [1.5, '5', null, true, [], 'INF', -1.5],
    maxLength: [0, -1, 1.5, '64', null, 'INF'],
    options: [null, 'x', 5, []],
  },
};
const TRAINING_RULES = {
  // A history entry is a free-form map of metrics: another key in it is valid.
  freeForm: /^\.history\[\d+\]\./,
  required: ['optimizer', 'optimizerStep', 'lr', 'rng', 'epoch', 'stepInEpoch', 'globalStep', 'history', 'type'],
  values: {
    optimizer: [null, 'adam', 5, [], {}],
    type: ['adamx', 'ADAM', 5, null, 'toString'],
    betas: [[1, 0.999], [0.9, 1], [-0.1, 0.999], [0.9], '0.9', null, [0.9, 'x']],
    eps: [0, -1e-8, 'x', null, 'INF'],
    weightDecay: [-1, 'x', null, 'INF'],
    momentum: [-1, 1.5, 'x', null],
    lr: [-1, -0.01, 'INF', '0.01', null, [], 1e39],
    optimizerStep: [-1, 1.5, '1', null, 'INF'],
    rng: [null, [], [1, 2, 3], 'x', [1.5, 2, 3, 4], [-1, 2, 3, 4], [2 ** 32, 1, 2, 3], {}],
    epoch: [-1, 1.5, '1', null, 'INF'], stepInEpoch: [-1, 1.5, '0', null, 'INF'], globalStep: [-1, 1.5, '7', null, 'INF'],
    history: [null, 'x', 5, [1], [null], {}, [{ loss: 'x' }]],
    best: ['x', [], {}, 'INF'],
    badEpochs: [-1, 1.5, 'x', 'INF'],
    baseLr: [-1, 'x', 'INF'],
    loss: ['x', [], 'INF'], accuracy: ['x', [], 'INF'],
  },
};

/** One edit of a config-like JSON value: an invalid value, a misspelled or unknown key, a required key deleted, a repeated key. */
function editJson(rng, root, rules) {
  const slots = []; // [parent, key, path]
  const walk = (v, path) => {
    if (v && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        slots.push([v, Array.isArray(v) ? Number(k) : k, `${path}${Array.isArray(v) ? `[${k}]` : `.${k}`}`]);
        walk(c, `${path}${Array.isArray(v) ? `[${k}]` : `.${k}`}`);
      }
    }
  };
  walk(root, '');
  const keyed = slots.filter(([p, k]) => !Array.isArray(p) && Object.hasOwn(rules.values, k));
  const op = rng.int(10);
  const INF = '"__INF__"'; // JSON cannot say Infinity; 1e999 parses to it
  const finish = (desc) => ({ text: JSON.stringify(root).replaceAll(INF, '1e999'), desc });
  const show = (v) => (v === 'INF' ? '1e999' : JSON.stringify(v));
  if (op < 6) { // an invalid value
    if (!keyed.length) return null;
    const [p, k, path] = rng.pick(keyed);
    const v = rng.pick(rules.values[k]), old = p[k];
    p[k] = v === 'INF' ? '__INF__' : structuredClone(v);
    return finish(`${path} ${JSON.stringify(old)} → ${show(v)}`);
  }
  const objects = slots.filter(([p, , path]) => !Array.isArray(p) && !rules.freeForm?.test(path));
  if (op === 6) { // a misspelled key
    const [p, k, path] = rng.pick(objects);
    const to = misspell(rng, k);
    if (to === k || Object.hasOwn(p, to)) return null;
    renameKey(p, k, to);
    return finish(`rename ${path} → ${to}`);
  }
  if (op === 7) { // an unknown key
    const [p, , path] = rng.pick(objects);
    const holder = p;
    const k = rng.pick(['foo', 'hiddenSize', 'units', 'seed', 'lr', 'extra']);
    if (Object.hasOwn(holder, k)) return null;
    holder[k] = 1;
    return finish(`add ${k}: 1 beside ${path}`);
  }
  if (op === 8) { // a required key deleted
    const req = objects.filter(([, k]) => rules.required.includes(k));
    if (!req.length) return null;
    const [p, k, path] = rng.pick(req);
    delete p[k];
    return finish(`delete ${path}`);
  }
  // A repeated key whose later copy has an invalid value (JSON.parse keeps the later one).
  if (!keyed.length) return null;
  const [p, k, path] = rng.pick(keyed);
  const v = rng.pick(rules.values[k]);
  const text = JSON.stringify(root);
  const marker = `__DUP_${rng.int(1e9)}__`;
  p[marker] = 0;
  const withMarker = JSON.stringify(root);
  delete p[marker];
  if (text === withMarker) return null;
  const dupText = withMarker.replace(`"${marker}":0`, `${JSON.stringify(k)}:${show(v)}`);
  return { text: dupText, desc: `repeat ${path} with ${show(v)} after it` };
}

// ---------------------------------------------------------------- classification (runs in the worker)

function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Everything a load produced that must equal the original: weights (bytes), config, and a checkpoint's optimizer and training state. */
function contentsOf(kind, loaded) {
  const model = kind === 'checkpoint' ? loaded.model : loaded;
  const tensors = Object.entries(model.stateDict()).map(([n, t]) => [n, t.shape, t.data]);
  let extra = '';
  // An int8 model: its integer values and scales, not only the dequantized weights.
  for (const [n, t] of model.int8Tensors?.() ?? []) tensors.push([`${n}.q`, [t.rows, t.cols], t.q], [`${n}.scale`, [t.rows], t.scales]);
  if (kind === 'checkpoint') {
    const o = loaded.optimizer.getState();
    const { bestWeights, ...state } = loaded.state;
    for (const [n, t] of Object.entries(bestWeights ?? {})) tensors.push([`best.${n}`, t.shape, t.data]);
    o.buffers.forEach((b, i) => tensors.push([`optimizer.${i}`, [b.length], b]));
    extra = JSON.stringify({ spec: loaded.optimizer.spec(), stepCount: o.stepCount, lr: o.lr, rng: model.rng.getState(), state });
  }
  return { config: JSON.stringify(model.toJSON()), extra, tensors };
}

function sameContents(a, b) {
  if (a.config !== b.config) return 'config differs';
  if (a.extra !== b.extra) return 'optimizer or training state differs';
  if (a.tensors.length !== b.tensors.length) return 'tensor count differs';
  for (let i = 0; i < a.tensors.length; i++) {
    const [n, s, d] = a.tensors[i], [m, t, e] = b.tensors[i];
    if (n !== m || JSON.stringify(s) !== JSON.stringify(t) || !sameBytes(d, e)) return `tensor ${n} differs`;
  }
  return undefined;
}

function dispose(kind, loaded) {
  if (kind === 'checkpoint') { loaded.model.dispose(); loaded.optimizer.dispose(); } else loaded.dispose();
}

/** A classifier bound to one runtime, with the originals' contents as references. */
export function makeClassifier(lib, rt, bases) {
  const load = (kind, bytes) => (kind === 'checkpoint' ? lib.loadCheckpoint(rt, bytes) : lib.loadModel(rt, bytes));
  const refs = bases.map((b) => {
    const l = load(b.kind, b.bytes);
    const c = contentsOf(b.kind, l);
    c.tensors = c.tensors.map(([n, s, d]) => [n, s, d.slice()]);
    dispose(b.kind, l);
    return c;
  });
  return (baseIndex, bytes, limitMs) => {
    const { kind } = bases[baseIndex];
    const before = rt.planner.inUse;
    const t0 = performance.now();
    let loaded, error;
    try { loaded = load(kind, bytes); } catch (e) { error = e; }
    const ms = performance.now() - t0;
    let cls = 'identical', why = '';
    if (error) {
      if (error instanceof WebAssembly.RuntimeError) [cls, why] = ['FAIL', `trap: ${error.message}`];
      else if (!(error instanceof lib.RnnWasmError)) [cls, why] = ['FAIL', `plain ${error?.constructor?.name ?? typeof error}: ${error?.message ?? String(error)}`];
      else if (!error.message || !error.message.trim()) [cls, why] = ['FAIL', `${error.name} with an empty message`];
      else [cls, why] = ['refused', `${error.name}: ${error.message}`];
    } else {
      const diff = sameContents(contentsOf(kind, loaded), refs[baseIndex]);
      if (diff) [cls, why] = ['FAIL', `loaded silently but ${diff}`];
      try { dispose(kind, loaded); } catch (e) { [cls, why] = ['FAIL', `dispose after a load threw ${e?.name}: ${e?.message}`]; }
    }
    const after = rt.planner.inUse;
    if (cls !== 'FAIL' && after !== before) [cls, why] = ['FAIL', `planner inUse ${before} → ${after} bytes after ${error ? 'the failed load' : 'load and dispose'} (${why})`];
    if (cls !== 'FAIL' && ms > limitMs) [cls, why] = ['FAIL', `took ${ms.toFixed(0)} ms (${why})`];
    return { cls, why, ms };
  };
}

// ---------------------------------------------------------------- the run (main thread)

/**
 * Runs `count` variants (indices first..first+count−1) in a worker with a watchdog.
 * Returns { counts: {identical, refused, FAIL}, byCategory, fails: [{index, base, desc, why}], ms }.
 */
export async function runFuzz({ count, seed = 1, first = 0, categories = CATEGORIES, limitMs = 2000, onProgress, maxFails = Infinity } = {}) {
  const lib = await import(DIST);
  const bases = buildBases(lib);
  const counts = { identical: 0, refused: 0, FAIL: 0 };
  const byCategory = {};
  const fails = [];
  const t0 = performance.now();
  let worker, pending;
  const start = () => new Promise((resolve, reject) => {
    worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), {
      workerData: { dist: DIST, bases: bases.map((b) => ({ name: b.name, kind: b.kind, bytes: b.bytes })), limitMs },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`fuzz worker: ${JSON.stringify(m)}`))));
    worker.on('message', (m) => { if (m !== 'ready' && pending) pending.resolve(m); });
    worker.on('error', (e) => { if (pending) pending.resolve({ cls: 'FAIL', why: `the worker died: ${e?.code ?? ''} ${e?.message ?? e}` , dead: true }); else reject(e); });
    worker.on('exit', (code) => { if (pending) pending.resolve({ cls: 'FAIL', why: `the worker exited (code ${code})`, dead: true }); });
  });
  await start();
  // The harness itself: every unmutated base must load as identical.
  for (let k = 0; k < bases.length; k++) {
    const r = await new Promise((resolve) => { pending = { resolve }; worker.postMessage({ base: k, bytes: bases[k].bytes }); });
    pending = undefined;
    if (r.cls !== 'identical') throw new Error(`fuzz harness: the unmutated ${bases[k].name} is classed ${r.cls} (${r.why})`);
  }
  const samples = {};
  try {
    for (let i = first; i < first + count; i++) {
      // The base is drawn from (seed, index) too; only checkpoints when every category needs one.
      const eligible = bases.map((_, k) => k).filter((k) => categories.some((c) => c !== 'training') || bases[k].kind === 'checkpoint');
      const baseIndex = eligible[makeRng(seed ^ 0x5bd1e995, i).int(eligible.length)];
      const m = mutate(bases[baseIndex], seed, i, categories);
      const result = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ cls: 'FAIL', why: `no result within ${limitMs} ms (hang; worker killed)`, dead: true }), limitMs + 500);
        pending = { resolve: (r) => { clearTimeout(timer); resolve(r); } };
        worker.postMessage({ base: baseIndex, bytes: m.bytes });
      });
      pending = undefined;
      if (result.recycle && result.cls !== 'FAIL') { // wasm memory never shrinks: start afresh once it has grown
        worker.removeAllListeners('exit');
        await worker.terminate();
        await start();
      }
      counts[result.cls]++;
      const cat = (byCategory[m.category] ??= { identical: 0, refused: 0, FAIL: 0 });
      cat[result.cls]++;
      (samples[`${m.category} ${result.cls}`] ??= []).length < 3 && samples[`${m.category} ${result.cls}`].push(`${m.desc} → ${result.why}`);
      if (result.cls === 'FAIL') {
        fails.push({ index: i, base: bases[baseIndex].name, desc: m.desc, why: result.why });
        if (fails.length >= maxFails) break;
        // A fresh worker after a hang, a crash or a trap (the module's state is suspect);
        // other failures leave nothing behind that the next variant's before/after misses.
        if (result.dead || result.why.startsWith('trap')) {
          worker.removeAllListeners('exit');
          await worker.terminate();
          await start();
        }
      }
      onProgress?.(i - first + 1, counts);
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
  return { counts, byCategory, fails, samples, ms: performance.now() - t0, seed, categories };
}

/** The counts as a table, and the first FAIL reproducers. */
export function report(r, showFails = 10) {
  const lines = [`fuzz seed ${r.seed}: ${r.counts.identical + r.counts.refused + r.counts.FAIL} variants in ${(r.ms / 1000).toFixed(1)} s: identical ${r.counts.identical}, refused ${r.counts.refused}, FAIL ${r.counts.FAIL}`];
  for (const [c, k] of Object.entries(r.byCategory).sort()) lines.push(`  ${c.padEnd(14)} identical ${String(k.identical).padStart(6)}  refused ${String(k.refused).padStart(6)}  FAIL ${String(k.FAIL).padStart(5)}`);
  const kinds = {};
  for (const f of r.fails) {
    const kind = `${f.desc.split(':')[0]}: ${f.why.replace(/\(.*$/s, '').replace(/\d+/g, 'N').replace(/tensor \S+ differs/, 'a tensor differs').trim()}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  if (r.fails.length) lines.push('  FAIL by kind:');
  for (const [k, n] of Object.entries(kinds).sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(7)}  ${k}`);
  const only = r.categories.length === CATEGORIES.length ? '' : ` --only ${r.categories.join(',')}`;
  for (const f of r.fails.slice(0, showFails)) {
    lines.push(`  FAIL seed ${r.seed} variant ${f.index} (${f.base}): ${f.desc}\n       → ${f.why}\n       replay: node scripts/fuzz.mjs --seed ${r.seed} --first ${f.index} --count 1${only}`);
  }
  if (r.fails.length > showFails) lines.push(`  … and ${r.fails.length - showFails} more FAIL`);
  return lines.join('\n');
}
