// README snippets are code: every fenced block in README.md and docs/*.md that is in a
// programming language carries a marker (<!-- snippet: kind -->) saying where it runs,
// and runs there: node (TypeScript also type-checked with --strict against the built
// declarations), node-handler (its exported handler called), browser (headless
// Chromium), workerd (miniflare), commands (each npm script named exists). A block
// without a marker fails, so a new snippet cannot go untested.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { Browser } from 'playwright-core';
import { Sequential, layers, saveModel } from '../src/index.js';
import { runtime } from './helpers/wasm.js';
import { bundle, entry, root, wasmBytes } from './edge/bundle.js';
import { chromiumMissing, launchChromium, serve } from './edge/browser.js';

const run = promisify(execFile);
const KINDS = ['node', 'node-handler', 'browser', 'workerd', 'commands'] as const;
type Kind = (typeof KINDS)[number];
interface Snippet { file: string; line: number; lang: string; kind?: string; code: string }

function snippets(): Snippet[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: Snippet[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/(?:<!-- snippet: ([\w-]+) -->\n)?```(\w*)\n([\s\S]*?)```/g)) {
      out.push({ file, line: text.slice(0, m.index).split('\n').length + (m[1] ? 1 : 0), lang: m[2], kind: m[1], code: m[3] });
    }
  }
  return out;
}

/** Diagrams and text blocks are not code. */
const isCode = (s: Snippet) => !['', 'text', 'txt'].includes(s.lang);
const all = snippets().filter(isCode);
const dir = join(root, 'test-artifacts', 'snippets');

/** A model the deployment snippets load: token ids up to 999, 4 classes per step. */
function modelBytes(): Uint8Array {
  const m = new Sequential(runtime(), [layers.embedding({ vocabSize: 1000, dim: 8 }), layers.lstm({ hiddenSize: 8 }), layers.dense({ units: 4 })], { seed: 3 });
  const bytes = saveModel(m);
  m.dispose();
  return bytes;
}

/** Writes a snippet as an ES module inside the package (so `rnn-wasm` resolves to this package) and returns its folder. */
async function place(s: Snippet, index: number): Promise<{ folder: string; file: string }> {
  const folder = join(dir, `${index}-${s.file.replace(/\W/g, '_')}-${s.line}`);
  mkdirSync(folder, { recursive: true });
  const js = s.lang === 'ts' ? (await transform(s.code, { loader: 'ts', format: 'esm', target: 'es2022' })).code : s.code;
  writeFileSync(join(folder, 'snippet.mjs'), js);
  if (s.lang === 'ts') writeFileSync(join(folder, 'snippet.mts'), s.code);
  writeFileSync(join(folder, 'model.safetensors'), modelBytes());
  return { folder, file: join(folder, 'snippet.mjs') };
}

const where = (s: Snippet) => `${s.file}:${s.line} (${s.lang}, ${s.kind ?? 'no marker'})`;

describe('README and docs snippets', () => {
  it('every code block says where it runs', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) expect(KINDS as readonly string[], `${where(s)}: add <!-- snippet: ${KINDS.join(' | ')} --> before the block`).toContain(s.kind);
  });

  const of = (kind: Kind) => all.map((s, i) => [s, i] as const).filter(([s]) => s.kind === kind);

  for (const [s] of of('commands')) {
    it(`${where(s)}: every npm script it names exists`, () => {
      const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
      for (const m of s.code.matchAll(/npm (?:run ([\w:-]+)|(test|start))/g)) expect(Object.keys(scripts), s.code).toContain(m[1] ?? m[2]);
    });
  }

  for (const [s, i] of of('node')) {
    it(`${where(s)}: runs in Node${s.lang === 'ts' ? ' and type-checks with --strict' : ''}`, async () => {
      const { folder, file } = await place(s, i);
      const r = await run(process.execPath, [file], { cwd: folder, timeout: 120_000 });
      expect(r.stderr).not.toMatch(/Error/);
      if (s.lang === 'ts') {
        await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
          '--moduleResolution', 'nodenext', '--types', 'node', '--lib', 'es2022,esnext.disposable,dom', join(folder, 'snippet.mts')], { cwd: root, timeout: 120_000 })
          .catch((e) => { throw new Error(`${where(s)} does not type-check:\n${e.stdout}${e.stderr}`); });
      }
    }, 180_000);
  }

  for (const [s, i] of of('node-handler')) {
    it(`${where(s)}: its handler answers a request`, async () => {
      const { folder } = await place(s, i);
      writeFileSync(join(folder, 'call.mjs'), `const { handler } = await import('./snippet.mjs');
const r = await handler({ body: JSON.stringify({ tokens: [12, 5, 873] }) });
process.stdout.write(JSON.stringify(r));`);
      const r = JSON.parse((await run(process.execPath, [join(folder, 'call.mjs')], { cwd: folder, timeout: 60_000 })).stdout);
      expect(r.statusCode).toBe(200);
      const tags = JSON.parse(r.body);
      expect(tags).toHaveLength(1);
      expect(tags[0]).toHaveLength(3);
      for (const t of tags[0]) expect([0, 1, 2, 3]).toContain(t);
    }, 60_000);
  }

  let mf: Miniflare | undefined;
  afterAll(async () => { await mf?.dispose(); });
  for (const [s] of of('workerd')) {
    it(`${where(s)}: serves a request in the Workers runtime`, async () => {
      const { code } = await bundle({
        stdin: { contents: s.code, resolveDir: root, loader: 'js' }, format: 'esm', platform: 'browser',
        alias: { 'rnn-wasm/inference': entry('inference') },
        plugins: [{
          name: 'worker-modules',
          setup(b) {
            b.onResolve({ filter: /rnn-simd(-forward)?\.wasm$/ }, (a) => ({ path: `./${a.path.split('/').pop()}`, external: true }));
            b.onResolve({ filter: /\.safetensors$/ }, () => ({ path: './model.safetensors', external: true }));
          },
        }],
      });
      mf = new Miniflare({
        compatibilityDate: '2025-01-01',
        modules: [
          { type: 'ESModule', path: 'worker.js', contents: code },
          { type: 'CompiledWasm', path: 'rnn-simd.wasm', contents: wasmBytes() },
          { type: 'CompiledWasm', path: 'rnn-simd-forward.wasm', contents: wasmBytes('rnn-simd-forward') },
          { type: 'Data', path: 'model.safetensors', contents: modelBytes() },
        ],
      });
      const res = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: JSON.stringify({ tokens: [3, 1, 4, 1, 5] }) });
      const got = await res.json() as { labels: number[] };
      expect(res.status).toBe(200);
      expect(got.labels).toHaveLength(5);
    }, 60_000);
  }

  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  afterAll(async () => { await browser?.close(); await server?.close(); });
  for (const [s] of of('browser')) {
    it.skipIf(chromiumMissing)(`${where(s)}: runs in headless Chromium`, async () => {
      const { code } = await bundle({ entryPoints: [entry('inference')], format: 'esm', platform: 'browser' });
      // The snippet as a page module; `rnn-wasm/inference` mapped to the bundle; a last line reports completion.
      const page = `<!doctype html><script type="importmap">{ "imports": { "rnn-wasm/inference": "/inference.js" } }</script>
<script type="module" src="/snippet.js"></script>`;
      server = await serve(new Map<string, string | Uint8Array>([
        ['/index.html', page], ['/inference.js', code], ['/models/tagger.safetensors', modelBytes()],
        ['/snippet.js', `${s.code}\nglobalThis.snippetDone = true;`],
      ]));
      browser = await launchChromium();
      const p = await browser.newPage();
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(`${server.base}/index.html`);
      await p.waitForFunction('globalThis.snippetDone === true || false', undefined, { timeout: 20_000 }).catch(() => {});
      expect(errors).toEqual([]);
      expect(await p.evaluate('globalThis.snippetDone')).toBe(true);
    }, 120_000);
  }
});
