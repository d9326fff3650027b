import { describe, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { watchPath } from "../../../../runtime/watch/watch.ts";
import { tempDirs } from "../../../support/temp.ts";
import { until } from "../../../support/until.ts";

const temp = tempDirs();

describe("watchPath()", () => {
  test("reports a change made right after the previous change was delivered", async () => {
    const file = join(temp("watch-"), "log");
    writeFileSync(file, "");
    let sizes: number[] = [];
    const w = watchPath(file, () => sizes.push(Bun.file(file).size));
    try {
      for (let i = 1; i <= 20; i++) {
        appendFileSync(file, "a");
        await until(() => sizes.includes(2 * i - 1), `the change to ${2 * i - 1} bytes`);
        // Straight after the delivery: the window in which Bun drops a change by itself.
        appendFileSync(file, "b");
        await until(() => sizes.includes(2 * i), `the change to ${2 * i} bytes`);
        sizes = [];
      }
    } finally {
      w.close();
    }
    expect(sizes).toEqual([]);
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
