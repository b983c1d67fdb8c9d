// A token ↔ id mapping with reserved special tokens (by default <pad> = 0, <unk> = 1),
// built from a corpus with a frequency cut-off and an optional size limit.
import { ConfigError } from '../errors.js';

export interface VocabularyOptions {
  /** Tokens seen fewer times are left out (they encode as <unk>). Default 1. */
  minFrequency?: number;
  /** Keep at most this many tokens, specials included, most frequent first. */
  maxSize?: number;
  /** Reserved tokens at the first ids. Default ['<pad>', '<unk>']; must include unk. */
  specials?: string[];
  /** The unknown token. Default '<unk>'. */
  unk?: string;
}

export class Vocabulary {
  readonly tokens: string[];
  readonly unk: string;
  private readonly ids = new Map<string, number>();

  constructor(tokens: string[], unk = '<unk>') {
    if (new Set(tokens).size !== tokens.length) throw new ConfigError('vocabulary tokens must be distinct');
    if (!tokens.includes(unk)) throw new ConfigError(`the vocabulary must contain its unknown token '${unk}'`);
    this.tokens = [...tokens];
    this.unk = unk;
    this.tokens.forEach((t, i) => this.ids.set(t, i));
  }

  /** Counts tokens, drops rare ones, sorts by frequency (ties: first appearance) after the specials. */
  static build(sequences: Iterable<Iterable<string>>, o: VocabularyOptions = {}): Vocabulary {
    const counts = new Map<string, number>();
    for (const s of sequences) for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
    return Vocabulary.fromCounts(counts, o);
  }

  /**
   * From token counts (a Map in order of first appearance), as build() would make it
   * from the corpus they were counted over: rare ones dropped, by frequency after the specials.
   */
  static fromCounts(counts: ReadonlyMap<string, number>, o: VocabularyOptions = {}): Vocabulary {
    const specials = o.specials ?? ['<pad>', '<unk>'];
    const unk = o.unk ?? '<unk>';
    const minFrequency = o.minFrequency ?? 1;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new ConfigError(`minFrequency = ${minFrequency} is invalid: expected a positive integer`);
    if (o.maxSize !== undefined && (!Number.isInteger(o.maxSize) || o.maxSize < specials.length)) {
      throw new ConfigError(`maxSize = ${o.maxSize} is invalid: expected an integer ≥ ${specials.length} (the specials)`);
    }
    const kept = [...counts.entries()].filter(([t, c]) => c >= minFrequency && !specials.includes(t));
    kept.sort((a, b) => b[1] - a[1]); // stable: ties keep first appearance
    let tokens = [...specials, ...kept.map(([t]) => t)];
    if (o.maxSize !== undefined) tokens = tokens.slice(0, o.maxSize);
    return new Vocabulary(tokens, unk);
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** Id of a token; unknown tokens map to the unknown token's id. */
  id(token: string): number {
    return this.ids.get(token) ?? this.ids.get(this.unk)!;
  }

  encode(seq: readonly string[]): number[] {
    return seq.map((t) => this.id(t));
  }

  decode(ids: readonly number[]): string[] {
    return ids.map((i) => this.tokens[i] ?? this.unk);
  }

  toJSON(): { tokens: string[]; unk: string } {
    return { tokens: this.tokens, unk: this.unk };
  }

  static fromJSON(j: { tokens: string[]; unk: string }): Vocabulary {
    return new Vocabulary(j.tokens, j.unk);
  }
}
