import { Sgd, type SgdOptions } from './sgd.js';
import { Adam, type AdamOptions } from './adam.js';

export { Optimizer } from './optimizer.js';
export { Sgd, Adam };
export type { SgdOptions, AdamOptions };
export { gradNorm, clipGradNorm, clipGradValue } from './clip.js';

export const sgd = (o: SgdOptions): Sgd => new Sgd(o);
export const adam = (o?: AdamOptions): Adam => new Adam(o);
/** AdamW: Adam with decoupled weight decay (default 0.01, as torch.optim.AdamW). */
export const adamw = (o?: AdamOptions): Adam => new Adam(o, true);
