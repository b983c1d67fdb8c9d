// The command line's file access: inputs read with errors that name the path; outputs
// checked before any work starts (the directory exists and takes a new file, the
// target is not a directory or a device), written atomically, with orphan temporary
// files of a killed run removed first. Errors are FileErrors naming the user's path.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileError } from '../errors.js';
import { writeFileAtomic } from '../node/files.js';
import { toFileError } from './errors.js';
import { removeOrphanTempFiles } from './temp-files.js';

/** Reads a file the user named; a directory, a missing file or no permission is a FileError naming it. */
export function readInput(path: string): Uint8Array;
export function readInput(path: string, encoding: 'utf8'): string;
export function readInput(path: string, encoding?: 'utf8'): Uint8Array | string {
  try {
    if (statSync(path).isDirectory()) throw new FileError(path, 'EISDIR', `cannot read ${path}: is a directory, not a file`);
    return encoding ? readFileSync(path, encoding) : new Uint8Array(readFileSync(path));
  } catch (e) {
    throw toFileError(e, path, 'read');
  }
}

/**
 * Checks, before any work, that `path` can be written: its directory exists and takes
 * a new file (one is created and removed), and the path is not a directory — nor,
 * for an atomic write (a rename over it), anything but a regular file. Orphan
 * temporary files of the path from a killed run are removed. Returns the paths removed.
 */
export function checkOutput(path: string, { atomic = true } = {}): string[] {
  const dir = dirname(path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileError(path, 'ENOENT', `cannot write ${path}: the directory ${dir} does not exist`);
    throw toFileError(e, path, 'write');
  }
  if (!isDir) throw new FileError(path, 'ENOTDIR', `cannot write ${path}: ${dir} is not a directory`);
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new FileError(path, 'EISDIR', `cannot write ${path}: is a directory`);
    if (atomic && !st.isFile()) throw new FileError(path, 'ENOTREG', `cannot write ${path}: not a regular file (it would be replaced)`);
  } catch (e) {
    if (e instanceof FileError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw toFileError(e, path, 'write');
  }
  const removed = removeOrphanTempFiles(path);
  const probe = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  } catch (e) {
    try { rmSync(probe, { force: true }); } catch { /* never created */ }
    throw toFileError(e, path, 'write');
  }
  return removed;
}

/**
 * Creates a directory and its missing parents, one at a time (Node's recursive mkdir
 * loops forever on some paths, e.g. under /proc); errors name `dir`.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  try {
    for (const d of missing) mkdirSync(d);
    if (!statSync(dir).isDirectory()) throw new FileError(dir, 'ENOTDIR', `cannot create the directory ${dir}: a file is in the way`);
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(dir, (e as NodeJS.ErrnoException).code ?? 'EIO', `cannot create the directory ${dir}: ${(toFileError(e, dir, 'write') as Error).message.replace(/^cannot write [^:]*: /, '')}`);
  }
}

/** Writes a model, checkpoint or chart atomically; a failure names `path` (not the temporary file) and the cause. */
export async function writeOutput(path: string, bytes: Uint8Array | string, write = writeFileAtomic): Promise<void> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  try {
    await write(path, data);
  } catch (e) {
    throw toFileError(e, path, 'write');
  }
}

/** A log file written line by line (synchronously, so a full disk is reported at once, naming the file). */
export function openLog(path: string): { write(line: string): void; close(): void } {
  checkOutput(path, { atomic: false });
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw toFileError(e, path, 'write');
  }
  let open = true;
  return {
    write(line) {
      if (!open) return;
      try {
        writeSync(fd, line);
      } catch (e) {
        this.close();
        throw toFileError(e, path, 'write');
      }
    },
    close() {
      if (open) { open = false; closeSync(fd); }
    },
  };
}
