import { Sgd, type SgdOptions } from './sgd.js';
import { Adam, type AdamOptions } from './adam.js';
import { Rmsprop, type RmspropOptions } from './rmsprop.js';
import { Adagrad, type AdagradOptions } from './adagrad.js';

export { Optimizer } from './optimizer.js';
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
