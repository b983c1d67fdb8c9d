// The g2p-cmudict task through the CLI: Ctrl-C writes a checkpoint that --resume
// continues; `rnn-wasm g2p` pronounces a word with the model file and plots its
// alignment (attention weights) as SVG; wrong files are refused in one line.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLine, root, runCli } from './helpers/cli.js';
import { Seq2Seq, saveModel } from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-g2p-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rnn-wasm train g2p-cmudict and rnn-wasm g2p', () => {
  const out = join(dir, 'g2p.safetensors'), ck = join(dir, 'g2p.checkpoint.safetensors'), log = join(dir, 'log.jsonl');
  const args = ['train', 'g2p-cmudict', '--limit', '1200', '--epochs', '2', '--hidden-size', '16', '--batch-size', '16', '--out', out, '--checkpoint', ck];

  it('Ctrl-C writes a checkpoint; --resume continues it to the end', async () => {
    // Interrupted at its first logged step: exit code 130, a checkpoint, no model file.
    const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), ...args, '--log', log], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(log) && readFileSync(log, 'utf8').includes('"type":"step"')) { clearInterval(poll); child.kill('SIGINT'); }
      }, 50);
      child.on('exit', (c) => { clearInterval(poll); resolve(c); });
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/continue with --resume/);
    expect(existsSync(ck)).toBe(true);
    expect(existsSync(out)).toBe(false);
    const r = runCli([...args, '--resume', ck]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/g2p-cmudict test phoneme error rate: \d+\.\d\d%/);
    expect(existsSync(out)).toBe(true);
  }, 180_000);

  it('pronounces a word and plots its alignment as SVG', () => {
    const svg = join(dir, 'alignment.svg');
    const r = runCli(['g2p', '--model', out, '--word', 'Ishmael', '--plot', svg]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ishmael → [A-Z ]*\nalignment written to /);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toContain('attention of &quot;ishmael&quot;');
  });

  it('refuses files that are not g2p-cmudict models, and bad words, in one line', () => {
    const other = join(dir, 'other.safetensors');
    const m = new Seq2Seq(runtime(), { sourceVocabSize: 4, targetVocabSize: 4, embeddingDim: 2, hiddenSize: 2, bos: 0, eos: 1 });
    writeFileSync(other, saveModel(m));
    m.dispose();
    expectOneLine(runCli(['g2p', '--model', other, '--word', 'cat']), 1, /is not a g2p-cmudict model/);
    expectOneLine(runCli(['g2p', '--model', out, '--word', 'x'.repeat(40)]), 2, /--word must have 1–32 letters/);
    expectOneLine(runCli(['g2p', '--model', out, '--word', 'cat', '--beam', '0']), 2, /--beam .*positive integer/);
  });
});
