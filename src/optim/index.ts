import { Sgd, type SgdOptions } from './sgd.js';
import { Adam, type AdamOptions } from './adam.js';
import { Rmsprop, type RmspropOptions } from './rmsprop.js';
import { Adagrad, type AdagradOptions } from './adagrad.js';

import { Optimizer } from './optimizer.js';
import { ConfigError } from '../errors.js';
export { Optimizer };
export { Sgd, Adam, Rmsprop, Adagrad };
export type { SgdOptions, AdamOptions, RmspropOptions, AdagradOptions };
export { gradNorm, clipGradNorm, clipGradValue } from './clip.js';

export const sgd = (o: SgdOptions): Sgd => new Sgd(o);
export const adam = (o?: AdamOptions): Adam => new Adam(o);
/** AdamW: Adam with decoupled weight decay (default 0.01, as torch.optim.AdamW). */
export const adamw = (o?: AdamOptions): Adam => new Adam(o, true);
export const rmsprop = (o?: RmspropOptions): Rmsprop => new Rmsprop(o);
export const adagrad = (o?: AdagradOptions): Adagrad => new Adagrad(o);
export * from './schedules.js';

/** Rebuilds an optimizer from its spec() JSON. */
export function fromSpec(spec: { type: string; [option: string]: unknown }): Optimizer {
  const { type, ...o } = spec ?? ({} as { type: string });
  switch (type) {
    case 'sgd': return new Sgd(o as unknown as SgdOptions);
    case 'adam': return new Adam(o as AdamOptions);
    case 'adamw': return new Adam(o as AdamOptions, true);
    case 'rmsprop': return new Rmsprop(o as RmspropOptions);
    case 'adagrad': return new Adagrad(o as AdagradOptions);
    default: throw new ConfigError(`unknown optimizer type '${String(type)}': expected sgd, adam, adamw, rmsprop or adagrad`);
  }
}
