// What a model config may say: every layer's options, the Sequential options and the
// model JSON envelope, as data for the validator (src/config/schema.ts). Sizes have
// upper bounds so that no size can overflow a kernel's i32 arithmetic (the memory a
// config needs is checked separately, src/config/footprint.ts).
import { CELL_NAMES } from '../cells/index.js';
import { any, arrayOf, bool, int, nullable, num, obj, oneOf, opt, req, str, type ObjectRule } from './schema.js';

/** The JSON form of a layer: its type and constructor options (what these schemas check). */
export interface LayerSpec {
  type: string;
  name?: string;
  [option: string]: unknown;
}

/** Largest size along any one dimension (vocabulary, width, units, features). */
export const MAX_DIM = 2 ** 24;
/** Largest stack of recurrent layers. */
export const MAX_LAYERS = 1024;
/** Longest sequence a model may accept (maxLength). */
export const MAX_LENGTH = 2 ** 24;

const size = int(1, MAX_DIM);
const rate = num(0, 1, { maxOpen: true });
// No dots: a parameter name is `${layer}.${param}`, so the layer part must be unambiguous.
// 'optimizer' and 'best' prefix a checkpoint's other tensors.
const name = str(/^(?!(optimizer|best)$)[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/,
  "a name of 1 to 64 letters, digits, '_' or '-' (no dots; not 'optimizer' or 'best')");

export const embeddingSchema: ObjectRule = obj({
  vocabSize: opt(size),
  dim: opt(size),
  fields: opt(arrayOf(obj({ vocabSize: req(size), dim: req(size) }), 1, 1024)),
  chars: opt(obj({ vocabSize: req(size), dim: req(size), hiddenSize: req(size), maxChars: req(int(1, 4096)) })),
  name: opt(name),
}, (o) => {
  if (o.fields !== undefined) return o.vocabSize !== undefined || o.dim !== undefined ? 'give either vocabSize and dim, or fields, not both' : undefined;
  if (o.vocabSize === undefined || o.dim === undefined) return `vocabSize = ${o.vocabSize} and dim = ${o.dim}: expected positive integers (or fields: [{ vocabSize, dim }, …])`;
});

const recurrentFields = {
  cell: req(oneOf(...CELL_NAMES)),
  hiddenSize: req(size),
  numLayers: opt(int(1, MAX_LAYERS)),
  bidirectional: opt(bool),
  merge: opt(oneOf('concat', 'sum', 'mean')),
  dropout: opt(rate),
  nonlinearity: opt(oneOf('tanh', 'relu')),
  resetBefore: opt(bool),
  bias: opt(bool),
  projSize: opt(int(0, MAX_DIM)),
  weightInit: opt(oneOf('default', 'xavier')),
  recurrentInit: opt(oneOf('default', 'orthogonal')),
  forgetBias: opt(nullable(num(-Infinity, Infinity))),
};

function cellRules(o: Record<string, unknown>): string | undefined {
  const p = o.projSize as number | undefined;
  if (p) {
    if (o.cell !== 'lstm') return 'projSize applies to the LSTM cell only';
    if (p >= (o.hiddenSize as number)) return `projSize = ${p} must be smaller than hiddenSize = ${o.hiddenSize} (as PyTorch's proj_size)`;
    if (o.recurrentInit === 'orthogonal') return "recurrentInit 'orthogonal' needs square gate blocks: not with projSize";
  }
  if (o.resetBefore && o.cell !== 'gru') return 'resetBefore applies to the GRU cell only';
  if (o.forgetBias !== undefined && o.forgetBias !== null && o.cell !== 'lstm') return 'forgetBias must be a finite number and applies to the LSTM cell only';
  if (o.forgetBias !== undefined && o.forgetBias !== null && o.bias === false) return 'forgetBias sets a bias: it needs bias: true';
}

/** The recurrent core (src/layers/recurrent.ts): the layer's options less its own, plus the input width. */
export const recurrentCoreSchema: ObjectRule = obj({ ...recurrentFields, inputSize: req(size) }, cellRules);

/** A Sequential recurrent layer (rnn / lstm / gru). */
export const recurrentSchema: ObjectRule = obj({
  ...recurrentFields, returnSequences: opt(bool), stateful: opt(bool), name: opt(name),
}, cellRules);

export const denseSchema: ObjectRule = obj({ units: req(size), init: opt(oneOf('default', 'xavier')), name: opt(name) });
export const dropoutSchema: ObjectRule = obj({ rate: req(rate), name: opt(name) });
export const poolingSchema: ObjectRule = obj({ mode: req(oneOf('last', 'mean', 'max')), name: opt(name) });

export const seq2seqSchema: ObjectRule = obj({
  sourceVocabSize: req(size),
  targetVocabSize: req(size),
  embeddingDim: req(size),
  hiddenSize: req(size),
  cell: opt(oneOf(...CELL_NAMES)),
  numLayers: opt(int(1, MAX_LAYERS)),
  dropout: opt(rate),
  embeddingDropout: opt(rate),
  outputDropout: opt(rate),
  bos: req(int(0, MAX_DIM)),
  eos: req(int(0, MAX_DIM)),
  seed: opt(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
  maxLength: opt(int(1, MAX_LENGTH)),
  attention: opt(oneOf('none', 'dot', 'general', 'bahdanau')),
  bidirectional: opt(bool),
});

export const sequentialOptionsSchema: ObjectRule = obj({
  loss: opt(oneOf('crossEntropy', 'mse')),
  inputFeatures: opt(int(0, MAX_DIM)),
  seed: opt(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
  maxLength: opt(int(1, MAX_LENGTH)),
});

/** The JSON a Sequential model serialises to (layers and options are checked by their own schemas). */
export const modelJSONSchema: ObjectRule = obj({
  format: req(oneOf('rnn-wasm/sequential')),
  version: req(int(1, 1)),
  layers: req(arrayOf(any, 1, 4096)),
  options: opt(any),
});
