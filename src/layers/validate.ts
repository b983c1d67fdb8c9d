import { ConfigError } from '../errors.js';

export function positiveInt(layer: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ConfigError(`${layer}: ${name} = ${String(v)} is invalid: expected a positive integer`);
  }
}

export function rate(layer: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ConfigError(`${layer}: ${name} = ${String(v)} is invalid: expected a number in [0, 1)`);
}
