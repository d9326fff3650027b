// A container whose state.json is damaged stays visible (list, stats) with the reason, until delete --force removes it.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP damaged state: ${skip}`);

describe.skipIf(!!skip)("a damaged state file", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const damage = (id: string, text: string): void => {
    mkdirSync(join(root, id), { recursive: true });
    writeFileSync(join(root, id, "state.json"), text);
  };

  test("shows its container as damaged in list and stats, with the reason", () => {
    damage("torn", '{"id":"torn","pid":12');
    damage("wrong", JSON.stringify({ id: "wrong", pid: "twelve" }));
    const table = bunker(root, ["list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^torn\s+0\s+damaged/m);
    expect(table.stdout).toMatch(/^wrong\s+0\s+damaged/m);
    expect(table.stderr).toContain(`bunker: warning: container 'torn' is damaged: Corrupt state file '${join(root, "torn", "state.json")}': not valid JSON\n`);
    // The first field that is wrong, by its path in the record.
    expect(table.stderr).toMatch(/container 'wrong' is damaged: Corrupt state file '[^']+\/wrong\/state\.json': \/\w+: Expected /);
    const json = JSON.parse(bunker(root, ["list", "--format", "json"]).stdout) as { id: string; status: string; reason?: string }[];
    expect(json.map((c) => [c.id, c.status])).toEqual([["torn", "damaged"], ["wrong", "damaged"]]);
    expect(json[0]!.reason).toContain("not valid JSON");
    const stats = JSON.parse(bunker(root, ["stats", "--json"]).stdout) as { id: string; status: string }[];
    expect(stats.map((r) => [r.id, r.status])).toEqual([["torn", "damaged"], ["wrong", "damaged"]]);
  });

  test("delete refuses it and says how; delete --force removes it", () => {
    damage("gone", "\u0000\u0001garbage");
    const plain = bunker(root, ["delete", "gone"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("Cannot delete container 'gone': its state is damaged (delete --force removes it)");
    const forced = bunker(root, ["delete", "--force", "gone"]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain("Removed the state of damaged container 'gone'");
    expect(existsSync(join(root, "gone"))).toBe(false);
    expect(bunker(root, ["list", "-q"]).stdout.split("\n")).not.toContain("gone");
  });
});
