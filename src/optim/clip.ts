import { requireFinite } from './optimizer.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Region } from '../runtime/memory-planner.js';

/** Global L2 norm of a gradient buffer (accumulated in f64). */
export function gradNorm(rt: Runtime, grads: Region): number {
  return Math.sqrt(rt.kernels.sumSquares(grads.ptr, grads.length));
}

/**
 * Scales grads so their global norm is at most maxNorm, as
 * torch.nn.utils.clip_grad_norm_ does (coefficient maxNorm / (norm + 1e-6)).
 * Returns the norm before clipping; pass `norm` when it is already known.
 */
export function clipGradNorm(rt: Runtime, grads: Region, maxNorm: number, norm = gradNorm(rt, grads)): number {
  requireFinite('clipNorm', maxNorm, 0, Infinity, true);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) rt.kernels.scaleInPlace(grads.ptr, grads.length, coef);
  return norm;
}

/** Clamps every gradient element to [−clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(rt: Runtime, grads: Region, clipValue: number): void {
  requireFinite('clipValue', clipValue, 0, Infinity, true);
  rt.kernels.clampInPlace(grads.ptr, grads.length, -clipValue, clipValue);
}
