// A sample of the update's power-cut proof (every 11th write from a random offset, all four failure models, a fresh
// seed each run, printed); `npm run power:ota` cuts at every write of each scenario.
import { expect, test } from "bun:test";
import { runOtaCuts, SCENARIOS } from "./ota-cut-harness.ts";

const seed = Number(process.env.BUNKER_CUT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const offset = seed % 11;
console.log(`ota power cuts: seed ${seed} (BUNKER_CUT_SEED=${seed} repeats it)`);

for (const scenario of SCENARIOS)
  test(`after a power cut at a write of a '${scenario}' update, the boot ends in the old set, the new set or the documented mix`, async () => {
    const r = await runOtaCuts(scenario, { seed, every: 11, offset });
    expect(r.cuts).toBeGreaterThan(20);
    expect(r.failures).toEqual([]);
  }, 60_000);
