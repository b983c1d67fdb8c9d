// A tfjs model.json's weight files (weightsManifest paths, relative to model.json),
// read and concatenated in manifest order.
import { dirname, join } from 'node:path';
import { WeightFileError } from '../errors.js';
import { readInput } from './files.js';

export function readTfjsWeights(modelPath: string, modelText: string): Uint8Array {
  let manifest: { paths?: unknown }[];
  try {
    manifest = JSON.parse(modelText).weightsManifest;
  } catch (e) {
    throw new WeightFileError(`${modelPath} is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(manifest)) throw new WeightFileError(`${modelPath} has no weightsManifest`);
  const parts = manifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : [])).map((p) => readInput(join(dirname(modelPath), String(p))));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
