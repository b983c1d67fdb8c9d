// Layer names prefix parameter names (`${name}.weight`), so they must be unique in a
// model: explicit names are kept (two equal ones are an error), and automatic names
// (the type, then type_1, type_2, …) skip every name already taken, explicit or not.
import type { Layer } from '../layers/layer.js';
import { ConfigError } from '../errors.js';

export function assignLayerNames(layers: unknown[]): asserts layers is Layer[] {
  const explicit = new Map<string, number>();
  layers.forEach((l, i) => {
    if (!l || typeof (l as Layer).build !== 'function' || typeof (l as Layer).spec !== 'function') throw new ConfigError(`layer ${i} is not a layer: ${String(l)}; create layers with the layers.* factories`);
    const j = layers.indexOf(l);
    if (j !== i) throw new ConfigError(`layers ${j} and ${i} are the same layer object: a layer holds its own weights, create one per position`);
    const name = (l as Layer).spec().name;
    if (name === undefined) return;
    const k = explicit.get(name);
    if (k !== undefined) throw new ConfigError(`layers ${k} and ${i} are both named '${name}': layer names must be unique (they prefix the parameter names)`);
    explicit.set(name, i);
  });
  const taken = new Set(explicit.keys());
  for (const l of layers as Layer[]) {
    const { type, name } = l.spec();
    if (name !== undefined) {
      l.name = name;
      continue;
    }
    let auto = type;
    for (let n = 1; taken.has(auto); n++) auto = `${type}_${n}`;
    taken.add(auto);
    l.name = auto;
  }
}
