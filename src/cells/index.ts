// The cell table: every recurrent cell by its config name.
import type { Cell, CellType } from './cell.js';
import { rnnCell } from './rnn.js';
import { lstmCell } from './lstm.js';
import { gruCell } from './gru.js';

export type { Cell, CellOptions, CellParameter, CellType, CellWorkspace, PackedOperand } from './cell.js';

export const CELLS: Readonly<Record<CellType, Cell>> = { rnn: rnnCell, lstm: lstmCell, gru: gruCell };

/** Every cell's config name, in the table's order. */
export const CELL_NAMES = Object.keys(CELLS) as CellType[];

export function isCellType(name: unknown): name is CellType {
  return typeof name === 'string' && Object.hasOwn(CELLS, name);
}
