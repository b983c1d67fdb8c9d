// `rnn-wasm train --pattern tag|classify|lm` on the user's own files, then predict /
// eval / generate on the model file it writes (which carries its preprocessing), and
// the one-line errors for bad data. Expectations come from the data files themselves
// (tag sets, label sets, token counts counted here), never from the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toyPosCorpus } from '../src/data/toy-pos.js';
import { loadModel, saveModel } from '../src/io/model-file.js';
import { writeSafetensors } from '../src/io/safetensors.js';
import { Sequential } from '../src/model/sequential.js';
import * as layers from '../src/layers/index.js';
import { parseCsv, readLabelledFile } from '../src/cli/tasks/labelled-text.js';
import { runtime } from './helpers/wasm.js';
import { expectOneLine, root, runCli } from './helpers/cli.js';

const fixtures = join(root, 'test/fixtures/cli');
const cli = (args: string[], input?: string) => runCli(args, { input });
let dir: string;

function ok(r: ReturnType<typeof cli>) {
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

// The toy corpus as CoNLL-U: comments, a multi-word token line and an empty node (both skipped).
const corpus = toyPosCorpus();
const TAGS = new Set(corpus.flatMap((s) => s.tags));
const conllu = (ss: typeof corpus) => ss.map((s, k) => [
  `# sent_id = ${k + 1}`, `# text = ${s.words.join(' ')}`,
  ...s.words.flatMap((w, i) => [
    ...(k % 5 === 0 && i === 0 ? [`1-2\t${w}${s.words[1]}\t_\t_\t_\t_\t_\t_\t_\t_`] : []),
    `${i + 1}\t${w}\t${w.toLowerCase()}\t${s.tags[i]}\t_\t_\t0\tdep\t_\t_`,
    ...(k % 7 === 0 && i === 0 ? [`1.1\tghost\t_\tX\t_\t_\t_\t_\t_\t_`] : []),
  ]),
].join('\n') + '\n').join('\n');

beforeAll(() => {
  expect(existsSync(join(root, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'rnn-wasm-patterns-'));
  writeFileSync(join(dir, 'train.conllu'), conllu(corpus));
  writeFileSync(join(dir, 'dev.conllu'), conllu(corpus.slice(0, 6)));
  writeFileSync(join(dir, 'train.txt'), corpus.map((s) => s.words.map((w, i) => `${w}/${s.tags[i]}`).join(' ')).join('\n') + '\n');
  writeFileSync(join(dir, 'small.json'), JSON.stringify({ embeddingDim: 16, hiddenSize: 16, epochs: 12, maxChars: 6 }));
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('train --pattern tag', () => {
  it('trains on CoNLL-U; predict tags every token with a training tag; eval counts the file\'s tokens', () => {
    const model = join(dir, 'tag.safetensors');
    const out = ok(cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.conllu'), '--config', join(dir, 'small.json'), '--out', model]));
    expect(out).toMatch(/tag validation token accuracy: \d+\.\d+%/);
    expect(out).toMatch(/baseline, most frequent tag per word: \d+\.\d+%/);
    const sentences = ['I like cake', 'the old dog can swim', 'Zebras quietly devour 42 unknown things .'];
    const lines = ok(cli(['predict', '--model', model, ...sentences])).trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, k) => {
      const toks = line.split(' ');
      expect(toks.map((t) => t.slice(0, t.lastIndexOf('/')))).toEqual(sentences[k].split(' '));
      for (const t of toks) expect(TAGS.has(t.slice(t.lastIndexOf('/') + 1)), t).toBe(true);
    });
    // stdin, one text per line; --json
    expect(ok(cli(['predict', '--model', model], 'we can fish\n\nthey eat cake\n')).trim().split('\n')).toHaveLength(2);
    const json = JSON.parse(ok(cli(['predict', '--model', model, '--json', 'I like cake'])));
    expect(json.tokens.map((t: { token: string }) => t.token)).toEqual(['I', 'like', 'cake']);
    for (const t of json.tokens) expect(t.probability).toBeGreaterThan(0);
    // eval: the token lines of the file with an integer id, counted here
    const text = readFileSync(join(dir, 'train.conllu'), 'utf8');
    const tokens = text.split('\n').filter((l) => /^\d+\t/.test(l)).length;
    expect(tokens).toBe(corpus.reduce((a, s) => a + s.words.length, 0));
    const ev = ok(cli(['eval', '--model', model, '--data', join(dir, 'train.conllu')]));
    expect(ev).toMatch(new RegExp(`token accuracy \\d+\\.\\d+% on ${tokens} tokens \\(${corpus.length} sentences\\)`));
    // CoNLL-U is recognised by its lines too, whatever the file is called
    writeFileSync(join(dir, 'train-conllu.txt'), text);
    expect(JSON.parse(ok(cli(['eval', '--model', model, '--data', join(dir, 'train-conllu.txt'), '--json']))).tokens).toBe(tokens);
    const evSlash = JSON.parse(ok(cli(['eval', '--model', model, '--data', join(dir, 'train.txt'), '--json'])));
    expect(evSlash.tokens).toBe(tokens);
    // it learned: above the share of the commonest tag, counted here
    const counts = new Map<string, number>();
    for (const s of corpus) for (const t of s.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    expect(evSlash.accuracy).toBeGreaterThan(Math.max(...counts.values()) / tokens);
    // the file is an ordinary model file: loadModel + tagText
    const m = loadModel(runtime(), new Uint8Array(readFileSync(model)));
    expect(m.tagText('I like cake').map((t) => t.token)).toEqual(['I', 'like', 'cake']);
    expect(m.metadata).toEqual({ pattern: 'tag', data: 'train.conllu' });
    m.dispose();
  }, 30_000);

  it('--threads n trains on n threads (fewer where the start-up probe finds the cores busy) and says so; a bad count is refused', () => {
    const r = cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.txt'), '--config', join(dir, 'small.json'), '--epochs', '1',
      '--out', join(dir, 'threads3.safetensors'), '--threads', '3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training on [123] threads?/);
    expect(r.stdout).toMatch(/tag validation token accuracy/);
    for (const bad of ['0', '1.5', '257']) {
      const e = cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.txt'), '--threads', bad]);
      expect(e.status).not.toBe(0);
      expect(e.stderr).toMatch(/--threads.*integer from 1 to 256/);
    }
  }, 60_000);

  it('word/TAG lines with a --validation file; CLI flags override the config', () => {
    const model = join(dir, 'tag2.safetensors');
    const out = ok(cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.txt'), '--validation', join(dir, 'dev.conllu'),
      '--config', join(dir, 'small.json'), '--epochs', '2', '--out', model, '--log', join(dir, 'tag2.jsonl')]));
    expect(out).toMatch(/tag validation token accuracy/);
    const events = readFileSync(join(dir, 'tag2.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.epoch)).toEqual([1, 2]);
    // the checkpoint written after every epoch resumes: a third epoch
    const ck = join(dir, 'tag2.checkpoint.safetensors');
    expect(existsSync(ck)).toBe(true);
    ok(cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.txt'), '--validation', join(dir, 'dev.conllu'),
      '--config', join(dir, 'small.json'), '--epochs', '3', '--out', model, '--resume', ck, '--log', join(dir, 'tag3.jsonl')]));
    const resumed = readFileSync(join(dir, 'tag3.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(resumed.filter((e) => e.type === 'epoch').map((e) => e.epoch)).toEqual([3]);
    expect(ok(cli(['predict', '--model', model, 'I like cake'])).trim().split(' ')).toHaveLength(3);
    // --tokenizer whitespace: predict splits on spaces only, as pre-tokenized data is
    const ws = join(dir, 'tag-ws.safetensors');
    ok(cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.txt'), '--tokenizer', 'whitespace', '--epochs', '1', '--out', ws]));
    const t = ok(cli(['predict', '--model', ws, "don't stop-me now."])).trim().split(' ');
    expect(t.map((x) => x.slice(0, x.lastIndexOf('/')))).toEqual(["don't", 'stop-me', 'now.']);
  }, 30_000);
});

describe('train --pattern classify', () => {
  const csv = join(fixtures, 'reviews.csv'), jsonl = join(fixtures, 'reviews.jsonl');

  it('reads quoted CSV fields (commas, doubled quotes, newlines) and JSONL alike', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi"""\n"two\nlines",z\r\n\n', 'f.csv')).toEqual([
      { fields: ['a', 'b'], line: 1 }, { fields: ['x, y', 'say "hi"'], line: 2 }, { fields: ['two\nlines', 'z'], line: 3 },
    ]);
    const a = readLabelledFile(csv), b = readLabelledFile(jsonl);
    expect(a.map(({ text, label }) => ({ text, label }))).toEqual(b.map(({ text, label }) => ({ text, label })));
    expect(a[0]).toEqual({ text: 'Great food, friendly staff', label: 'pos', line: 2 });
    expect(a[3].text).toBe('The "special" was awful, never again');
    expect(a[6]).toEqual({ text: 'lovely place\nwith a view over the river', label: 'pos', line: 8 });
    expect(a[7].line).toBe(10); // after the two-line record
  });

  it('trains on CSV; predict prints label<TAB>probability; eval scores the JSONL', () => {
    const model = join(dir, 'cls.safetensors');
    const out = ok(cli(['train', '--pattern', 'classify', '--data', csv, '--epochs', '12', '--hidden-size', '16', '--out', model]));
    expect(out).toMatch(/classify validation accuracy: \d+\.\d+%/);
    const labels = new Set(readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l).label));
    const lines = ok(cli(['predict', '--model', model, 'great food', 'cold and rude', 'something else entirely'])).trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      const [label, p] = l.split('\t');
      expect(labels.has(label), l).toBe(true);
      expect(Number(p)).toBeGreaterThanOrEqual(1 / labels.size);
      expect(Number(p)).toBeLessThanOrEqual(1);
    }
    const j = JSON.parse(ok(cli(['predict', '--model', model, '--json', 'great food'])));
    expect(Object.keys(j.probabilities).sort()).toEqual([...labels].sort());
    const rows = readFileSync(jsonl, 'utf8').trim().split('\n').length;
    const ev = JSON.parse(ok(cli(['eval', '--model', model, '--data', jsonl, '--json'])));
    expect(ev.texts).toBe(rows);
    expect(ev.accuracy).toBeGreaterThan(0.5); // the training texts, two balanced labels
  }, 30_000);

  it('characters tokenizer, JSONL, renamed columns', () => {
    const renamed = join(dir, 'renamed.csv');
    writeFileSync(renamed, readFileSync(csv, 'utf8').replace('id,text,label', 'id,review,sentiment'));
    const model = join(dir, 'cls2.safetensors');
    ok(cli(['train', '--pattern', 'classify', '--data', renamed, '--text-column', 'review', '--label-column', 'sentiment', '--tokenizer', 'characters', '--epochs', '2', '--out', model]));
    expect(ok(cli(['eval', '--model', model, '--data', renamed, '--text-column', 'review', '--label-column', 'sentiment']))).toMatch(/accuracy \d+\.\d+% on 20 texts/);
    const m = loadModel(runtime(), new Uint8Array(readFileSync(model)));
    expect(m.preprocessing!.json.tokenizer.type).toBe('characters');
    m.dispose();
  }, 30_000);
});

describe('train --pattern lm', () => {
  it('trains a character model; reports bits per character and a sample; generate continues a prompt', () => {
    const model = join(dir, 'lm.safetensors');
    const out = ok(cli(['train', '--pattern', 'lm', '--data', join(fixtures, 'rhymes.txt'), '--epochs', '3', '--batch-size', '4', '--hidden-size', '32', '--out', model]));
    const bits = Number(/lm validation bits per character: (\d+\.\d+)/.exec(out)?.[1]);
    const unigram = Number(/baseline, unigram: (\d+\.\d+)/.exec(out)?.[1]);
    expect(bits).toBeGreaterThan(0);
    expect(bits).toBeLessThan(unigram + 0.5);
    expect(out).toMatch(/sample \(temperature 0\.7\): "/);
    const g = ok(cli(['generate', '--model', model, '--prompt', 'Twinkle', '--max-tokens', '40', '--seed', '2']));
    const text = g.replace(/\n$/, '');
    expect(text.startsWith('Twinkle')).toBe(true);
    expect(Array.from(text)).toHaveLength('Twinkle'.length + 40);
    const chars = new Set(Array.from(readFileSync(join(fixtures, 'rhymes.txt'), 'utf8')));
    for (const c of Array.from(text)) expect(chars.has(c), c).toBe(true);
    expect(ok(cli(['generate', '--model', model, '--prompt', 'Twinkle', '--max-tokens', '40', '--seed', '2']))).toBe(g);
    const n = Array.from(readFileSync(join(fixtures, 'rhymes.txt'), 'utf8')).length;
    expect(ok(cli(['eval', '--model', model, '--data', join(fixtures, 'rhymes.txt')]))).toMatch(new RegExp(`\\d+\\.\\d+ bits per character on ${n} characters`));
  }, 30_000);
});

describe('train --pattern: one line naming the file and line', () => {
  it('bad data files', () => {
    const bad = join(dir, 'bad.conllu');
    writeFileSync(bad, '# sent_id = 1\n1\tI\tI\tPRON\t_\t_\t0\troot\t_\t_\n2\tlike\tVERB\n');
    expectOneLine(cli(['train', '--pattern', 'tag', '--data', bad]), 1, new RegExp(`${bad}:3: expected 10 tab-separated CoNLL-U columns, found 3`));
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', empty]), 1, new RegExp(`${empty}: the file is empty`));
    const emptyTag = join(dir, 'empty.conllu');
    writeFileSync(emptyTag, '\n');
    expectOneLine(cli(['train', '--pattern', 'tag', '--data', emptyTag]), 1, new RegExp(`${emptyTag}: no sentences`));
    const noLabel = join(dir, 'nolabel.csv');
    writeFileSync(noLabel, 'text,category\nhello,a\n');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', noLabel]), 1, new RegExp(`${noLabel}:1: no column 'label' in the header \\(columns: text, category\\); name it with --label-column`));
    const missing = join(dir, 'missing.csv');
    writeFileSync(missing, 'text,label\ngood,pos\n"fine, really",\nbad,neg\n');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', missing]), 1, new RegExp(`${missing}:3: the row has no label`));
    writeFileSync(missing, 'text,label\ngood,pos\nbad,neg\n"a short row"\n');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', missing]), 1, new RegExp(`${missing}:4: the row has no label \\(1 field, the header has 2\\)`));
    writeFileSync(missing, 'text,label\ngood,pos,extra\n');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', missing]), 1, new RegExp(`${missing}:2: 3 fields, the header has 2`));
    writeFileSync(missing, 'text,label\ngood,pos\n"never closed,neg\nok,pos\n');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', missing]), 1, new RegExp(`${missing}:3: a quoted field is not closed`));
    const jl = join(dir, 'bad.jsonl');
    writeFileSync(jl, '{"text": "ok", "label": "a"}\n\n{"text": "oops", label: b}\n');
    expectOneLine(cli(['train', '--pattern', 'classify', '--data', jl]), 1, new RegExp(`${jl}:3: not JSON`));
    expect(existsSync(join(root, 'model.safetensors'))).toBe(false);
  }, 30_000);

  it('a config key that does not exist, with the nearest suggested; flags that do not fit', () => {
    const cfg = join(dir, 'typo.json');
    writeFileSync(cfg, JSON.stringify({ hiddenSise: 8 }));
    expectOneLine(cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.conllu'), '--config', cfg]), 1, /unknown key "hiddenSise" in .*typo\.json: did you mean "hiddenSize"\?/);
    writeFileSync(cfg, JSON.stringify({ bidirectional: true }));
    expectOneLine(cli(['train', '--pattern', 'lm', '--data', join(fixtures, 'rhymes.txt'), '--config', cfg]), 1, /a language model reads forwards only/);
    expectOneLine(cli(['train', '--pattern', 'tag', '--data', join(dir, 'train.conllu'), '--tokenizer', 'characters']), 1, /a tagger tags words: its tokenizer .* is words or whitespace/);
    expectOneLine(cli(['train', '--pattern', 'tagging', '--data', 'x']), 2, /unknown pattern 'tagging': expected one of tag, classify, lm/);
    expectOneLine(cli(['train', '--pattern', 'tag']), 2, /--pattern tag needs --data FILE/);
    expectOneLine(cli(['train', 'names-gender', '--pattern', 'tag', '--data', 'x']), 2, /a built-in task \('names-gender'\) or --pattern, not both/);
    expectOneLine(cli(['train']), 2, /name a built-in task .* or train on your data with --pattern tag\|classify\|lm --data FILE/);
    expectOneLine(cli(['train', 'names-gender', '--data', 'x']), 2, /--data is for --pattern/);
  });

  it('a model file without preprocessing; a model of the wrong kind', () => {
    const rt = runtime();
    const m = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 2 }), layers.dense({ units: 3 })], { seed: 1 });
    const bare = join(dir, 'bare.safetensors');
    writeFileSync(bare, saveModel(m));
    m.dispose();
    for (const args of [['predict', '--model', bare, 'hi'], ['eval', '--model', bare, '--data', join(dir, 'train.txt')], ['generate', '--model', bare, '--prompt', 'hi']]) {
      expectOneLine(cli(args), 1, new RegExp(`${bare} carries no preprocessing .*saveModel\\(model, \\{ vocabulary, tokenizer, labels \\}\\)`));
    }
    // files of earlier versions (a task entry instead of preprocessing), g2p-cmudict's, and bytes that are no model
    const m2 = new Sequential(rt, [layers.embedding({ vocabSize: 5, dim: 2 }), layers.lstm({ hiddenSize: 2 }), layers.dense({ units: 3 })], { seed: 1 });
    const old = join(dir, 'old.safetensors');
    writeFileSync(old, writeSafetensors(m2.stateDict(), { 'rnn-wasm.config': JSON.stringify(m2.toJSON()), 'rnn-wasm.task': JSON.stringify({ task: 'pos-brown' }) }));
    const g2p = join(dir, 'g2p.safetensors');
    writeFileSync(g2p, writeSafetensors(m2.stateDict(), { 'rnn-wasm.task': JSON.stringify({ task: 'g2p-cmudict' }) }));
    m2.dispose();
    expectOneLine(cli(['predict', '--model', old, 'hi']), 1, new RegExp(`${old} was written by an earlier rnn-wasm train pos-brown, before model files carried their preprocessing: train it again`));
    expectOneLine(cli(['predict', '--model', g2p, 'hi']), 1, new RegExp(`${g2p} is a g2p-cmudict model .*do not take it`));
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'not a model at all');
    expectOneLine(cli(['eval', '--model', junk, '--data', join(dir, 'train.txt')]), 1, new RegExp(`^rnn-wasm: ${junk}: `));
    const tagger = join(dir, 'tag.safetensors');
    if (existsSync(tagger)) {
      expectOneLine(cli(['generate', '--model', tagger, '--prompt', 'hi']), 2, /is not a language model/);
      const unknown = join(dir, 'unknown.txt');
      writeFileSync(unknown, 'I/PRON like/VERB\ncake/NOUN ./PUNCTUATION\n');
      expectOneLine(cli(['eval', '--model', tagger, '--data', unknown]), 1, new RegExp(`${unknown}:2: unknown tag 'PUNCTUATION'`));
    }
  });
});
