// A sample of the image store's power-cut proof (every 9th write, all four failure models, a fresh seed each run,
// printed); `npm run power:image` cuts at every write of each workload.
import { expect, test } from "bun:test";
import { runCuts, type Workload } from "./cut-harness.ts";

const seed = Number(process.env.BUNKER_CUT_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`image power cuts: seed ${seed} (BUNKER_CUT_SEED=${seed} repeats it)`);

for (const w of ["import-layout", "import-docker", "unpack"] as Workload[])
  test(`after a power cut at a write of ${w}, the store is consistent and the work resumes to the same result`, async () => {
    const r = await runCuts(w, { seed, every: 9 });
    expect(r.cuts).toBeGreaterThan(20);
    expect(r.failures).toEqual([]);
  }, 60_000);
