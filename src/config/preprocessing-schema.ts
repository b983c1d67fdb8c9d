// What a model file's preprocessing ('rnn-wasm.preprocessing') may say, as data for
// the validator (src/config/schema.ts): the tokenizer, one vocabulary per embedding
// field with the token feature it encodes, the characters, class names, the task.
import { arrayOf, bool, int, obj, oneOf, opt, req, str, type ObjectRule } from './schema.js';
import { MAX_DIM } from './layer-schemas.js';

const text = str(/^[\s\S]{0,1024}$/, 'a string of at most 1024 characters');
const vocabulary = obj({ tokens: req(arrayOf(text, 1, MAX_DIM)), unk: req(text) });

export const preprocessingSchema: ObjectRule = obj({
  tokenizer: req(obj({ type: req(oneOf('words', 'characters', 'whitespace')), lowercase: opt(bool) })),
  fields: req(arrayOf(obj({
    feature: req(oneOf('token', 'suffix', 'prefix', 'shape')), lowercase: opt(bool), length: opt(int(1, 64)), vocabulary: req(vocabulary),
  }), 1, 1024)),
  chars: opt(obj({ vocabulary: req(vocabulary), maxChars: req(int(1, 4096)) })),
  labels: opt(arrayOf(text, 1, MAX_DIM)),
  task: opt(oneOf('tag', 'classify', 'lm')),
});
