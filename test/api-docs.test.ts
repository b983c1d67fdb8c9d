// docs/api is the API reference TypeDoc generates from the doc comments (npm run docs).
// It is committed so the README can link to it; this test fails when it falls behind
// the code: every export of every entry, and every public member of Sequential, must
// have its heading there.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as index from '../src/index.js';
import * as inference from '../src/inference.js';
import * as node from '../src/node/index.js';
import * as onnx from '../src/onnx.js';
import * as keras from '../src/keras.js';
import { Sequential } from '../src/index.js';

const api = join(import.meta.dirname, '../docs/api');
const read = (...parts: string[]) => readFileSync(join(api, ...parts), 'utf8');
const docs = {
  index: [read('index/README.md'), ...readdirSync(join(api, 'index/namespaces')).map((f) => read('index/namespaces', f))].join('\n'),
  inference: read('inference.md'),
  node: read('node.md'),
  onnx: read('onnx.md'),
  keras: read('keras.md'),
};
// A heading for a class, function, type or member (Markdown escapes its underscores); a namespace is a link to its own page.
const heading = (text: string, name: string) =>
  new RegExp(`^#{2,6} ${name.replace(/_/g, '\\\\?_')}(\\(\\))?$`, 'm').test(text) || text.includes(`- [${name}](namespaces/${name}.md)`);

describe('the API reference (docs/api) is current — regenerate with npm run docs', () => {
  for (const [entry, mod] of [['index', index], ['inference', inference], ['onnx', onnx], ['keras', keras]] as const) {
    it(`documents every export of rnn-wasm${entry === 'index' ? '' : `/${entry}`}`, () => {
      const missing = Object.keys(mod).filter((k) => !heading(docs[entry], k));
      expect(missing).toEqual([]);
    });
  }

  it('documents what rnn-wasm/node adds (it re-exports the rest)', () => {
    const own = Object.keys(node).filter((k) => !(k in index));
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((k) => !heading(docs.node, k))).toEqual([]);
  });

  it('documents every public member of Sequential', () => {
    const members = Object.getOwnPropertyNames(Sequential.prototype).filter((k) => k !== 'constructor' && !k.startsWith('_'));
    const section = docs.index.slice(docs.index.indexOf('### Sequential'));
    // Private members are not documented: the declarations say which they are.
    const dts = readFileSync(join(import.meta.dirname, '../dist/model/sequential.d.ts'), 'utf8');
    const hidden = [...dts.matchAll(/^\s+private (?:readonly )?(\w+)/gm)].map((m) => m[1]);
    const missing = members.filter((k) => !hidden.includes(k) && !heading(section, k));
    expect(missing).toEqual([]);
  });
});
