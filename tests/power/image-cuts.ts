// `npm run power:image [-- --seed N] [--chunk BYTES]`: power cuts at every write of an import (an OCI layout and a
// Docker archive, both streamed) and of an unpack into layer directories, under four failure models, each followed
// by recovery, the store's invariants and a resumed run (tests/unit/image/cut-harness.ts). Prints the counts.
import { parseArgs } from "node:util";
import { runCuts, type Workload } from "../unit/image/cut-harness.ts";

const { values } = parseArgs({ options: { seed: { type: "string" }, chunk: { type: "string" } } });
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const chunks = values.chunk ? [Number(values.chunk)] : [1024, 4096];
console.log(`seed ${seed}`);
let cuts = 0;
let failures = 0;
let damaged = 0;
for (const chunk of chunks)
  for (const w of ["import-layout", "import-docker", "unpack"] as Workload[]) {
    if (w === "unpack" && chunk !== chunks[0]) continue;
    const t = performance.now();
    const r = await runCuts(w, { seed, chunk });
    cuts += r.cuts;
    failures += r.failures.length;
    damaged += r.failures.filter((f) => /corrupt|zero-length|not whole/.test(f.problem)).length;
    console.log(`${w.padEnd(14)} chunk ${String(chunk).padStart(5)}: ${r.calls} writes, ${r.cuts} cuts, ${r.failures.length} failures (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    for (const f of r.failures.slice(0, 10)) console.log(`  cut after ${f.cutAfter} (${f.model}): ${f.problem}`);
  }
console.log(`total: ${cuts} cuts, ${failures} failures, ${damaged} with a corrupt or zero-length blob or a partial layer directory`);
process.exit(failures ? 1 : 0);
