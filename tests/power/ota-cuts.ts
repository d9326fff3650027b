// `npm run power:ota [-- --seed N]`: power cuts at every write of a whole update (journal, documents, image store),
// under four failure models, in three scenarios (committed, one service rolled back, rollback: all), each followed
// by a boot, recovery and the outcome rules (tests/unit/runtime/supervisor/ota-cut-harness.ts). Prints the counts.
import { parseArgs } from "node:util";
import { runOtaCuts, SCENARIOS } from "../unit/runtime/supervisor/ota-cut-harness.ts";

const { values } = parseArgs({ options: { seed: { type: "string" } } });
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
console.log(`seed ${seed}`);
let cuts = 0;
let failures = 0;
for (const scenario of SCENARIOS) {
  const t = performance.now();
  const r = await runOtaCuts(scenario, { seed });
  cuts += r.cuts;
  failures += r.failures.length;
  const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k}: ${v}`).join(", ");
  console.log(`${scenario.padEnd(10)}: ${r.writes} writes, ${r.cuts} cuts, ${r.failures.length} failures; after the boot: ${outcomes} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  for (const f of r.failures.slice(0, 10)) console.log(`  cut after ${f.cutAfter} (${f.model}): ${f.problem}`);
}
console.log(`total: ${cuts} cuts, ${failures} failures`);
process.exit(failures ? 1 : 0);
