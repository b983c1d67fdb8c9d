// Reading tagged text: Brown-style `word/tag` tokens (one sentence per line) and
// CoNLL-U (word in column 2, universal tag in column 4). Malformed lines are
// reported with their file and line number.
import { ShapeError } from '../../errors.js';
import { readInput } from '../files.js';

export interface TaggedSentence {
  words: string[];
  tags: string[];
}

export class DataFileError extends ShapeError {}

/** One sentence per non-empty line of whitespace-separated word/TAG tokens (the tag after the last '/'). */
export function parseSlashTagged(text: string, file: string): TaggedSentence[] {
  const out: TaggedSentence[] = [];
  text.split('\n').forEach((line, i) => {
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    if (!tokens.length) return;
    const s: TaggedSentence = { words: [], tags: [] };
    for (const tok of tokens) {
      const cut = tok.lastIndexOf('/');
      if (cut <= 0 || cut === tok.length - 1) throw new DataFileError(`${file}:${i + 1}: '${tok}' is not a word/TAG token`);
      s.words.push(tok.slice(0, cut));
      s.tags.push(tok.slice(cut + 1));
    }
    out.push(s);
  });
  return out;
}

/** CoNLL-U: sentences separated by blank lines; comments and multi-word / empty-node lines skipped. */
export function parseConllu(text: string, file: string): TaggedSentence[] {
  const out: TaggedSentence[] = [];
  let cur: TaggedSentence = { words: [], tags: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) {
      if (cur.words.length) out.push(cur);
      cur = { words: [], tags: [] };
      return;
    }
    if (line.startsWith('#')) return;
    const cols = line.split('\t');
    if (cols.length !== 10) throw new DataFileError(`${file}:${i + 1}: expected 10 tab-separated CoNLL-U columns, found ${cols.length}`);
    if (!/^\d+$/.test(cols[0])) return; // 1-2 multi-word tokens, 1.1 empty nodes
    cur.words.push(cols[1]);
    cur.tags.push(cols[3]);
  });
  if (cur.words.length) out.push(cur);
  return out;
}

/**
 * A tagged file: CoNLL-U when its name ends in .conllu (or .conll) or its first line
 * (after comments) starts with a token id and a tab, else word/TAG lines;
 * with the line of each token (in the readers' order) for messages. An empty file is refused.
 */
export function readTaggedFile(path: string): { sentences: TaggedSentence[]; lines: number[]; format: 'conllu' | 'word/TAG' } {
  const text = readInput(path, 'utf8');
  const first = text.split('\n').find((l) => l.trim() && !l.startsWith('#'));
  const conllu = /\.conllu?$/i.test(path) || (first !== undefined && /^\d+([-.]\d+)?\t/.test(first));
  const sentences = conllu ? parseConllu(text, path) : parseSlashTagged(text, path);
  if (!sentences.length) throw new DataFileError(`${path}: no sentences (${text.trim() ? 'no token lines' : 'the file is empty'})`);
  const lines: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (conllu) { if (/^\d+\t/.test(l)) lines.push(i + 1); } else lines.push(...l.trim().split(/\s+/).filter(Boolean).map(() => i + 1));
  });
  return { sentences, lines, format: conllu ? 'conllu' : 'word/TAG' };
}
