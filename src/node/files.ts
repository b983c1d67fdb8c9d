// Node-only file helpers: atomic writes (temporary file in the same directory, fsync,
// rename), so a crash never leaves a half-written model or checkpoint.
import { open, rename, rm, readFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import type { Sequential } from '../model/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { saveCheckpoint, loadCheckpoint, saveModel, loadModel, type Checkpoint, type TrainingState } from '../io/model-file.js';

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

export async function saveModelFile(path: string, model: Sequential): Promise<void> {
  await writeFileAtomic(path, saveModel(model));
}

export async function loadModelFile(rt: Runtime, path: string): Promise<Sequential> {
  return loadModel(rt, new Uint8Array(await readFile(path)));
}

export async function saveCheckpointFile(path: string, model: Sequential, optimizer: Optimizer, state: TrainingState): Promise<void> {
  await writeFileAtomic(path, saveCheckpoint(model, optimizer, state));
}

export async function loadCheckpointFile(rt: Runtime, path: string): Promise<Checkpoint> {
  return loadCheckpoint(rt, new Uint8Array(await readFile(path)));
}
