// The real task end to end (issue 14): one training epoch of the pos-brown tagger (word,
// suffix and shape embeddings and a character BiLSTM per word → BiLSTM 96 → 12 tags;
// src/cli/tasks/pos-tagger.ts) on the Brown training split, as the task trains it
// (Adam and batch size of its defaults, bucketing 50, clip norm 5, seed 1), with one thread and with
// threads: 2 (rnn-wasm/node fit), and the same architecture in PyTorch
// (bench/peers/pytorch_tagger.py, its best thread count of 1 and 2) on the same
// encoded data and split, exported here to a temporary JSON file. Reports seconds per
// epoch, tokens/s and test token accuracy after that one epoch. An epoch is long
// (one to three minutes), so the three run once each, in turn (ours one thread, PyTorch,
// ours two threads), not in alternated rounds: the ratio carries the machine's drift.
//   node bench/tagger.bench.mjs               the whole training split (≈ 4–6 min)
//   node bench/tagger.bench.mjs --limit 3000  the first 3,000 sentences (quick)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuntimeSync, optim, fit } from '../dist/node/index.js';
import { evaluateDataset } from '../dist/train/fit.js';
import { preparePosBrown, POS_BROWN_DEFAULTS } from '../dist/cli/tasks/pos-brown.js';
import { buildTaggerModel } from '../dist/cli/tasks/pos-tagger.js';

/** The encoded split and vocabulary sizes the PyTorch peer reads. */
export function taggerPeerData(p) {
  const pp = p.pipeline;
  const enc = (ss) => p.toExamples(ss).map((e) => [e.input, e.target]);
  return {
    fieldSizes: pp.fields.map((f) => f.vocabulary.size), chars: pp.chars.vocabulary.size, maxChars: pp.chars.maxChars,
    tags: (pp.json.labels ?? []).length, train: enc(p.split.train), test: enc(p.split.test),
  };
}

async function ours(p, threads, o) {
  const rt = loadRuntimeSync();
  const model = buildTaggerModel(rt, p.pipeline, o);
  const train = p.toExamples(p.split.train);
  const tokens = train.reduce((a, e) => a + e.target.length, 0);
  const h = await fit(model, train, { optimizer: optim.adam({ lr: o.lr }), epochs: 1, batchSize: o.batchSize, bucket: 50, clipNorm: 5, seed: o.seed, threads, probe: false });
  const seconds = h.epochs[0].seconds;
  const accuracy = evaluateDataset(model, p.toExamples(p.split.test)).accuracy;
  model.dispose();
  return { threads, epochSeconds: seconds, tokens, tokensPerSecond: tokens / seconds, accuracy };
}

function pytorch(p, o, log) {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    log('  PyTorch tagger skipped: /usr/bin/python3 with torch not found');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-tagger-'));
  try {
    const file = join(dir, 'pos-brown.json');
    writeFileSync(file, JSON.stringify(taggerPeerData(p)));
    const r = spawnSync(py, [fileURLToPath(new URL('./peers/pytorch_tagger.py', import.meta.url)), file, '--lr', String(o.lr), '--batch-size', String(o.batchSize)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      log(`  PyTorch tagger failed: ${r.stderr.trim().split('\n').at(-1)}`);
      return null;
    }
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function taggerBench({ limit, log = console.log } = {}) {
  const p = preparePosBrown(limit);
  const o = { ...POS_BROWN_DEFAULTS };
  log(`Tagger (pos-brown) one epoch: ${p.split.train.length} training sentences, ${p.split.test.length} test sentences${limit ? ` (--limit ${limit})` : ''}`);
  const line = (name, r) => log(`  ${name.padEnd(34)} ${r.epochSeconds.toFixed(1).padStart(7)} s/epoch ${Math.round(r.tokensPerSecond).toLocaleString('en').padStart(9)} tokens/s   test accuracy ${(100 * r.accuracy).toFixed(2)}%`);
  const one = await ours(p, 1, o);
  line('rnn-wasm, one thread', one);
  const torch = pytorch(p, o, log);
  if (torch) line(`PyTorch ${torch.torch}, ${torch.threads} thread(s) (best)`, torch);
  if (torch?.probeTokensPerSecond) log(`  PyTorch probe (tokens/s on the first batches): ${Object.entries(torch.probeTokensPerSecond).map(([n, v]) => `${n} thread(s) ${Math.round(v).toLocaleString('en')}`).join(', ')}`);
  let two = null;
  try {
    two = await ours(p, 2, o);
    line('rnn-wasm, threads: 2', two);
  } catch (e) {
    two = { threads: 2, error: e.message.split('\n')[0] };
    log(`  rnn-wasm, threads: 2 failed: ${two.error}`);
  }
  const best = two.epochSeconds < one.epochSeconds ? two : one;
  if (torch) log(`  epoch time PyTorch (best) / rnn-wasm (best, ${best.threads} thread(s)): ×${(torch.epochSeconds / best.epochSeconds).toFixed(2)}; one thread each${torch.threads === 1 ? '' : ' (PyTorch at its best was 2)'}: ×${(torch.epochSeconds / one.epochSeconds).toFixed(2)}`);
  return { limit: limit ?? null, sentences: p.split.train.length, lr: o.lr, batchSize: o.batchSize, one, two, torch };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--limit');
  await taggerBench({ limit: i >= 0 ? Number(process.argv[i + 1]) : undefined });
  process.exit(0);
}
