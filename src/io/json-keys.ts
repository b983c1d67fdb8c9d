// JSON.parse keeps the last of two equal keys in an object, so a damaged or crafted
// header could say one thing to us and another to a reader that keeps the first.
// This scan of already-validated JSON text finds the first key that repeats within
// one object (keys compared after unescaping, so "a" and "\u0061" are the same).
import { WeightFileError } from '../errors.js';

export interface DuplicateKey {
  key: string;
  /** The key of the object it is in; undefined at the top level or inside an array. */
  parent?: string;
}

/** The first repeated key in `text`, which must be valid JSON (parse it first). */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: ({ keys: Set<string>; name?: string } | null)[] = [];
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) { // "
      let j = i + 1, escaped = false;
      while (text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) { escaped = true; j++; }
        j++;
      }
      let k = j + 1;
      while (k < text.length && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
      if (text[k] === ':') {
        const key: string = escaped ? JSON.parse(text.slice(i, j + 1)) : text.slice(i + 1, j);
        const top = stack[stack.length - 1];
        if (top) {
          if (top.keys.has(key)) return { key, parent: top.name };
          top.keys.add(key);
        }
        lastKey = key;
      }
      i = j;
    } else if (ch === 0x7b) { // {
      const parent = stack[stack.length - 1];
      stack.push({ keys: new Set(), name: parent ? lastKey : undefined });
    } else if (ch === 0x5b) { // [
      stack.push(null);
    } else if (ch === 0x7d || ch === 0x5d) { // } ]
      stack.pop();
    }
  }
  return undefined;
}

/**
 * Parses one JSON metadata value of a model file: not JSON, or a key repeated inside
 * an object (which JSON.parse would settle silently), is a WeightFileError naming `what`.
 */
export function parseMetadataJSON(text: string, what: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WeightFileError(`${what} is not JSON (${(e as Error).message})`);
  }
  // JSON.stringify writes NaN and ±Infinity as null, so an infinite number (a literal such as 1e999) is damage.
  const bad = findNonFinite(json);
  if (bad !== undefined) throw new WeightFileError(`${what} holds a number out of the double range at ${bad || 'the top'}: a damaged file`);
  const dup = findDuplicateKey(text);
  if (dup) throw new WeightFileError(`${what} repeats the key ${JSON.stringify(dup.key.slice(0, 40))}${dup.parent !== undefined ? ` in ${JSON.stringify(dup.parent.slice(0, 40))}` : ''}: a damaged file (each key once)`);
  return json;
}

/** The path of the first non-finite number in parsed JSON, or undefined. */
function findNonFinite(v: unknown, path = ''): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (!v || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v)) {
    const p = findNonFinite(x, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}
