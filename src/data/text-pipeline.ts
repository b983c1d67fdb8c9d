// A model's preprocessing, saved in its model file so that a model trained on text
// predicts on raw strings anywhere: how text becomes tokens (the tokenizer), how each
// token becomes the ids of every embedding field (its vocabulary, and which feature
// of the token: the token itself, a suffix, a prefix, its shape), the characters of
// each token for an embedding's character BiLSTM, and the names of the classes.
import { ConfigError } from '../errors.js';
import { Vocabulary } from './vocabulary.js';
import { characters, words } from './tokenize.js';

/** Distinct tokens whose ids encode() keeps (emptied when full: a bound on its memory). */
const ENCODE_CACHE_SIZE = 1 << 17;

export type TokenizerType = 'words' | 'characters' | 'whitespace';
export type TokenFeature = 'token' | 'suffix' | 'prefix' | 'shape';

export interface VocabularyJSON { tokens: string[]; unk: string }

export interface FieldJSON {
  /** Which feature of the token this field encodes. Default 'token'. */
  feature: TokenFeature;
  /** Lower-case the token first. Default false. */
  lowercase?: boolean;
  /** Characters kept by 'suffix' / 'prefix'. */
  length?: number;
  vocabulary: VocabularyJSON;
}

export interface PreprocessingJSON {
  tokenizer: { type: TokenizerType; lowercase?: boolean };
  /** One per embedding field, in order. */
  fields: FieldJSON[];
  /** For an embedding with `chars`: each token's last maxChars characters, padded with id 0. */
  chars?: { vocabulary: VocabularyJSON; maxChars: number };
  /** Class names: labels[i] names class i. A language model's classes are fields[0]'s tokens. */
  labels?: string[];
  /** 'lm': the model predicts the next token (its classes are the vocabulary). */
  task?: 'tag' | 'classify' | 'lm';
}

/** The simple form saveModel takes: one vocabulary, a tokenizer, class names. */
export interface PreprocessingOptions {
  vocabulary?: Vocabulary;
  tokenizer?: TokenizerType | { type: TokenizerType; lowercase?: boolean };
  labels?: readonly string[];
  task?: PreprocessingJSON['task'];
}

/** A token's coarse shape (punct, number, caps, capitalised, lower, …): evidence for unknown words. */
export function wordShape(w: string): string {
  if (/^\p{P}+$/u.test(w)) return 'punct';
  if (/\d/.test(w)) return /^[\d.,:/-]+$/.test(w) ? 'number' : 'has-digit';
  if (w.includes('-')) return 'hyphen';
  if (w === w.toUpperCase() && /\p{L}/u.test(w)) return w.length > 1 ? 'caps' : 'cap1';
  if (/^\p{Lu}/u.test(w)) return 'capitalised';
  return 'lower';
}

export class TextPipeline {
  readonly fields: { spec: FieldJSON; vocabulary: Vocabulary }[];
  readonly chars?: { vocabulary: Vocabulary; maxChars: number };

  constructor(readonly json: PreprocessingJSON) {
    this.fields = json.fields.map((spec) => ({ spec, vocabulary: Vocabulary.fromJSON(spec.vocabulary) }));
    if (json.chars) this.chars = { vocabulary: Vocabulary.fromJSON(json.chars.vocabulary), maxChars: json.chars.maxChars };
  }

  /** From the simple options: one field, the tokens through `vocabulary`. */
  static fromOptions(o: PreprocessingOptions): TextPipeline {
    if (!(o.vocabulary instanceof Vocabulary)) throw new ConfigError('preprocessing needs a vocabulary (a Vocabulary) to turn text into token ids');
    const t = o.tokenizer ?? 'words';
    const tokenizer = typeof t === 'string' ? { type: t } : t;
    return new TextPipeline({
      tokenizer, fields: [{ feature: 'token', vocabulary: o.vocabulary.toJSON() }],
      ...(o.labels ? { labels: [...o.labels] } : {}), ...(o.task ? { task: o.task } : {}),
    });
  }

  /** The text's tokens, as the model was trained on them. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new ConfigError(`expected a text string, got ${typeof text}`);
    const { type, lowercase } = this.json.tokenizer;
    const t = lowercase ? text.toLowerCase() : text;
    if (type === 'characters') return characters(t);
    if (type === 'whitespace') return t.split(/\s+/u).filter(Boolean);
    return words(t);
  }

  /** Token ids: one per token (one field, no characters), else [fields…, characters…] per token. */
  encode(tokens: readonly string[]): number[] | number[][] {
    const single = this.fields.length === 1 && !this.chars;
    const perToken = tokens.map((tok) => {
      // A corpus repeats its words (1.2 M tokens, 56 k distinct in Brown): each distinct one's features are computed once.
      let ids = this.encoded.get(tok);
      if (!ids) {
        ids = this.encodeToken(tok);
        if (this.encoded.size >= ENCODE_CACHE_SIZE) this.encoded.clear();
        this.encoded.set(tok, ids);
      }
      return single ? ids : ids.slice(); // per-token arrays: the caller's own copies
    });
    return single ? perToken.map((ids) => ids[0]) : perToken;
  }

  private readonly encoded = new Map<string, number[]>();

  private encodeToken(tok: string): number[] {
    const ids = this.fields.map(({ spec, vocabulary }) => vocabulary.id(tokenFeature(spec, tok)));
    if (this.chars) {
      const { vocabulary, maxChars } = this.chars;
      const cs = Array.from(tok).slice(-maxChars).map((c) => vocabulary.id(c));
      while (cs.length < maxChars) cs.push(0);
      ids.push(...cs);
    }
    return ids;
  }

  /** Name of class i: its label, a language model's token, or the number. */
  label(i: number): string {
    if (this.json.labels) return this.json.labels[i] ?? String(i);
    if (this.json.task === 'lm') return this.fields[0].vocabulary.tokens[i] ?? String(i);
    return String(i);
  }

  /** Joins generated tokens back into text (characters: directly; words: with spaces). */
  join(tokens: readonly string[]): string {
    return tokens.join(this.json.tokenizer.type === 'characters' ? '' : ' ');
  }

  toJSON(): PreprocessingJSON {
    return this.json;
  }
}

/** The string a field encodes for a token (its vocabulary maps it to an id). */
export function tokenFeature(f: Omit<FieldJSON, 'vocabulary'>, token: string): string {
  const t = f.lowercase ? token.toLowerCase() : token;
  switch (f.feature) {
    case 'suffix': return t.slice(-(f.length ?? 3));
    case 'prefix': return t.slice(0, f.length ?? 3);
    case 'shape': return wordShape(t);
    default: return t;
  }
}
