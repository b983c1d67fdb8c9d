// Node-only file helpers: atomic writes (temporary file in the same directory, fsync,
// rename), so a crash never leaves a half-written model or checkpoint; and model
// loading that also takes a file path.
import { open, rename, rm, readFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../runtime/runtime.js';
import type { Sequential } from '../model/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { saveModel, loadModel, type SaveModelOptions } from '../io/model-file.js';
import { saveCheckpoint, loadCheckpoint, type Checkpoint, type TrainingState } from '../io/checkpoint.js';
import { loadModelFrom as loadModelFromWeb, type ModelSource } from '../io/model-source.js';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

export async function saveModelFile(path: string, model: Sequential, options: SaveModelOptions = {}): Promise<void> {
  await writeFileAtomic(path, saveModel(model, options));
}

export async function loadModelFile(rt: Runtime, path: string): Promise<Sequential> {
  return loadModel(rt, new Uint8Array(await readFile(path)));
}

/** As the web-standard loadModelFrom, and a file path or file: URL reads the file. */
export async function loadModelFrom(rt: Runtime, source: ModelSource | Promise<ModelSource>): Promise<Sequential> {
  const s = await source;
  if (s instanceof URL && s.protocol === 'file:') return loadModelFile(rt, fileURLToPath(s));
  if (typeof s === 'string' && s.startsWith('file:')) return loadModelFile(rt, fileURLToPath(s));
  if (typeof s === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return loadModelFile(rt, s);
  return loadModelFromWeb(rt, s);
}

export async function saveCheckpointFile(path: string, model: Sequential, optimizer: Optimizer, state: TrainingState): Promise<void> {
  await writeFileAtomic(path, saveCheckpoint(model, optimizer, state));
}

export async function loadCheckpointFile(rt: Runtime, path: string): Promise<Checkpoint> {
  return loadCheckpoint(rt, new Uint8Array(await readFile(path)));
}
