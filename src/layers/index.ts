// Layer factories (the `layers` namespace) and the JSON → layer mapping.
import { Embedding, type EmbeddingOptions } from './embedding.js';
import { RecurrentLayer, type RecurrentOptions } from './recurrent-layer.js';
import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { Pooling, type PoolingOptions } from './pooling.js';
import type { Layer, LayerSpec } from './layer.js';
import { ConfigError } from '../errors.js';
import { show } from '../config/schema.js';
import { CELL_NAMES, isCellType } from '../cells/index.js';

export { Layer, type LayerSpec, type Activation, type Context, type ShapeInfo } from './layer.js';
export { Embedding, RecurrentLayer, Dense, Dropout, Pooling };
export type { EmbeddingOptions, RecurrentOptions, DenseOptions, DropoutOptions, PoolingOptions };

type CellOptions = Omit<RecurrentOptions, 'cell'>;

export const embedding = (o: EmbeddingOptions): Embedding => new Embedding(o);
export const rnn = (o: CellOptions): RecurrentLayer => new RecurrentLayer({ ...o, cell: 'rnn' });
export const lstm = (o: CellOptions): RecurrentLayer => new RecurrentLayer({ ...o, cell: 'lstm' });
export const gru = (o: CellOptions): RecurrentLayer => new RecurrentLayer({ ...o, cell: 'gru' });
export const dense = (o: DenseOptions): Dense => new Dense(o);
export const dropout = (o: DropoutOptions): Dropout => new Dropout(o);
export const pooling = (o: PoolingOptions): Pooling => new Pooling(o);

/** Re-creates a layer from its spec() JSON; the layer's constructor validates the options against its schema. */
export function layerFromSpec(spec: LayerSpec): Layer {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new ConfigError(`a layer spec must be an object with a type, got ${show(spec)}`);
  const { type, ...o } = spec;
  switch (type) {
    case 'embedding': return new Embedding(o as unknown as EmbeddingOptions);
    case 'dense': return new Dense(o as unknown as DenseOptions);
    case 'dropout': return new Dropout(o as unknown as DropoutOptions);
    case 'pooling': return new Pooling(o as unknown as PoolingOptions);
    default:
      if (isCellType(type)) {
        // spec() writes the cell twice (type and cell); a file where they differ is damaged.
        if (o.cell !== undefined && o.cell !== type) throw new ConfigError(`a '${type}' layer spec says cell = ${show(o.cell)}: expected '${type}' or no cell`);
        return new RecurrentLayer({ ...(o as unknown as CellOptions), cell: type });
      }
      throw new ConfigError(`unknown layer type ${show(type)}: expected embedding, ${CELL_NAMES.join(', ')}, dense, dropout or pooling`);
  }
}
