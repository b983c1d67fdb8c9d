// The one validator for configs and checkpoint metadata. Schemas are plain data
// (src/config/*-schemas.ts declare them); check() walks a value against one and
// throws ConfigError naming the path, the value and what was expected. Only known
// keys pass: an unknown key is refused with the nearest known one suggested, so a
// misspelt option never falls back to its default silently.
import { ConfigError } from '../errors.js';
import { editDistance } from '../data/edit-distance.js';

export type Rule =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'number'; min: number; max: number; minOpen?: boolean; maxOpen?: boolean; nonFinite?: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string'; pattern: RegExp; describe: string }
  | { kind: 'array'; items: Rule; minLength: number; maxLength: number }
  | { kind: 'record'; values: Rule; maxKeys: number }
  | { kind: 'nullable'; rule: Rule }
  | { kind: 'any' }
  | ObjectRule;

export interface ObjectRule {
  kind: 'object';
  fields: Record<string, Field>;
  /** Rules across fields; returns a message when the object breaks one. */
  refine?: (o: Record<string, unknown>) => string | undefined;
}

export interface Field {
  rule: Rule;
  optional: boolean;
}

export const int = (min: number, max: number): Rule => ({ kind: 'int', min, max });
export const num = (min: number, max: number, open: { minOpen?: boolean; maxOpen?: boolean } = {}): Rule => ({ kind: 'number', min, max, ...open });
/** Any number, NaN and ±Infinity included (a recorded metric that diverged). */
export const anyNumber: Rule = { kind: 'number', min: -Infinity, max: Infinity, nonFinite: true };
export const bool: Rule = { kind: 'boolean' };
/** Anything; checked later by a schema chosen from the value (a layer spec by its type). */
export const any: Rule = { kind: 'any' };
export const oneOf = (...values: string[]): Rule => ({ kind: 'enum', values });
export const str = (pattern: RegExp, describe: string): Rule => ({ kind: 'string', pattern, describe });
export const arrayOf = (items: Rule, minLength: number, maxLength: number): Rule => ({ kind: 'array', items, minLength, maxLength });
export const recordOf = (values: Rule, maxKeys: number): Rule => ({ kind: 'record', values, maxKeys });
export const nullable = (rule: Rule): Rule => ({ kind: 'nullable', rule });
export const req = (rule: Rule): Field => ({ rule, optional: false });
export const opt = (rule: Rule): Field => ({ rule, optional: true });
export const obj = (fields: Record<string, Field>, refine?: ObjectRule['refine']): ObjectRule => ({ kind: 'object', fields, refine });

/**
 * Checks `value` against `rule`; `where` names the thing for messages ("options",
 * "lstm", "training metadata"). Returns the value with undefined-valued keys dropped (they
 * mean "the default", as before), so callers can spread it over defaults.
 */
export function check<T>(rule: Rule, value: unknown, where: string): T {
  return walk(rule, value, where, '') as T;
}

function walk(rule: Rule, v: unknown, where: string, path: string): unknown {
  const fail = (): never => {
    throw new ConfigError(`${where}: ${path ? `${path} = ` : ''}${show(v)} is invalid: expected ${describe(rule)}`);
  };
  switch (rule.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < rule.min || v > rule.max) fail();
      return v;
    case 'number':
      if (typeof v !== 'number' || (!rule.nonFinite && !Number.isFinite(v)) || v < rule.min || v > rule.max
        || (rule.minOpen && v === rule.min) || (rule.maxOpen && v === rule.max)) fail();
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') fail();
      return v;
    case 'enum':
      if (typeof v !== 'string' || !rule.values.includes(v)) fail();
      return v;
    case 'string':
      if (typeof v !== 'string' || !rule.pattern.test(v)) fail();
      return v;
    case 'any':
      return v;
    case 'nullable':
      if (v === null) return null;
      // A scalar's message names both choices; a container's names the part that failed.
      if (['object', 'array', 'record'].includes(rule.rule.kind)) return walk(rule.rule, v, where, path);
      try {
        return walk(rule.rule, v, where, path);
      } catch {
        return fail();
      }
    case 'array': {
      if (!Array.isArray(v) || v.length < rule.minLength || v.length > rule.maxLength) fail();
      return (v as unknown[]).map((x, i) => walk(rule.items, x, where, `${path}[${i}]`));
    }
    case 'record': {
      if (!isPlainObject(v)) fail();
      const keys = Object.keys(v as object);
      if (keys.length > rule.maxKeys) fail();
      const out: Record<string, unknown> = {};
      for (const k of keys) define(out, k, walk(rule.values, (v as Record<string, unknown>)[k], where, join(path, k)));
      return out;
    }
    case 'object': {
      if (!isPlainObject(v)) fail();
      const o = v as Record<string, unknown>;
      const known = Object.keys(rule.fields);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        if (!Object.hasOwn(rule.fields, k)) {
          const near = nearest(k, known);
          const hint = near ? `did you mean ${JSON.stringify(near)}? (known keys: ${known.join(', ')})` : `expected one of ${known.join(', ')}`;
          throw new ConfigError(`${path ? `${where}: ` : ''}unknown key ${JSON.stringify(clip(k))} in ${path || where}: ${hint}`);
        }
      }
      for (const k of known) {
        const f = rule.fields[k];
        if (o[k] === undefined || !Object.hasOwn(o, k)) {
          if (!f.optional) throw new ConfigError(`${where}: ${join(path, k)} is missing: expected ${describe(f.rule)}`);
          continue;
        }
        define(out, k, walk(f.rule, o[k], where, join(path, k)));
      }
      const broken = rule.refine?.(out);
      if (broken) throw new ConfigError(`${where}: ${broken}`);
      return out;
    }
  }
}

/** A human description of what a rule accepts. */
export function describe(rule: Rule): string {
  switch (rule.kind) {
    case 'int': return rule.min === 1 ? `a positive integer ≤ ${rule.max}` : `an integer in [${rule.min}, ${rule.max}]`;
    case 'number':
      if (rule.nonFinite) return 'a number';
      if (rule.min === -Infinity && rule.max === Infinity) return 'a finite number';
      return `a finite number in ${rule.minOpen ? '(' : '['}${rule.min}, ${rule.max === Infinity ? '∞)' : `${rule.max}${rule.maxOpen ? ')' : ']'}`}`;
    case 'boolean': return 'true or false';
    case 'any': return 'a value';
    case 'enum': return rule.values.map((s) => `'${s}'`).join(rule.values.length > 2 ? ', ' : ' or ').replace(/, ([^,]*)$/, ' or $1');
    case 'string': return rule.describe;
    case 'nullable': return `${describe(rule.rule)}, or null`;
    case 'array': {
      const n = rule.minLength === rule.maxLength ? `${rule.minLength}` : `${rule.minLength} to ${rule.maxLength}`;
      return rule.items.kind === 'any' ? `an array of ${n} items` : `an array of ${n} × ${describe(rule.items)}`;
    }
    case 'record': return `an object of at most ${rule.maxKeys} keys, each ${describe(rule.values)}`;
    case 'object': return `an object with keys ${Object.keys(rule.fields).join(', ')}`;
  }
}

// Any non-array object: its own enumerable keys are what is checked (options built
// by a class or Object.create still work; JSON only ever gives plain ones).
function isPlainObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// JSON.parse makes "__proto__" an own key; defineProperty keeps it one in the copy.
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

/** A value for a message, short whatever the input (a damaged file may hold megabytes in one string). */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${clip(v)}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return isPlainObject(v) ? 'an object' : `a ${typeof v}`;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** The known key closest to `key` by edit distance, if close enough to be a slip. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    // Long keys (a damaged file) are not worth the quadratic comparison.
    const d = key.length > 64 || k.length > 64 ? Infinity : editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) { best = k; bestD = d; }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

