// Which model kind a file holds, by its config's `format`, and how to rebuild it:
// what lets a checkpoint of any Trainable — Sequential, Seq2Seq, a user's own model
// registered here — come back from its file.
import type { Runtime } from '../runtime/runtime.js';
import type { Trainable } from '../model/trainable.js';
import { Sequential } from '../model/sequential.js';
import { Seq2Seq } from '../model/seq2seq.js';
import { ArgumentError, ConfigError } from '../errors.js';

/** Rebuilds a model from its toJSON(); `initialise: false` when every weight is about to be loaded. */
export type ModelFromJSON = (rt: Runtime, json: unknown, initialise: boolean) => Trainable;

/** A model class, to say which kind a loader must return. */
export type ModelClass<M extends Trainable> = abstract new (...args: never[]) => M;

const kinds = new Map<string, ModelFromJSON>([
  ['rnn-wasm/sequential', (rt, json, initialise) => Sequential.fromJSON(rt, json, initialise)],
  ['rnn-wasm/seq2seq', (rt, json) => Seq2Seq.fromJSON(rt, json)],
]);

/** Makes checkpoints (and model files) of your own Trainable loadable: `format` is what its toJSON() says. */
export function registerModelKind(format: string, fromJSON: ModelFromJSON): void {
  if (typeof format !== 'string' || !format || typeof fromJSON !== 'function') throw new ArgumentError('registerModelKind(format, fromJSON) needs a format string and a function');
  kinds.set(format, fromJSON);
}

/** The model a config describes; ConfigError for a kind nobody registered. */
export function modelFromJSON(rt: Runtime, json: unknown, initialise: boolean): Trainable {
  const format = (json as { format?: unknown } | null)?.format;
  const fromJSON = typeof format === 'string' ? kinds.get(format) : undefined;
  if (!fromJSON) {
    throw new ConfigError(`unknown model kind ${JSON.stringify(format)?.slice(0, 60)}: expected one of ${[...kinds.keys()].join(', ')} (register your own with registerModelKind)`);
  }
  return fromJSON(rt, json, initialise);
}
