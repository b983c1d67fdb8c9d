#!/usr/bin/env node
// The rnn-wasm command line: train / eval / predict for the built-in tasks, the demo, and export.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import cliProgress from 'cli-progress';
import { loadRuntime } from '../runtime/load.js';
import { ConfigError, WeightFileError } from '../errors.js';
import { readSafetensors } from '../io/safetensors.js';
import { UsageError, describeError } from './errors.js';
import { checkOutput, makeDirectory, openLog, readInput, writeOutput } from './files.js';
import type { FitEvent } from '../train/fit.js';
import { evaluateFile } from './tasks/pos-brown-run.js';
import { TASKS } from './tasks/index.js';
import { any, check, obj, opt } from '../config/schema.js';
import { DataFileError } from './tasks/tagged-text.js';
import { PATTERNS, patternConfig, patternTask, type Pattern } from './tasks/patterns.js';
import { loadModel, saveModel } from '../io/model-file.js';
import { quantize } from '../model/quantize.js';
import { exportPyTorch } from '../io/pytorch-export.js';
import type { Sequential } from '../model/sequential.js';
import type { Task, TaskOptions, TaskReport } from './tasks/task.js';
import { plotHistory, plotStudy, plotForecast, plotAlignment, terminalChart, loadVega } from './plot.js';
import { pronounce } from './g2p.js';
import { importPeer } from './peers.js';
import { importTfjs } from '../io/tfjs-import.js';
import { readTfjsWeights } from './tfjs-weights.js';
import { runVanishingStudy, STUDY_DEFAULTS } from './study-vanishing.js';
import { join } from 'node:path';
import { defaultThreads, MAX_THREADS } from '../node/parallel-trainer.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const TASK_NAMES = Object.keys(TASKS);

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const threadCount = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_THREADS}`);
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
    // Only the task's own options: a misspelt one is refused with the nearest suggested, never ignored.
    check(obj(Object.fromEntries([...Object.keys(defaults as object), 'limit'].map((k) => [k, opt(any)]))), fileConfig, path);
  }
  return { ...defaults, ...fileConfig, ...flags(o, ['epochs', 'batchSize', 'hiddenSize', 'wordDim', 'lr', 'seed', 'limit']) };
}

function flags(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/**
 * Before any work: every file the run will write can be written (and orphan temporary
 * files of a killed run are removed), the plotting packages are there if --plot asks
 * for them, and the checkpoint to resume exists.
 */
async function preflight(out: string, checkpointPath: string | undefined, o: Record<string, unknown>): Promise<void> {
  const removed = [out, ...(checkpointPath ? [checkpointPath] : []), ...[o.plot, o.plotForecast, o.report].filter((p) => p).map(String)].flatMap((p) => checkOutput(p));
  for (const r of removed) process.stderr.write(`removed ${r}, a temporary file left by an interrupted run\n`);
  if (o.plot || o.plotForecast) await loadVega(o.plot ? undefined : '--plot-forecast needs vega and vega-lite');
  if (o.resume) readInput(String(o.resume)).length;
}

/** Trains one of the generic tasks and prints its metric beside the baselines. */
async function trainTask(task: Task, o: Record<string, unknown>, given?: TaskOptions, defaultOut = `${task.name}.safetensors`): Promise<void> {
  if (o.plotForecast !== undefined && !task.plotsForecast) {
    const which = Object.values(TASKS).filter((t) => t.plotsForecast).map((t) => t.name);
    throw new UsageError(`--plot-forecast is for the tasks that forecast (${which.join(', ')}), not ${task.name}`);
  }
  const opts = given ?? options<TaskOptions>(task.defaults, o);
  const out = String(o.out ?? defaultOut);
  const checkpointPath = String(o.checkpoint ?? out.replace(/\.safetensors$/, '') + '.checkpoint.safetensors');
  await preflight(out, checkpointPath, o);
  const rep = reporter(o.log as string | undefined);
  const rt = await loadRuntime();
  const ctrl = new AbortController();
  const onSigint = () => { process.stderr.write('\ninterrupted: stopping after this step…\n'); ctrl.abort(); };
  process.once('SIGINT', onSigint);
  const threads = (o.threads as number | undefined) ?? defaultThreads();
  let threadsUsed: number | null = null;
  try {
    const r = await task.run(rt, opts, {
      onEvent: rep.event, signal: ctrl.signal, onData: (s) => process.stderr.write(s + '\n'),
      checkpointPath, resumeFrom: o.resume as string | undefined, threads, onThreads: (n) => { threadsUsed = n; },
    });
    rep.close();
    if (!r) {
      process.stderr.write(`checkpoint written to ${checkpointPath}; continue with --resume ${checkpointPath}\n`);
      process.exitCode = 130;
      return;
    }
    await writeOutput(out, r.modelFile);
    const f = r.metric.format;
    console.log(`\n${task.name} ${r.metric.split ?? 'test'} ${r.metric.name}: ${f(r.metric.value)}`);
    for (const b of r.baselines) console.log(`  baseline, ${b.name}: ${f(b.value)}`);
    console.log(`training throughput: ${Math.round(r.tokensPerSecond).toLocaleString('en')} ${task.throughputUnit ?? 'tokens'}/s`);
    for (const n of r.notes) console.log(n);
    if (o.plot) await writeOutput(String(o.plot), await plotHistory(task.name, r.history));
    if (o.plotForecast && r.figure) await writeOutput(String(o.plotForecast), await plotForecast(r.figure));
    else if (o.plotForecast) process.stderr.write(`no forecast figure: the test split (--limit) holds no whole month to plot\n`);
    if (o.report) await writeOutput(String(o.report), runReport(task.name, r, out, threads, threadsUsed));
    const next = o.pattern === 'lm' ? `rnn-wasm generate --model ${out} --prompt "…"` : o.pattern ? `rnn-wasm predict --model ${out} "…"` : undefined;
    console.log(`model written to ${out}${o.plot ? `, loss curves to ${o.plot}` : ''}${o.plotForecast && r.figure ? `, the forecast to ${o.plotForecast}` : ''}${next ? `; try: ${next}` : ''}`);
  } finally {
    process.removeListener('SIGINT', onSigint);
    rep.close();
  }
}

/**
 * The --report file: the finished run as JSON, for scripts (npm run bench reads the
 * demo's). Process times cover the whole process (worker threads included in the CPU
 * time) up to the moment the report is written.
 */
function runReport(task: string, r: TaskReport, out: string, threads: number, threadsUsed: number | null): string {
  const cpu = process.cpuUsage();
  return JSON.stringify({
    task, metric: { name: r.metric.name, split: r.metric.split ?? 'test', value: r.metric.value, higherIsBetter: r.metric.higherIsBetter },
    baselines: r.baselines, tokensPerSecond: r.tokensPerSecond, epochs: r.history.length,
    threads: { requested: threads, used: threadsUsed },
    wallSeconds: process.uptime(), cpuSeconds: (cpu.user + cpu.system) / 1e6, model: out,
  }, null, 2) + '\n';
}

/** `train --pattern tag|classify|lm --data FILE`: the user's own data. */
async function trainPattern(o: Record<string, unknown>): Promise<void> {
  const pattern = String(o.pattern) as Pattern;
  if (!PATTERNS.includes(pattern)) throw new UsageError(`unknown pattern '${pattern}': expected one of ${PATTERNS.join(', ')}`);
  if (!o.data) throw new UsageError(`--pattern ${pattern} needs --data FILE (${pattern === 'tag' ? 'CoNLL-U (.conllu) or word/TAG lines' : pattern === 'classify' ? 'CSV with text and label columns, or .jsonl' : 'plain text'})`);
  for (const k of ['limit', 'wordDim']) if (o[k] !== undefined) throw new UsageError(`--${k === 'wordDim' ? 'word-dim' : k} is for the built-in tasks: with --pattern, set embeddingDim in --config`);
  if (pattern !== 'classify' && (o.textColumn || o.labelColumn)) throw new UsageError('--text-column and --label-column are for --pattern classify');
  const cfg = patternConfig(pattern, o.config as string | undefined, { ...flags(o, ['epochs', 'batchSize', 'hiddenSize', 'lr', 'seed', 'tokenizer']) });
  const task = patternTask(pattern, cfg, {
    data: String(o.data), validation: o.validation as string | undefined, textColumn: o.textColumn as string | undefined, labelColumn: o.labelColumn as string | undefined,
  });
  await trainTask(task, o, cfg, 'model.safetensors');
}

async function train(name: string | undefined, o: Record<string, unknown>): Promise<void> {
  if (o.pattern !== undefined) {
    if (name !== undefined) throw new UsageError(`give a built-in task ('${name}') or --pattern, not both`);
    await trainPattern(o);
    return;
  }
  for (const k of ['data', 'validation', 'textColumn', 'labelColumn', 'tokenizer']) {
    if (o[k] !== undefined) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for --pattern (your own data)${name ? `; the built-in task ${name} brings its data` : ''}`);
  }
  if (name === undefined) throw new UsageError(`name a built-in task (${TASK_NAMES.join(', ')}) or train on your data with --pattern ${PATTERNS.join('|')} --data FILE`);
  const task = TASKS[name];
  if (!task) throw new UsageError(`unknown task '${name}': expected one of ${TASK_NAMES.join(', ')}`);
  // A flag for an option the task does not have (--word-dim is pos-brown's) is refused, not ignored.
  for (const k of ['wordDim']) if (o[k] !== undefined && !(k in task.defaults)) throw new UsageError(`--word-dim is not an option of ${name}`);
  await trainTask(task, o);
}

function addTrainOptions(c: Command): Command {
  return c
    .option('--epochs <n>', 'training epochs (default: the task\'s)', int)
    .option('--batch-size <n>', 'examples per batch (default: the task\'s)', int)
    .option('--hidden-size <n>', 'recurrent units (per direction) (default: the task\'s)', int)
    .option('--word-dim <n>', 'pos-brown: word embedding size (default: the task\'s)', int)
    .option('--lr <x>', 'Adam learning rate (default: the task\'s)', num)
    .option('--seed <n>', 'seed for initialisation and shuffling, an integer ≥ 0 (default 1)', seed)
    .option('--limit <n>', 'use only the first n items of the data (quick runs)', int)
    .option('--config <file>', 'options as a JSON file (flags override it); with --pattern, the network (see the README)')
    .option('--out <file>', 'where to write the trained model (default <task>.safetensors; with --pattern, model.safetensors)')
    .option('--checkpoint <file>', 'checkpoint written after every epoch and on Ctrl-C (default <out>.checkpoint.safetensors)')
    .option('--resume <file>', 'continue training from a checkpoint (same task and options)')
    .option('--log <file>', 'write every progress event as JSON lines (epochs numbered from 1)')
    .option('--report <file>', 'write the finished run as JSON: the metric and its split, baselines, tokens/s, threads asked for and used, wall and CPU seconds of the process')
    .option('--plot <file>', 'write the loss and metric curves as an SVG chart')
    .option('--threads <n>', `threads to train on (default: the cores available, here ${defaultThreads()}; fewer if the start-up probe finds them busy; 1 for results independent of the machine)`, threadCount)
    .option('--plot-forecast <file>', 'births-forecast: write the forecast against the truth for one test month as an SVG chart');
}

const program = new Command()
  .name('rnn-wasm')
  .description('Train and run recurrent neural networks (WebAssembly SIMD) on built-in tasks or your own data')
  .version(VERSION, '-V, --version', 'print the version')
  .showSuggestionAfterError()
  // Usage errors: one line `rnn-wasm: …` and exit code 2 (help and --version exit 0). Inherited by the subcommands.
  .configureOutput({ outputError: (str, write) => write(`rnn-wasm: ${str.replace(/^error: /, '')}`) })
  .exitOverride((err: CommanderError) => { throw err; });

addTrainOptions(program.command('train').argument('[task]', `one of: ${TASK_NAMES.join(', ')}`).description('train a model on a built-in task, or on your own data with --pattern'))
  .option('--pattern <pattern>', `your own data: ${PATTERNS.join(', ')} (tagging: CoNLL-U or word/TAG; classification: CSV or JSONL; language model: text)`)
  .option('--data <file>', 'with --pattern: the training data')
  .option('--validation <file>', 'with --pattern: validation data (default: every tenth sentence / row, or the last tenth of the text)')
  .option('--text-column <name>', 'classify: the CSV column or JSON key of the text (default text)')
  .option('--label-column <name>', 'classify: the CSV column or JSON key of the label (default label)')
  .option('--tokenizer <type>', 'classify, lm: words, characters or whitespace (default: words for classify, characters for lm); tag: words or whitespace (how predict splits text)', (v: string) => {
    if (!['words', 'characters', 'whitespace'].includes(v)) throw new InvalidArgumentError('expected words, characters or whitespace');
    return v;
  })
  .action(async (task, o) => { await train(task, o); });

/** A model file that carries its preprocessing (so it takes text); otherwise one line saying what it needs. */
async function loadTextModel(path: string): Promise<Sequential> {
  const rt = await loadRuntime();
  const bytes = readInput(path);
  // The task of a file written before model files carried their preprocessing (or of g2p-cmudict's), if any.
  const oldTask = () => {
    try {
      const t = JSON.parse(readSafetensors(bytes).metadata['rnn-wasm.task'] ?? 'null') as { task?: unknown } | null;
      return typeof t?.task === 'string' ? t.task : undefined;
    } catch { return undefined; }
  };
  let model: Sequential;
  try {
    model = loadModel(rt, bytes);
  } catch (e) {
    if (!(e instanceof WeightFileError)) throw e;
    throw new WeightFileError(oldTask() === 'g2p-cmudict' ? `${path} is a g2p-cmudict model (spelling → phonemes, a sequence-to-sequence model): predict, eval and generate do not take it` : `${path}: ${e.message}`);
  }
  if (!model.preprocessing) {
    model.dispose();
    const task = oldTask();
    if (task) throw new ConfigError(`${path} was written by an earlier rnn-wasm train ${task}, before model files carried their preprocessing: train it again`);
    throw new ConfigError(`${path} carries no preprocessing (how text becomes its inputs): save it with saveModel(model, { vocabulary, tokenizer, labels }), or train it with rnn-wasm train`);
  }
  return model;
}

const isLm = (m: Sequential) => m.preprocessing?.json.task === 'lm';

program.command('eval').description('score a model on a file: a tagger\'s token accuracy (CoNLL-U or word/TAG), a classifier\'s accuracy (CSV or JSONL), a language model\'s bits per token (text); pos-brown without --data: its test split')
  .requiredOption('--model <file>', 'a model file that carries its preprocessing (written by train)')
  .option('--data <file>', 'tagger: .conllu or word/TAG lines; classifier: CSV with a header, or .jsonl; language model: text')
  .option('--text-column <name>', 'classifier: the CSV column or JSON key of the text (default text)')
  .option('--label-column <name>', 'classifier: the CSV column or JSON key of the label (default label)')
  .option('--json', 'print the result as JSON')
  .action(async (o) => {
    const model = await loadTextModel(o.model);
    const print = (r: Record<string, unknown>, line: string) => console.log(o.json ? JSON.stringify(r) : line);
    if (!o.data) {
      const name = model.metadata?.task, task = typeof name === 'string' ? TASKS[name] : undefined;
      if (!task?.evaluate) throw new UsageError('eval needs --data FILE (a model without a built-in task that scores it on its own test split)');
      const r = task.evaluate(model);
      print({ [r.name]: r.value, data: `${task.name} test split` }, `${task.name} test ${r.name} ${r.format(r.value)}`);
      return;
    }
    if (model.outputKind === 'step-classes' && !isLm(model)) {
      const r = evaluateFile(model, o.data);
      print({ metric: 'token accuracy', ...r, data: o.data }, `token accuracy ${pct(r.accuracy)} on ${r.tokens} tokens (${r.sentences} sentences) of ${o.data}`);
    } else if (model.outputKind === 'sequence-classes') {
      const { readLabelledFile } = await import('./tasks/labelled-text.js');
      const pp = model.preprocessing!, labels = pp.json.labels ?? [];
      const rows = readLabelledFile(o.data, { textColumn: o.textColumn, labelColumn: o.labelColumn });
      let correct = 0, n = 0;
      for (const x of rows) {
        if (!labels.includes(x.label)) throw new DataFileError(`${o.data}:${x.line}: unknown label '${x.label}' (the model's labels: ${labels.join(', ')})`);
        if (!pp.tokenize(x.text).length) continue;
        n++;
        if (model.classifyText(x.text).label === x.label) correct++;
      }
      if (!n) throw new DataFileError(`${o.data}: no texts with tokens`);
      print({ metric: 'accuracy', accuracy: correct / n, texts: n, data: o.data }, `accuracy ${pct(correct / n)} on ${n} texts of ${o.data}`);
    } else if (isLm(model)) {
      const { bitsPerToken } = await import('./tasks/lm-metrics.js');
      const pp = model.preprocessing!;
      const text = readInput(o.data, 'utf8');
      const ids = pp.encode(pp.tokenize(text)) as number[];
      if (ids.length < 2) throw new DataFileError(`${o.data}: ${text.trim() ? 'too short' : 'the file is empty'}`);
      const bits = bitsPerToken(model, ids);
      const unit = pp.json.tokenizer.type === 'characters' ? 'character' : 'token';
      print({ metric: `bits per ${unit}`, bitsPerToken: bits, tokens: ids.length, data: o.data }, `${bits.toFixed(3)} bits per ${unit} on ${ids.length} ${unit}s of ${o.data}`);
    } else {
      throw new UsageError(`eval scores taggers, classifiers and language models; this model outputs ${model.outputKind}`);
    }
  });

program.command('predict').description('run a model on texts given as arguments, or one per line on stdin: a tagger prints word/TAG, a classifier label<TAB>probability')
  .requiredOption('--model <file>', 'a model file that carries its preprocessing (written by train)')
  .option('--json', 'one JSON object per text')
  .argument('[texts...]')
  .action(async (texts: string[], o) => {
    const model = await loadTextModel(o.model);
    if (isLm(model)) throw new UsageError(`${o.model} is a language model: use rnn-wasm generate --model ${o.model} --prompt "…"`);
    const lines = texts.length ? texts : readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
    for (const line of lines) {
      const p = model.predictText(line);
      if (p.kind === 'tags') {
        if (o.json) console.log(JSON.stringify({ text: line, tokens: p.tokens }));
        else if (p.tokens.length) console.log(p.tokens.map((t) => `${t.token}/${t.label}`).join(' '));
      } else if (p.kind === 'class') {
        console.log(o.json ? JSON.stringify({ text: line, ...p.result }) : `${p.result.label}\t${p.result.probability.toFixed(4)}`);
      } else {
        console.log(JSON.stringify({ text: line, tokens: p.tokens, values: p.values[0] }));
      }
    }
  });

addTrainOptions(program.command('demo').description('the main job: train pos-brown with its defaults, report accuracy against the baseline, tag some sentences'))
  .action(async (o) => { await train('pos-brown', o); });

program.command('generate').description('continue a prompt with a language model (train --pattern lm, or charlm-moby)')
  .requiredOption('--model <file>', 'a language model file that carries its preprocessing')
  .option('--prompt <text>', 'the text to continue (default: the model\'s own, when it has one)')
  .option('--max-tokens <n>', 'tokens (characters, for a character model) to generate (default 300)', int)
  .option('--length <n>', 'the same as --max-tokens', int)
  .option('--temperature <x>', 'sampling temperature; 0 = greedy (default 0.8)', (v) => { const n = Number(v); if (!(n >= 0)) throw new InvalidArgumentError('expected a number ≥ 0'); return n; })
  .option('--top-k <n>', 'sample among the k most likely tokens', int)
  .option('--top-p <x>', 'nucleus sampling: the smallest set with probability ≥ p', num)
  .option('--seed <n>', 'sampling seed, an integer ≥ 0 (default 1)', seed)
  .action(async (o) => {
    const model = await loadTextModel(o.model);
    if (!isLm(model)) throw new UsageError(`${o.model} is not a language model (its preprocessing task is '${model.preprocessing!.json.task ?? 'none'}'): use rnn-wasm predict`);
    const prompt = o.prompt ?? (typeof model.metadata?.prompt === 'string' ? model.metadata.prompt : undefined);
    if (!prompt) throw new UsageError('generate needs --prompt TEXT (the text to continue)');
    if (!model.preprocessing!.tokenize(prompt).length) throw new UsageError('--prompt has no tokens');
    const text = model.generateText(prompt, { maxTokens: o.maxTokens ?? o.length ?? 300, temperature: o.temperature ?? 0.8, topK: o.topK, topP: o.topP, seed: o.seed ?? 1 });
    console.log(prompt + (model.preprocessing!.json.tokenizer.type === 'characters' || !text ? '' : ' ') + text);
  });

program.command('g2p').description('pronounce a word with a g2p-cmudict model; --plot draws its alignment (attention of each phoneme over the letters) as SVG')
  .requiredOption('--model <file>', 'a model file written by rnn-wasm train g2p-cmudict')
  .requiredOption('--word <word>', 'the word to pronounce')
  .option('--beam <n>', 'beam width (default 4)', int)
  .option('--plot <file>', 'write the alignment as an SVG heat map (needs a model with attention, and vega and vega-lite)')
  .action(async (o) => {
    if (o.plot) { checkOutput(String(o.plot)); await loadVega(); }
    const r = pronounce(await loadRuntime(), readInput(o.model), o.model, String(o.word), o.beam ?? 4);
    console.log(`${r.letters.join('')} → ${r.phones.join(' ')}`);
    if (!o.plot) return;
    if (!r.weights) throw new UsageError(`${o.model} has no attention: --plot draws attention weights`);
    await writeOutput(String(o.plot), await plotAlignment(r.letters, r.phones, r.weights));
    console.log(`alignment written to ${o.plot}`);
  });

program.command('bench').description('training and inference speed of the LSTM, GRU and Elman cells on this machine (full suites with peers: npm run bench)')
  .option('--seconds <x>', 'time per measurement (default 2)', num)
  .option('--threads <n>', `threads for the training step (default: the cores available, here ${defaultThreads()})`, threadCount)
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
      seconds: o.seconds, threads: o.threads ?? defaultThreads(), cells: o.cells, B: o.batchSize, T: o.steps, E: o.inputSize,
      H: o.hiddenSize, layers: o.layers, C: o.classes, V: o.vocabSize,
    });
    for (const line of lines) console.log(line);
  });

program.command('export').argument('<model>', 'a model file (.safetensors) written by rnn-wasm')
  .description('write a model for another framework: --to pytorch, DIR/model.py (class Model, an nn.Module) and DIR/weights.safetensors (its state_dict); --to onnx, one .onnx file (opset 14, needs onnx-proto)')
  .requiredOption('--to <format>', 'pytorch or onnx')
  .option('--out-dir <dir>', 'pytorch: where the files go (default: the model file\'s name with -pytorch)')
  .option('--out <file>', 'onnx: the file written (default: the model file\'s name with .onnx)')
  .option('--states', 'onnx: each recurrent layer\'s initial states as inputs (NAME.h0, NAME.c0) and final states as outputs (NAME.hn, NAME.cn)')
  .action(async (path: string, o) => {
    if (o.to !== 'pytorch' && o.to !== 'onnx') throw new UsageError(`cannot export to '${o.to}': expected --to pytorch or --to onnx`);
    if (o.to === 'onnx') {
      if (o.outDir !== undefined) throw new UsageError('--out-dir is for --to pytorch; --to onnx writes one file: --out FILE');
      const file = o.out ?? `${path.replace(/\.safetensors$/, '')}.onnx`;
      checkOutput(file);
      // The optional peer first, so that a missing one is the one-line hint.
      await importPeer('onnx-proto', 'export --to onnx needs onnx-proto (the ONNX schema)');
      const { exportOnnx } = await import('../onnx.js');
      const rt = await loadRuntime();
      const model = loadModel(rt, readInput(path));
      const bytes = exportOnnx(model, { states: o.states === true }); // refusals (what ONNX's operators cannot express) before the file is written
      model.dispose();
      await writeOutput(file, bytes);
      console.log(`wrote ${file} (ONNX opset 14; inputs ids or x [T, B, …] time-major and sequence_lens int32 [B])`);
      return;
    }
    if (o.out !== undefined || o.states) throw new UsageError(`${o.out !== undefined ? '--out' : '--states'} is for --to onnx; --to pytorch writes a directory: --out-dir DIR`);
    const dir = o.outDir ?? `${path.replace(/\.safetensors$/, '')}-pytorch`;
    const rt = await loadRuntime();
    const model = loadModel(rt, readInput(path));
    const files = exportPyTorch(model); // refusals (what PyTorch cannot express) before any file is written
    model.dispose();
    makeDirectory(dir);
    const targets = Object.keys(files).map((name) => join(dir, name));
    for (const f of targets) checkOutput(f);
    for (const [name, bytes] of Object.entries(files)) await writeOutput(join(dir, name), bytes);
    console.log(`wrote ${targets.join(' and ')}`);
    console.log(`in Python: sys.path.insert(0, '${dir}'); from model import Model, load_weights; m = Model(); m.load_state_dict(load_weights('${join(dir, 'weights.safetensors')}'), strict=True)`);
  });

program.command('quantize').argument('<model>', 'a model file (.safetensors) written by rnn-wasm')
  .description('write the int8 inference copy of a model: weight matrices and embeddings as int8 with one f32 scale per row, about 4× smaller and faster to run; it cannot be trained further')
  .option('--out <file>', 'the int8 model file written (default: the model file\'s name with .int8.safetensors)')
  .action(async (path: string, o) => {
    const file = o.out ?? `${path.replace(/\.safetensors$/, '')}.int8.safetensors`;
    checkOutput(file);
    const rt = await loadRuntime();
    const input = readInput(path);
    const model = loadModel(rt, input);
    const q = quantize(model);
    const bytes = saveModel(q);
    model.dispose();
    q.dispose();
    await writeOutput(file, bytes);
    console.log(`wrote ${file}: ${bytes.length.toLocaleString('en-US')} bytes, ${(bytes.length / input.length).toFixed(2)}× the ${input.length.toLocaleString('en-US')} bytes of ${path}`);
  });

program.command('import').argument('<file>', 'a model of another framework (.onnx, a tfjs model.json, or a .keras file)')
  .description('read another framework\'s model into a rnn-wasm model file: --from onnx, an .onnx file written by rnn-wasm or by torch.onnx.export (Embedding, LSTM/GRU/RNN, Linear; needs onnx-proto); --from tfjs, a TensorFlow.js layers model.json with its weight files beside it; --from keras, a Keras 3 .keras file (needs fflate and jsfive)')
  .requiredOption('--from <format>', 'onnx, tfjs or keras')
  .option('--out <file>', 'the model file written (default: the file\'s name with .safetensors)')
  .action(async (path: string, o) => {
    const extension: Record<string, RegExp> = { onnx: /\.onnx$/, tfjs: /\.json$/, keras: /\.keras$/ };
    if (!(o.from in extension)) throw new UsageError(`cannot import from '${o.from}': expected --from onnx, --from tfjs or --from keras`);
    const file = o.out ?? `${path.replace(extension[o.from], '')}.safetensors`;
    checkOutput(file);
    // The optional peer first, so that a missing one is the one-line hint.
    if (o.from === 'onnx') await importPeer('onnx-proto', 'import --from onnx needs onnx-proto (the ONNX schema)');
    if (o.from === 'keras') for (const pkg of ['fflate', 'jsfive']) await importPeer(pkg, 'import --from keras needs fflate (zip) and jsfive (HDF5)', ['fflate', 'jsfive']);
    const rt = await loadRuntime();
    let model: Sequential; // refusals (operators, layers it cannot read) before the file is written
    if (o.from === 'tfjs') {
      const text = readInput(path, 'utf8');
      model = importTfjs(rt, text, readTfjsWeights(path, text));
    } else if (o.from === 'keras') {
      const { importKeras } = await import('../keras.js');
      model = importKeras(rt, readInput(path));
    } else {
      const { importOnnx } = await import('../onnx.js');
      model = importOnnx(rt, readInput(path));
    }
    const bytes = saveModel(model), layers = model.toJSON().layers.map((l) => l.type).join(' → ');
    model.dispose();
    await writeOutput(file, bytes);
    console.log(`wrote ${file} (${layers})`);
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
