// npm run fuzz: the long run of the mutation fuzzer (scripts/fuzz-lib.mjs) against dist/.
//   node scripts/fuzz.mjs [--count 50000] [--seed 1] [--first 0] [--only cat1,cat2] [--fails 20]
// --only config,training runs just the edits of config and training-state values;
// --first N --count 1 replays one variant (each FAIL line prints its replay command).
import { runFuzz, report, CATEGORIES } from './fuzz-lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const count = Number(opt('count', 50000)), seed = Number(opt('seed', 1)), first = Number(opt('first', 0));
const categories = opt('only', CATEGORIES.join(',')).split(',');
for (const c of categories) if (!CATEGORIES.includes(c)) { console.error(`unknown category '${c}': expected ${CATEGORIES.join(', ')}`); process.exit(2); }
let last = 0;
const r = await runFuzz({
  count, seed, first, categories,
  onProgress: (done, k) => {
    if (process.stderr.isTTY && performance.now() - last > 500) { last = performance.now(); process.stderr.write(`\r${done}/${count}  identical ${k.identical}  refused ${k.refused}  FAIL ${k.FAIL}`); }
  },
});
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(report(r, Number(opt('fails', 20))));
process.exitCode = r.counts.FAIL ? 1 : 0;
if (args.includes('--samples')) for (const [k, v] of Object.entries(r.samples).sort()) console.log(`${k}:\n    ${v.join('\n    ')}`);
