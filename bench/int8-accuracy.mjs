// Accuracy of int8 models beside their f32 models on the built-in tasks' held-out test
// splits: each trained model file is quantized in-process (quantize(), as `rnn-wasm
// quantize` does) and both are scored on the same examples, the way each task scores
// its model after training.
//   node bench/int8-accuracy.mjs --pos pos-brown.safetensors --names names-gender.safetensors \
//     --charlm charlm-moby.safetensors [--charlm-limit 20]
// (files from `rnn-wasm train <task>`; --charlm-limit: the --limit the LM was trained with,
// which decides its test chapters). Prints one line per task and returns the rows.
import { readFileSync } from 'node:fs';
import { loadRuntimeSync, loadModel, quantize, saveModel, evaluateDataset, tokenize } from '../dist/index.js';
import { TASKS } from '../dist/cli/tasks/index.js';
import { loadNames } from '../dist/cli/tasks/names-gender.js';
import { loadMoby } from '../dist/cli/tasks/charlm-moby.js';
import { splitByIndex } from '../dist/cli/tasks/task.js';
import { bitsPerToken } from '../dist/cli/tasks/lm-metrics.js';

const pct = (v) => `${(100 * v).toFixed(3)}%`;

function posBrown(model) {
  return TASKS['pos-brown'].evaluate(model).value;
}

// names-gender's test split (every tenth name, as the task splits), characters lower-cased.
function namesGender(model) {
  const test = splitByIndex(loadNames()).test;
  const ex = test.map((n) => ({ input: model.preprocessing.encode(tokenize.characters(n.name.toLowerCase())), target: n.label }));
  return evaluateDataset(model, ex).accuracy;
}

// charlm-moby's test chapters (i mod 20 = 19 of the chapters trained on), bits per character as the task measures them.
function charlmMoby(model, limit) {
  let chapters = loadMoby();
  if (limit) chapters = chapters.slice(0, limit);
  const part = (r) => chapters.filter((_, i) => i % 20 === r).join('\n');
  return bitsPerToken(model, model.preprocessing.encode(tokenize.characters(part(19) || part(0))));
}

export function int8Accuracy(files, { charlmLimit, log = console.log } = {}) {
  const rt = loadRuntimeSync();
  const rows = [];
  const tasks = [
    ['pos-brown', files.pos, 'token accuracy', posBrown, pct],
    ['names-gender', files.names, 'accuracy', namesGender, pct],
    ['charlm-moby', files.charlm, 'bits per character', (m) => charlmMoby(m, charlmLimit), (v) => v.toFixed(4)],
  ];
  for (const [task, file, metric, score, fmt] of tasks) {
    if (!file) continue;
    const bytes = new Uint8Array(readFileSync(file));
    const model = loadModel(rt, bytes), q = quantize(model);
    const f32 = score(model), int8 = score(q);
    const row = { task, metric, f32, int8, f32Bytes: bytes.length, int8Bytes: saveModel(q).length };
    rows.push(row);
    log(`${task}: ${metric} f32 ${fmt(f32)}, int8 ${fmt(int8)} (Δ ${metric.includes("bits") ? (int8 - f32).toFixed(4) : `${(100 * (int8 - f32)).toFixed(3)} points`}); ` +
      `file ${bytes.length.toLocaleString('en-US')} → ${row.int8Bytes.toLocaleString('en-US')} bytes (${(row.int8Bytes / bytes.length).toFixed(3)}×)`);
    model.dispose();
    q.dispose();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = process.argv.slice(2), arg = (k) => { const i = a.indexOf(k); return i >= 0 ? a[i + 1] : undefined; };
  int8Accuracy({ pos: arg('--pos'), names: arg('--names'), charlm: arg('--charlm') }, { charlmLimit: arg('--charlm-limit') ? Number(arg('--charlm-limit')) : undefined });
}
