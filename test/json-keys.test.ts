// The repeated-key scan behind the strict safetensors header: keys compared after
// unescaping, per object (the same key in two objects is fine), and never fooled by
// strings that contain quotes, colons or braces.
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../src/io/json-keys.js';

describe('findDuplicateKey', () => {
  const cases: [string, { key: string; parent?: string } | undefined][] = [
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', { key: 'a', parent: undefined }],
    ['{"x":{"a":1},"y":{"a":1}}', undefined],
    ['{"x":{"a":1,"b":{"c":1},"a":2}}', { key: 'a', parent: 'x' }],
    ['{"x":{"b":{"c":1,"c":2}}}', { key: 'c', parent: 'b' }],
    ['{"a":"\\"a\\":","b":"{\\"a\\":1}","c":[":","a"]}', undefined],
    ['{"a\\"b":1,"a\\u0022b":2}', { key: 'a"b', parent: undefined }],
    ['{"\\\\":1,"\\u005c":2}', { key: '\\', parent: undefined }],
    ['[{"a":1},{"a":2}]', undefined],
    ['[{"a":1,"a":2}]', { key: 'a', parent: undefined }],
    ['{"l":[{"a":1}],"a":2}', undefined],
    [' { "a" : 1 ,\n\t"a"\r\n: 2 } ', { key: 'a', parent: undefined }],
    ['"a"', undefined],
    ['{}', undefined],
  ];
  for (const [text, want] of cases) {
    it(`${text.trim()} → ${want ? `"${want.key}" repeated` : 'no repeat'}`, () => {
      JSON.parse(text); // every case is valid JSON
      expect(findDuplicateKey(text)).toEqual(want);
    });
  }
});
