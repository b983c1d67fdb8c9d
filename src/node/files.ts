// Node-only file helpers: atomic writes (temporary file in the same directory, fsync,
// rename), so a crash never leaves a half-written model or checkpoint; and model
// loading that also takes a file path.
import { open, rename, rm, readFile, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../runtime/runtime.js';
import type { Sequential } from '../model/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { saveModel, loadModel, type SaveModelOptions } from '../io/model-file.js';
import { saveCheckpoint, loadCheckpoint, type Checkpoint, type TrainingState } from '../io/checkpoint.js';
import { loadModelFrom as loadModelFromWeb, type ModelSource } from '../io/model-source.js';
import { FileError } from '../errors.js';

/** A Node fs error as a FileError that names the path the user gave and the cause. */
export function fileError(path: string, action: string, e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string') return e;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory', EISDIR: 'it is a directory', ENOTDIR: 'a parent is not a directory',
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded', EMFILE: 'too many open files', ENAMETOOLONG: 'the name is too long',
  };
  return new FileError(path, err.code, `cannot ${action} ${path}: ${why[err.code] ?? err.message} (${err.code})`);
}

/**
 * Writes bytes so that `path` holds either its old contents or all of the new ones:
 * a temporary file in the same directory, fsync, rename. Errors are FileErrors naming
 * `path` (not the temporary file); the temporary file is removed on failure.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  // rename() replaces whatever is at the path: never a device, a directory or a socket.
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new FileError(path, existing.isDirectory() ? 'EISDIR' : 'ENOTFILE', `cannot write ${path}: it exists and is not a regular file (${existing.isDirectory() ? 'a directory' : 'a device, socket or pipe'})`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'w');
  } catch (e) {
    throw fileError(path, 'write', e);
  }
  try {
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw fileError(path, 'write', e);
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw fileError(path, 'read', e);
  }
}

export async function saveModelFile(path: string, model: Sequential, options: SaveModelOptions = {}): Promise<void> {
  await writeFileAtomic(path, saveModel(model, options));
}

export async function loadModelFile(rt: Runtime, path: string): Promise<Sequential> {
  return loadModel(rt, await readBytes(path));
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
  return loadCheckpoint(rt, await readBytes(path));
}
