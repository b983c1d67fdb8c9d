// A token ↔ id mapping with a reserved unknown token (id 0).
export class Vocabulary {
  static readonly UNK = '<unk>';
  readonly tokens: string[] = [Vocabulary.UNK];
  private readonly ids = new Map<string, number>([[Vocabulary.UNK, 0]]);

  /** Every distinct token in order of first appearance (after <unk>). */
  static fromSequences(seqs: Iterable<Iterable<string>>): Vocabulary {
    const v = new Vocabulary();
    for (const s of seqs) for (const t of s) v.add(t);
    return v;
  }

  add(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.tokens.push(token);
      this.ids.set(token, id);
    }
    return id;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Id of a token; unknown tokens map to <unk> (0). */
  id(token: string): number {
    return this.ids.get(token) ?? 0;
  }

  encode(seq: readonly string[]): number[] {
    return seq.map((t) => this.id(t));
  }

  decode(ids: readonly number[]): string[] {
    return ids.map((i) => this.tokens[i] ?? Vocabulary.UNK);
  }
}
