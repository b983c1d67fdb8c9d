// Tokenisers: characters (Unicode code points, not UTF-16 halves) and words
// (runs of letters, digits, apostrophes and hyphens inside words; each other
// non-space character on its own).

export function characters(text: string): string[] {
  return Array.from(text);
}

export function words(text: string, options: { lowercase?: boolean } = {}): string[] {
  const t = options.lowercase ? text.toLowerCase() : text;
  return t.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}
