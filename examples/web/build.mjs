// Builds the web demo with esbuild into examples/web/dist (page, bundle, model file);
// `--serve` then serves it on http://localhost:8000.
//   npm run web                         (after `npm run demo` wrote pos-brown.safetensors)
//   node examples/web/build.mjs [model.safetensors] [--serve] [--f32]
// The model is re-written with F16 weights (half the download) unless --f32.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadRuntime, loadModel, saveModel } from '../../dist/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Builds the page into `outdir` with the given tagger model file bytes. */
export async function buildWebDemo({ outdir = join(here, 'dist'), model, f16 = true }) {
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(here, 'main.js')], outfile: join(outdir, 'app.js'),
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  let bytes = model;
  if (f16) {
    const tagger = loadModel(await loadRuntime(), model); // with its preprocessing, which saveModel keeps
    bytes = saveModel(tagger, { dtype: 'F16' });
    tagger.dispose();
  }
  writeFileSync(join(outdir, 'model.safetensors'), bytes);
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith('--')) ?? 'pos-brown.safetensors';
  if (!existsSync(path)) {
    console.error(`no model at ${path}: run \`npm run demo\` first (it writes pos-brown.safetensors), or name a model file`);
    process.exit(1);
  }
  const outdir = await buildWebDemo({ model: new Uint8Array(readFileSync(path)), f16: !args.includes('--f32') });
  console.log(`built ${outdir}`);
  if (args.includes('--serve')) {
    const ctx = await esbuild.context({});
    const { port } = await ctx.serve({ servedir: outdir, port: 8000 });
    console.log(`open http://localhost:${port}/`);
  }
}
