// The pos-brown task on a small slice of the corpus: the tag mapping, the readers,
// the split, a quick training run that beats the trivial baseline, and the CLI's
// behaviour (train → predict / eval, and one-line errors with a non-zero exit).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brownToUniversal, loadBrown, splitBrown, mostFrequentTagBaseline, tokenAccuracy, POS_BROWN_DEFAULTS } from '../src/cli/tasks/pos-brown.js';
import { wordShape as shape } from '../src/data/text-pipeline.js';
import { tagWords } from '../src/cli/tasks/pos-tagger.js';
import { parseConllu, parseSlashTagged } from '../src/cli/tasks/tagged-text.js';
import { posBrown } from '../src/cli/tasks/pos-brown-run.js';
import { loadModel } from '../src/index.js';
import { runtime } from './helpers/wasm.js';

const cli = (args: string[], input?: string) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', input, cwd: new URL('..', import.meta.url).pathname });

describe('pos-brown data', () => {
  it('maps Brown tags to the universal tagset', () => {
    const cases: [string, string][] = [
      ['nn-tl', 'NOUN'], ['np$', 'NOUN'], ['fw-nn', 'X'], ['ppss+md', 'PRON'], ['do*', 'VERB'], ['*', 'PRT'], ['pp$', 'DET'],
      ['``', '.'], ['hvz*', 'VERB'], ['jj-hl', 'ADJ'], ['to', 'PRT'], ['cs', 'ADP'], ['cd-tl', 'NUM'], ['wdt', 'DET'], ['ql', 'ADV'],
    ];
    for (const [b, u] of cases) expect(brownToUniversal(b), b).toBe(u);
  });

  it('reads the corpus, splits it 8:1:1 by sentence index, and computes the baseline', () => {
    const s = loadBrown(undefined, 1000);
    expect(s.length).toBe(1000);
    expect(s[0].words.slice(0, 3)).toEqual(['The', 'Fulton', 'County']);
    expect(s[0].tags.slice(0, 3)).toEqual(['DET', 'NOUN', 'NOUN']);
    const sp = splitBrown(s);
    expect([sp.train.length, sp.validation.length, sp.test.length]).toEqual([800, 100, 100]);
    const base = mostFrequentTagBaseline(sp.train);
    expect(tokenAccuracy(sp.test, (w) => w.map(base))).toBeGreaterThan(0.8);
    expect([shape('Atlanta'), shape('1961'), shape('term-end'), shape('IBM'), shape(','), shape('jury')]).toEqual(['capitalised', 'number', 'hyphen', 'caps', 'punct', 'lower']);
  });

  it('reads word/TAG and CoNLL-U files and reports malformed lines with their number', () => {
    expect(parseSlashTagged('The/DET cat/NOUN\n\nsat/VERB\n', 'f')).toEqual([{ words: ['The', 'cat'], tags: ['DET', 'NOUN'] }, { words: ['sat'], tags: ['VERB'] }]);
    expect(() => parseSlashTagged('ok/DET\nbroken\n', 'data.txt')).toThrow("data.txt:2: 'broken' is not a word/TAG token");
    const conllu = '# text = I like it\n1\tI\tI\tPRON\t_\t_\t2\tnsubj\t_\t_\n2-3\tlike\t_\t_\t_\t_\t_\t_\t_\t_\n2\tlike\tlike\tVERB\t_\t_\t0\troot\t_\t_\n\n1\tOK\tok\tADJ\t_\t_\t0\troot\t_\t_\n';
    expect(parseConllu(conllu, 'x.conllu')).toEqual([{ words: ['I', 'like'], tags: ['PRON', 'VERB'] }, { words: ['OK'], tags: ['ADJ'] }]);
    expect(() => parseConllu('1\tI\n', 'x.conllu')).toThrow('x.conllu:1: expected 10 tab-separated CoNLL-U columns, found 2');
  });
});

describe('pos-brown training (small slice)', () => {
  it('learns beyond the majority-tag baseline in one quick epoch', async () => {
    const rt = runtime();
    const r = (await posBrown.run(rt, { ...POS_BROWN_DEFAULTS, limit: 1500, epochs: 1, hiddenSize: 32 }, {}))!;
    expect(r.metric.value).toBeGreaterThan(0.5); // the commonest tag (NOUN) alone scores ≈ 0.25
    const model = loadModel(rt, r.modelFile);
    expect(tagWords(model, ['I', 'like', 'cake'])).toHaveLength(3);
    expect(model.tagText('I like cake').map((t) => t.token)).toEqual(['I', 'like', 'cake']);
    expect(r.notes).toHaveLength(5); // the sample sentences, tagged
    model.dispose();
  });
});

describe('rnn-wasm CLI', () => {
  it('trains, then tags sentences and evaluates a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-cli-'));
    const model = join(dir, 'm.safetensors');
    const t = cli(['train', 'pos-brown', '--limit', '400', '--epochs', '1', '--hidden-size', '16', '--out', model, '--log', join(dir, 'log.jsonl')]);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/pos-brown test token accuracy: \d+\.\d+%\n  baseline, most frequent tag: \d+\.\d+%/);
    const p = cli(['predict', '--model', model, 'I like cake']);
    expect(p.status).toBe(0);
    expect(p.stdout.trim()).toMatch(/^I\/\S+ like\/\S+ cake\/\S+$/);
    expect(cli(['predict', '--model', model], 'We can fish\n').stdout.trim().split(' ')).toHaveLength(3);
    const data = join(dir, 'd.txt');
    writeFileSync(data, 'The/DET cat/NOUN sat/VERB ./.\n');
    expect(cli(['eval', '--model', model, '--data', data]).stdout).toMatch(/token accuracy \d+\.\d+% on 4 tokens \(1 sentences\)/);
  });

  it('fails with one clear line and a non-zero exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-cli-'));
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'The/DET cat/NOUN\nno tags here\n');
    const cases: [string[], RegExp][] = [
      [['train', 'pos-brown', '--bogus'], /unknown option '--bogus'/],
      [['train', 'not-a-task'], /unknown task 'not-a-task'/],
      [['eval', '--model', join(dir, 'missing.safetensors')], /file not found: .*missing.safetensors/],
      [['train', 'pos-brown', '--epochs', 'zero'], /expected a positive integer/],
    ];
    for (const [args, msg] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n').filter(Boolean).length, r.stderr).toBeLessThanOrEqual(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
