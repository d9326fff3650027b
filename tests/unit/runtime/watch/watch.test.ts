import { describe, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { watchPath } from "../../../../runtime/watch/watch.ts";
import { tempDirs } from "../../../support/temp.ts";
import { until } from "../../../support/until.ts";

const temp = tempDirs();

describe("watchPath()", () => {
  test("reports a change made right after the previous change was delivered", async () => {
    for (let i = 0; i < 20; i++) {
      const file = join(temp("watch-"), "log");
      writeFileSync(file, "");
      const sizes: number[] = [];
      const w = watchPath(file, () => {
        sizes.push(Bun.file(file).size);
        // While the first change is being delivered: the moment at which Bun drops a change by itself.
        if (sizes.length === 1) appendFileSync(file, "b");
      });
      try {
        appendFileSync(file, "a");
        await until(() => sizes.includes(2), "the second change");
      } finally {
        w.close();
      }
    }
  });

  test("names the entry that changed in a watched directory, and stops at close", async () => {
    const dir = temp("watch-dir-");
    const seen: (string | null)[] = [];
    const w = watchPath(dir, (_at, name) => seen.push(name));
    writeFileSync(join(dir, "memory.jsonl"), "x");
    await until(() => seen.includes("memory.jsonl"), "the change of memory.jsonl");
    w.close();
    const after = seen.length;
    writeFileSync(join(dir, "other"), "y");
    await Bun.sleep(50); // nothing may arrive after close; a change would have come by now
    expect(seen.length).toBe(after);
  });
});
