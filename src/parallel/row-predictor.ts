// What Node's ParallelPredictor and the browsers' WebPredictor share: the model check,
// the weights published to the workers (copied only when they changed), the row
// methods run in shares (predictInShares), and worker errors turned back into the
// library's typed errors. Each subclass starts and stops its own kind of worker.
import { isDataParallel } from '../model/data-parallel.js';
import type { Trainable } from '../model/trainable.js';
import type { ModelInput } from '../model/sequential.js';
import type { BeamOptions } from '../model/seq2seq.js';
import * as errors from '../errors.js';
import { ROW_METHODS, predictInShares, sameWeights, type RowMethod, type RowWorker } from './predict-protocol.js';

/** A model whose rows a predictor runs: a Sequential or Seq2Seq (any model kind that implements DataParallel). */
export type PredictableModel = Trainable & { parametersChanged(): void };

const typedErrors: Record<string, new (message: string) => Error> = {
  NonFiniteError: errors.NonFiniteError, ShapeError: errors.ShapeError, TokenIdError: errors.TokenIdError,
  ConfigError: errors.ConfigError, ArgumentError: errors.ArgumentError, DisposedError: errors.DisposedError,
  WasmLoadError: errors.WasmLoadError,
};

/** A worker's error message as the typed error it was thrown as there. */
export function remoteError(m: { name?: string; message?: string }): Error {
  const E = (m.name && typedErrors[m.name]) || Error;
  return new E(`prediction worker: ${m.message ?? 'failed without a message'}`);
}

/** Refuses a batch size or a model that a predictor cannot run in row shares. */
export function checkPredictable(who: string, model: Trainable, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new errors.ConfigError(`batchSize = ${batchSize} is invalid: expected a positive integer`);
  if (!isDataParallel(model)) {
    const name = (model as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'model';
    throw new errors.ConfigError(`${who} needs a model whose replicas can be rebuilt in workers (a Sequential, a Seq2Seq: a kind that implements DataParallel); this ${name} is not one: call its own predict`);
  }
  const refusal = model.parallelRefusal();
  if (refusal) throw new errors.ConfigError(refusal.replace('cannot be split across threads', 'cannot be predicted in row shares'));
  // Training cuts a stateful model's streams the same way every batch; a predict call's rows are sorted and cut anew, and replicas would not carry the model's states.
  if (model.stateResets?.() !== undefined) throw new errors.ConfigError(`${who}: a stateful model carries each row's state from call to call and cannot be predicted in row shares: call its own predict`);
}

export abstract class RowPredictor<W extends RowWorker> {
  /** Threads in use, the calling thread included (fewer than asked where workers could not start: see fallbackReason). */
  threads = 1;
  /** Why fewer threads run than were asked for. */
  fallbackReason?: string;

  protected workers: W[] = [];
  /** The weights the workers read (set once the workers start). */
  protected shared?: Float32Array;
  protected nextId = 1;
  protected closed = false;
  private version = 0;
  private lastWeights?: Float32Array;

  protected constructor(readonly model: PredictableModel, protected readonly batchSize: number, private readonly who: string) {}

  /** Publishes the weights to the workers when they changed since the last call; returns their version. */
  private publish(): number {
    const w = this.model.params.f32();
    if (!this.lastWeights || !sameWeights(this.lastWeights, w)) {
      this.shared!.set(w);
      this.lastWeights = w.slice();
      this.version++;
    }
    return this.version;
  }

  /** Runs a row-wise method of the model over `rows` on every thread; results in the rows' order. */
  async run(method: RowMethod, rows: readonly unknown[], ...args: unknown[]): Promise<unknown[]> {
    if (this.closed) throw new errors.ConfigError(`this ${this.who} was closed`);
    if (!ROW_METHODS.includes(method)) throw new errors.ConfigError(`method ${JSON.stringify(method)} is invalid: expected one of ${ROW_METHODS.join(', ')}`);
    if (!Array.isArray(rows)) throw new errors.ArgumentError(`${method}: expected an array of rows, got ${errors.describeValue(rows)}`);
    return predictInShares(this.model, method, rows, args, this.batchSize, this.workers, () => this.publish());
  }

  /** model.predict over many rows (classes, or values for MSE models), on every thread. */
  predict(inputs: readonly ModelInput[]): Promise<number[][] | number[] | number[][][]> {
    return this.run('predict', inputs) as Promise<number[][] | number[] | number[][][]>;
  }

  /** model.predictOutputs over many rows (probabilities or values), on every thread. */
  predictOutputs(inputs: readonly ModelInput[]): Promise<number[][][] | number[][]> {
    return this.run('predictOutputs', inputs) as Promise<number[][][] | number[][]>;
  }

  /** A Seq2Seq's translate over many sources, on every thread. */
  translate(sources: number[][], options: BeamOptions = {}): Promise<number[][]> {
    // translate's default maxLength is the whole call's (2 × its longest source + 5), not each share's.
    const longest = Array.isArray(sources) ? Math.max(1, ...sources.map((s) => (Array.isArray(s) ? s.length : 0))) : 1;
    return this.run('translate', sources, { maxLength: 2 * longest + 5, ...options }) as Promise<number[][]>;
  }
}
