#!/usr/bin/env node
// The rnn-wasm command line: train / eval / predict for the built-in tasks, and the demo.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import cliProgress from 'cli-progress';
import { loadRuntime } from '../runtime/load.js';
import { ConfigError } from '../errors.js';
import { UsageError, describeError } from './errors.js';
import { checkOutput, makeDirectory, openLog, readInput, writeOutput } from './files.js';
import type { FitEvent } from '../train/fit.js';
import { POS_BROWN_DEFAULTS, type PosBrownOptions } from './tasks/pos-brown.js';
import { trainPosBrown, evaluateFile, type TrainRun } from './tasks/pos-brown-run.js';
import { saveTagger, loadTagger } from './tasks/pos-tagger.js';
import type { Task, TaskOptions } from './tasks/task.js';
import { namesGender } from './tasks/names-gender.js';
import { charlmMoby } from './tasks/charlm-moby.js';
import { birthsForecast } from './tasks/births-forecast.js';
import { g2pCmudict } from './tasks/g2p-cmudict.js';
import { plotHistory, plotStudy, terminalChart, loadVega } from './plot.js';
import { runVanishingStudy, STUDY_DEFAULTS } from './study-vanishing.js';
import { join } from 'node:path';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const GENERIC: Record<string, Task> = { 'names-gender': namesGender, 'charlm-moby': charlmMoby, 'births-forecast': birthsForecast, 'g2p-cmudict': g2pCmudict };
const TASKS = ['pos-brown', ...Object.keys(GENERIC)];

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const seed = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Progress: a bar on a terminal, JSON lines otherwise; every event also to --log. */
function reporter(log?: string) {
  const file = log ? openLog(log) : undefined;
  const tty = process.stderr.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  const losses: number[] = [];
  return {
    event(e: FitEvent) {
      file?.write(JSON.stringify(e) + '\n');
      if (e.type === 'step') losses.push(e.loss);
      if (e.type === 'end' && tty) process.stderr.write(`training loss per step:\n${terminalChart(losses)}\n`);
      if (!tty) {
        if (e.type !== 'step' || e.step % 100 === 0) process.stdout.write(JSON.stringify(e) + '\n');
        return;
      }
      if (e.type === 'step') {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            format: 'epoch {epoch} |{bar}| {value}/{total} batches · loss {loss} · {tps} tokens/s · ETA {eta_formatted}',
            stream: process.stderr, hideCursor: true,
          }, cliProgress.Presets.shades_classic);
          bar.start(e.stepsPerEpoch, e.step, { epoch: e.epoch, loss: '-', tps: '-' });
        }
        bar.update(e.step + 1, { epoch: e.epoch, loss: e.loss.toFixed(4), tps: Math.round(e.tokensPerSecond).toLocaleString('en') });
      } else {
        bar?.stop();
        bar = undefined;
        if (e.type === 'epoch') {
          const v = e.validation;
          process.stderr.write(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}${v ? `, validation accuracy ${pct(v.accuracy ?? 0)}` : ''}, ${e.seconds.toFixed(1)} s, ${Math.round(e.tokensPerSecond).toLocaleString('en')} tokens/s\n`);
        }
      }
    },
    close: () => { bar?.stop(); bar = undefined; file?.close(); },
  };
}

function summary(r: TrainRun): void {
  console.log(`\npos-brown test accuracy: ${pct(r.accuracy)} (most-frequent-tag baseline: ${pct(r.baseline)})`);
  console.log(`training throughput: ${Math.round(r.tokensPerSecond).toLocaleString('en')} tokens/s`);
}

function options<T>(defaults: T, o: Record<string, unknown>): T {
  let fileConfig = {};
  if (o.config) {
    const path = String(o.config);
    try {
      fileConfig = JSON.parse(readInput(path, 'utf8'));
    } catch (e) {
      if (e instanceof SyntaxError) throw new ConfigError(`${path}: not valid JSON: ${e.message}`);
      throw e;
    }
    if (typeof fileConfig !== 'object' || fileConfig === null || Array.isArray(fileConfig)) throw new ConfigError(`${path}: expected a JSON object of options`);
  }
  return { ...defaults, ...fileConfig, ...Object.fromEntries(
    ['epochs', 'batchSize', 'hiddenSize', 'wordDim', 'lr', 'seed', 'limit'].filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) };
}

/**
 * Before any work: every file the run will write can be written (and orphan temporary
 * files of a killed run are removed), the plotting packages are there if --plot asks
 * for them, and the checkpoint to resume exists.
 */
async function preflight(out: string, checkpointPath: string | undefined, o: Record<string, unknown>): Promise<void> {
  const removed = [out, ...(checkpointPath ? [checkpointPath] : []), ...(o.plot ? [String(o.plot)] : [])].flatMap((p) => checkOutput(p));
  for (const r of removed) process.stderr.write(`removed ${r}, a temporary file left by an interrupted run\n`);
  if (o.plot) await loadVega();
  if (o.resume) readInput(String(o.resume)).length;
}

/** Trains one of the generic tasks and prints its metric beside the baselines. */
async function trainTask(task: Task, o: Record<string, unknown>): Promise<void> {
  const opts = options<TaskOptions>(task.defaults, o);
  const out = String(o.out ?? `${task.name}.safetensors`);
  const checkpointPath = String(o.checkpoint ?? out.replace(/\.safetensors$/, '') + '.checkpoint.safetensors');
  await preflight(out, task.name === 'g2p-cmudict' ? undefined : checkpointPath, o);
  const rep = reporter(o.log as string | undefined);
  const rt = await loadRuntime();
  const ctrl = new AbortController();
  const onSigint = () => { process.stderr.write('\ninterrupted: stopping after this step…\n'); ctrl.abort(); };
  process.once('SIGINT', onSigint);
  try {
    const r = await task.run(rt, opts, {
      onEvent: rep.event, signal: ctrl.signal, onData: (s) => process.stderr.write(s + '\n'),
      checkpointPath: task.name === 'g2p-cmudict' ? undefined : checkpointPath, resumeFrom: o.resume as string | undefined,
    });
    rep.close();
    if (!r) {
      process.stderr.write(task.name === 'g2p-cmudict' ? 'interrupted (this task writes no checkpoints)\n'
        : `checkpoint written to ${checkpointPath}; continue with --resume ${checkpointPath}\n`);
      process.exitCode = 130;
      return;
    }
    await writeOutput(out, r.modelFile);
    const f = r.metric.format;
    console.log(`\n${task.name} test ${r.metric.name}: ${f(r.metric.value)}`);
    for (const b of r.baselines) console.log(`  baseline, ${b.name}: ${f(b.value)}`);
    console.log(`training throughput: ${Math.round(r.tokensPerSecond).toLocaleString('en')} ${task.name === 'g2p-cmudict' ? 'target phonemes' : 'tokens'}/s`);
    for (const n of r.notes) console.log(n);
    if (o.plot) await writeOutput(String(o.plot), await plotHistory(task.name, r.history));
    console.log(`model written to ${out}${o.plot ? `, loss curves to ${o.plot}` : ''}`);
  } finally {
    process.removeListener('SIGINT', onSigint);
    rep.close();
  }
}

async function train(task: string, o: Record<string, unknown>, demo = false): Promise<TrainRun | undefined> {
  if (!TASKS.includes(task)) throw new UsageError(`unknown task '${task}': expected one of ${TASKS.join(', ')}`);
  if (GENERIC[task]) {
    await trainTask(GENERIC[task], o);
    return undefined;
  }
  const opts = options<PosBrownOptions>(POS_BROWN_DEFAULTS, o);
  const out = String(o.out ?? 'pos-brown.safetensors');
  const checkpointPath = String(o.checkpoint ?? out.replace(/\.safetensors$/, '') + '.checkpoint.safetensors');
  await preflight(out, checkpointPath, o);
  const rep = reporter(o.log as string | undefined);
  const rt = await loadRuntime();
  const ctrl = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ninterrupted: saving a checkpoint…\n');
    ctrl.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const r = await trainPosBrown(rt, opts, {
      onEvent: rep.event, signal: ctrl.signal, checkpointPath, resumeFrom: o.resume as string | undefined,
      onData: (s) => process.stderr.write(s + '\n'),
    });
    rep.close();
    if (r.history.reason === 'interrupted') {
      process.stderr.write(`checkpoint written to ${checkpointPath}; continue with --resume ${checkpointPath}\n`);
      process.exitCode = 130;
      return r;
    }
    await writeOutput(out, saveTagger(r.tagger));
    summary(r);
    if (o.plot) await writeOutput(String(o.plot), await plotHistory('pos-brown', r.history.epochs));
    console.log(`model written to ${out}${demo ? '' : `; try: rnn-wasm predict --model ${out} "I like cake"`}`);
    return r;
  } finally {
    process.removeListener('SIGINT', onSigint);
    rep.close();
  }
}

function addTrainOptions(c: Command): Command {
  return c
    .option('--epochs <n>', 'training epochs (default: the task\'s)', int)
    .option('--batch-size <n>', 'examples per batch (default: the task\'s)', int)
    .option('--hidden-size <n>', 'recurrent units (per direction) (default: the task\'s)', int)
    .option('--word-dim <n>', `pos-brown: word embedding size (default ${POS_BROWN_DEFAULTS.wordDim})`, int)
    .option('--lr <x>', 'Adam learning rate (default: the task\'s)', num)
    .option('--seed <n>', 'seed for initialisation and shuffling, an integer ≥ 0 (default 1)', seed)
    .option('--limit <n>', 'use only the first n items of the data (quick runs)', int)
    .option('--config <file>', 'options as a JSON file (flags override it)')
    .option('--out <file>', 'where to write the trained model (default <task>.safetensors)')
    .option('--checkpoint <file>', 'checkpoint written after every epoch and on Ctrl-C (default <out>.checkpoint.safetensors; not g2p-cmudict)')
    .option('--resume <file>', 'continue training from a checkpoint (same task and options)')
    .option('--log <file>', 'write every progress event as JSON lines (epochs numbered from 1)')
    .option('--plot <file>', 'write the loss and metric curves as an SVG chart');
}

const program = new Command()
  .name('rnn-wasm')
  .description('Train and run recurrent neural networks (WebAssembly SIMD) on built-in tasks')
  .version(VERSION, '-V, --version', 'print the version')
  .showSuggestionAfterError()
  // Usage errors: one line `rnn-wasm: …` and exit code 2 (help and --version exit 0). Inherited by the subcommands.
  .configureOutput({ outputError: (str, write) => write(`rnn-wasm: ${str.replace(/^error: /, '')}`) })
  .exitOverride((err: CommanderError) => { throw err; });

addTrainOptions(program.command('train').argument('<task>', `one of: ${TASKS.join(', ')}`).description('train a model on a built-in task'))
  .action(async (task, o) => { await train(task, o); });

program.command('eval').description('token accuracy of a pos-brown model on its test split, or on a word/TAG or CoNLL-U file')
  .requiredOption('--model <file>', 'a model written by train')
  .option('--data <file>', 'word/TAG lines or a .conllu file with universal tags')
  .action(async (o) => {
    const rt = await loadRuntime();
    const t = loadTagger(rt, readInput(o.model));
    if (o.data) {
      const r = evaluateFile(t, o.data);
      console.log(`token accuracy ${pct(r.accuracy)} on ${r.tokens} tokens (${r.sentences} sentences) of ${o.data}`);
    } else {
      const { preparePosBrown, tokenAccuracy } = await import('./tasks/pos-brown.js');
      const p = preparePosBrown();
      console.log(`pos-brown test accuracy ${pct(tokenAccuracy(p.split.test, (w) => t.tag(w)))}`);
    }
  });

program.command('predict').description('tag sentences given as arguments, or one per line on stdin')
  .requiredOption('--model <file>', 'a model written by train')
  .argument('[sentences...]')
  .action(async (sentences: string[], o) => {
    const rt = await loadRuntime();
    const t = loadTagger(rt, readInput(o.model));
    const lines = sentences.length ? sentences : readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
    const { words } = await import('../data/tokenize.js');
    for (const line of lines) {
      const ws = words(line);
      if (ws.length) console.log(t.tag(ws).map((tag, i) => `${ws[i]}/${tag}`).join(' '));
    }
  });

addTrainOptions(program.command('demo').description('the main job: train pos-brown with its defaults, report accuracy against the baseline, tag some sentences'))
  .action(async (o) => {
    const r = await train('pos-brown', o, true);
    if (!r || r.history.reason === 'interrupted') return;
    console.log();
    for (const s of ['I like cake', 'We can fish', 'The old man the boat', 'She saw the saw on the table', 'Time flies like an arrow']) {
      const ws = s.split(' ');
      console.log(r.tagger.tag(ws).map((tag, i) => `${ws[i]}/${tag}`).join(' '));
    }
  });

program.command('generate').description('sample text from a character language model trained by `train charlm-moby`')
  .requiredOption('--model <file>', 'a charlm-moby model file')
  .option('--prompt <text>', 'the text to continue', 'Call me Ishmael.')
  .option('--length <n>', 'characters to generate (default 300)', int)
  .option('--temperature <x>', 'sampling temperature; 0 = greedy (default 0.8)', (v) => { const n = Number(v); if (!(n >= 0)) throw new InvalidArgumentError('expected a number ≥ 0'); return n; })
  .option('--top-k <n>', 'sample among the k most likely characters', int)
  .option('--top-p <x>', 'nucleus sampling: the smallest set with probability ≥ p', num)
  .option('--seed <n>', 'sampling seed, an integer ≥ 0 (default 1)', seed)
  .action(async (o) => {
    const rt = await loadRuntime();
    const bytes = readInput(o.model);
    const { readSafetensors } = await import('../io/safetensors.js');
    const meta = readSafetensors(bytes).metadata['rnn-wasm.task'];
    const task = meta ? JSON.parse(meta) : undefined;
    if (task?.task !== 'charlm-moby') throw new ConfigError(`${o.model} is not a charlm-moby model file`);
    const { loadModel } = await import('../io/model-file.js');
    const { Vocabulary } = await import('../data/vocabulary.js');
    const { generate } = await import('../model/generate.js');
    const { characters } = await import('../data/tokenize.js');
    const vocab = Vocabulary.fromJSON(task.vocabulary);
    const model = loadModel(rt, bytes);
    const ids = generate(model, vocab.encode(characters(o.prompt)), { maxTokens: o.length ?? 300, temperature: o.temperature ?? 0.8, topK: o.topK, topP: o.topP, seed: o.seed ?? 1 });
    console.log(o.prompt + vocab.decode(ids).join(''));
  });

program.command('bench').description('training and inference speed of the LSTM, GRU and Elman cells on this machine (full suites with peers: npm run bench)')
  .option('--seconds <x>', 'time per measurement (default 2)', num)
  .option('--threads <n>', 'threads for the training step: 1 or 2 (default 1)', int)
  .option('--cells <list>', 'comma-separated cells (default lstm,gru,rnn)', (v: string) => v.split(',').map((c) => c.trim()))
  .option('--batch-size <n>', 'sequences per batch (default 32)', int)
  .option('--steps <n>', 'steps per sequence (default 64)', int)
  .option('--input-size <n>', 'embedding size (default 64)', int)
  .option('--hidden-size <n>', 'hidden units (default 128)', int)
  .option('--layers <n>', 'stacked layers (default 1)', int)
  .option('--classes <n>', 'output classes (default 64)', int)
  .option('--vocab-size <n>', 'token vocabulary (default 1000)', int)
  .action(async (o) => {
    const rt = await loadRuntime();
    const { runQuickBench } = await import('./bench.js');
    const lines = await runQuickBench(rt, {
      seconds: o.seconds, threads: o.threads, cells: o.cells, B: o.batchSize, T: o.steps, E: o.inputSize,
      H: o.hiddenSize, layers: o.layers, C: o.classes, V: o.vocabSize,
    });
    for (const line of lines) console.log(line);
  });

program.command('study').argument('<name>', 'vanishing').description('the vanishing-gradient study: gradient norms against distance and accuracy against length for Elman, LSTM and GRU')
  .option('--out-dir <dir>', 'where the SVG figures go', 'study-vanishing')
  .option('--steps <n>', `training steps per model (default ${STUDY_DEFAULTS.steps})`, int)
  .option('--hidden-size <n>', `hidden units (default ${STUDY_DEFAULTS.hidden})`, int)
  .option('--seed <n>', 'seed, an integer ≥ 0 (default 1)', seed)
  .action(async (name: string, o) => {
    if (name !== 'vanishing') throw new UsageError(`unknown study '${name}': expected vanishing`);
    makeDirectory(o.outDir);
    const files = [join(o.outDir, 'gradient-norms.svg'), join(o.outDir, 'accuracy-vs-length.svg')];
    for (const f of files) checkOutput(f);
    await loadVega('the study draws its figures with vega and vega-lite');
    const rt = await loadRuntime();
    const opts = { ...STUDY_DEFAULTS, ...(o.steps ? { steps: o.steps } : {}), ...(o.hiddenSize ? { hidden: o.hiddenSize } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) };
    const r = runVanishingStudy(rt, opts, (s) => process.stderr.write(s + '\n'));
    const figs = await plotStudy(r);
    await writeOutput(files[0], figs.gradients);
    await writeOutput(files[1], figs.accuracy);
    const at = (cell: string, phase: string, d: number) => r.gradients.find((g) => g.cell === cell && g.phase === phase && g.distance === d)?.norm ?? NaN;
    const cells = [...new Set(r.gradients.map((g) => g.cell))];
    const ds = [1, 5, 10, 20, 40, opts.gradientLength - 1];
    console.log(`| cell | phase | ${ds.map((d) => `‖∂L/∂h‖ at distance ${d}`).join(' | ')} |`);
    console.log(`|---|---|${ds.map(() => '---').join('|')}|`);
    for (const c of cells) for (const p of ['initialisation', 'trained']) console.log(`| ${c} | ${p} | ${ds.map((d) => at(c, p, d).toExponential(2)).join(' | ')} |`);
    console.log(`\n| cell | ${opts.lengths.map((T) => `T = ${T}`).join(' | ')} |`);
    console.log(`|---|${opts.lengths.map(() => '---').join('|')}|`);
    for (const c of cells) console.log(`| ${c} | ${opts.lengths.map((T) => pct(r.accuracy.find((a) => a.cell === c && a.T === T)!.accuracy)).join(' | ')} |`);
    console.log(`\nfigures: ${join(o.outDir, 'gradient-norms.svg')}, ${join(o.outDir, 'accuracy-vs-length.svg')}`);
  });

program.parseAsync().catch((e: unknown) => {
  if (e instanceof CommanderError) {
    // Commander has printed the message (or the help, or the version).
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  const user = describeError(e);
  if (user) {
    process.stderr.write(`rnn-wasm: ${user.line.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(user.exitCode);
  }
  // A bug: keep the stack trace.
  process.stderr.write(`rnn-wasm: internal error (please report it): ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
