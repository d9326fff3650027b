import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileCycles, folderCycles, orderViolations, REPO, scanImports, type Import } from "../tools/layers/graph.ts";
import { layerTable } from "../tools/layers/print.ts";

const imports = scanImports();

describe("bunker's imports", () => {
  test("are read from every source folder, dynamic imports and re-exports included", () => {
    const has = (from: string, to: string): boolean => imports.some((i) => i.from === from && i.to === to);
    expect(has("runtime/entry.ts", "runtime/cli/main.ts")).toBe(true); // await import(...)
    expect(imports.some((i) => i.from.startsWith("ffi/"))).toBe(true);
    expect(imports.some((i) => i.from.startsWith("board/"))).toBe(true);
  });

  test("run one way, in the order of tests/tools/layers/order.ts", () => {
    expect(orderViolations(imports)).toEqual([]);
  });

  test("make no cycle between files", () => {
    expect(fileCycles(imports)).toEqual([]);
  });

  test("make no cycle between folders", () => {
    expect(folderCycles(imports)).toEqual([]);
  });
});

describe("the layer check", () => {
  const at = (from: string, to: string, line = 3): Import => ({ from, to, line });

  test("names the file and line of an import against the order", () => {
    expect(orderViolations([at("runtime/cgroups/oom.ts", "runtime/memory/ladder.ts", 7)])).toEqual([
      "runtime/cgroups/oom.ts:7: imports runtime/memory/ladder.ts, a higher layer (runtime/cgroups/ is below runtime/memory/)",
    ]);
  });

  test("allows a same-layer import only where the table names it", () => {
    expect(orderViolations([at("runtime/process/stage.ts", "runtime/rootfs/mounts.ts")])).toEqual([]);
    expect(orderViolations([at("runtime/rootfs/mounts.ts", "runtime/process/plan.ts")])[0]).toContain("may not import runtime/process/");
  });

  test("keeps the v1 and v2 drivers apart, and places every file", () => {
    expect(orderViolations([at("runtime/cgroups/v2/cpu.ts", "runtime/cgroups/v1/cpu.ts")])[0]).toContain("are kept apart");
    expect(orderViolations([at("runtime/nowhere/x.ts", "ffi/fd.ts")])).toEqual(["runtime/nowhere/x.ts: not in the layer table (tests/tools/layers/order.ts)"]);
  });

  test("finds cycles between files and between sibling folders", () => {
    expect(fileCycles([at("a/x.ts", "a/y.ts", 1), at("a/y.ts", "a/x.ts", 2)])).toEqual([
      "cycle between a/x.ts, a/y.ts: a/x.ts:1 -> a/y.ts; a/y.ts:2 -> a/x.ts",
    ]);
    expect(folderCycles([at("runtime/cgroups/v1/a.ts", "runtime/cgroups/v2/b.ts"), at("runtime/cgroups/v2/c.ts", "runtime/cgroups/v1/d.ts")])[0]).toStartWith(
      "cycle between folders runtime/cgroups/v1, runtime/cgroups/v2",
    );
    expect(folderCycles([at("runtime/cgroups/v1/a.ts", "runtime/cgroups/files.ts"), at("runtime/cgroups/host-manager.ts", "runtime/cgroups/v1/a.ts")])).toEqual([]);
  });
});

test("the README's layout section shows the layer table (`npm run layers`)", () => {
  expect(readFileSync(join(REPO, "README.md"), "utf8")).toContain(`${layerTable()}\n`);
});
