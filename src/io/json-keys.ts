// JSON.parse keeps the last of two equal keys in an object, so a damaged or crafted
// header could say one thing to us and another to a reader that keeps the first.
// This scan of already-validated JSON text finds the first key that repeats within
// one object (keys compared after unescaping, so "a" and "\u0061" are the same).

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
