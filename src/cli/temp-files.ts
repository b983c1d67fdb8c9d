// Orphan temporary files: writeFileAtomic (src/node/files.ts) writes a model or a
// checkpoint to `.<name>.<pid>.<ms>.tmp` beside it, then renames it over <name>. A run
// killed in between leaves that file behind; the next run that writes <name> removes
// those whose process is gone.
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Whether a process with this id is alive (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, but belongs to another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The temporary files of `target` left by processes that are no longer alive (paths). */
export function orphanTempFiles(target: string, alive: (pid: number) => boolean = processAlive): string[] {
  const dir = dirname(target);
  const pattern = new RegExp(`^\\.${escape(basename(target))}\\.(\\d+)\\.(\\d+)\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    out.push(join(dir, name));
  }
  return out;
}

/** Removes the orphan temporary files of `target`; returns the paths removed. */
export function removeOrphanTempFiles(target: string, alive?: (pid: number) => boolean): string[] {
  const removed: string[] = [];
  for (const p of orphanTempFiles(target, alive)) {
    try {
      rmSync(p, { force: true });
      removed.push(p);
    } catch {
      // Not ours to remove (permissions): leave it.
    }
  }
  return removed;
}
