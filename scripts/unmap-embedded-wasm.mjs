// After tsc: the modules that embed the wasm as hex get no source map. Their map would
// repeat the hex (inlineSources) and point at nothing a reader can use, and it costs the
// installed package ≈ 135 KB. Removes the map and the comment that names it.
import { readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';

const dir = new URL('../dist/runtime/', import.meta.url);
for (const name of readdirSync(dir).filter((n) => n.endsWith('-bytes.generated.js'))) {
  const file = new URL(name, dir);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
  rmSync(new URL(`${name}.map`, dir), { force: true });
}
