// Running the built CLI (dist/cli/main.js) as a user would, and what a user error must look like.
import { expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'dist/cli/main.js');

export function runCli(args: string[], options: { cwd?: string; input?: string } = {}) {
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: options.cwd ?? root, input: options.input, timeout: 60_000 });
}

export type CliResult = ReturnType<typeof runCli>;

/** Exit code `code`, exactly one line on stderr starting `rnn-wasm: `, matching `msg`, and no stack frame. */
export function expectOneLine(r: CliResult, code: number, msg: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(r.stderr, 'no stack frames').not.toMatch(/\n\s+at /);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^rnn-wasm: /);
  expect(lines[0]).toMatch(msg);
  expect(r.status, r.stderr).toBe(code);
}
