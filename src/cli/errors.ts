// How the command line reports what went wrong: user errors (typed library errors,
// file errors, usage errors, missing optional packages) as one line and a non-zero
// exit code; anything else is a bug and keeps its stack trace.
import { RnnWasmError, ArgumentError, FileError } from '../errors.js';

/** A command-line usage error (an unknown task, an option that does not fit): exit code 2. */
export class UsageError extends ArgumentError {}

/** An optional peer package (a corpus, the plotting stack) that is not installed; the message says what to install. */
export class MissingPackageError extends RnnWasmError {
  constructor(readonly packages: string[], message: string) { super('CONFIG', message); }
}

/** The Node fs error codes a user can cause (a wrong path, a full or read-only disk). */
const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code! in CAUSES;
}

/**
 * A Node fs error as a FileError naming `target` (the file the user named, never a
 * temporary file) and the cause; anything else is returned unchanged.
 */
export function toFileError(e: unknown, target: string, action: 'read' | 'write'): unknown {
  if (e instanceof FileError || !isFsError(e)) return e;
  const code = e.code!;
  const message = action === 'read' && code === 'ENOENT' ? `file not found: ${target}` : `cannot ${action} ${target}: ${CAUSES[code]} (${code})`;
  return new FileError(target, code, message);
}

/** The one line and exit code for a user error; undefined for a bug (which keeps its stack). */
export function describeError(e: unknown): { line: string; exitCode: number } | undefined {
  if (e instanceof UsageError) return { line: e.message, exitCode: 2 };
  if (e instanceof RnnWasmError) return { line: e.message, exitCode: 1 };
  if (e instanceof SyntaxError) return { line: e.message, exitCode: 1 };
  if (isFsError(e)) {
    const path = e.path ?? (e as { dest?: string }).dest;
    return { line: path ? (toFileError(e, path, 'read') as Error).message.replace(/^cannot read /, '') : `${CAUSES[e.code!]} (${e.code})`, exitCode: 1 };
  }
  return undefined;
}
