import { describe, expect, test } from "bun:test";
import { parseBench, renderBench } from "../../../board/bench-run.ts";

const lines = [
  "BOARD-READY uptime=2.5",
  "BOARD-BENCH bunker run_ms=900",
  "BOARD-BENCH bunker run_ms=1000",
  "BOARD-BENCH bunker run_ms=2300",
  "BOARD-BENCH bunker idle_rss_kb=41800 peak_rss_kb=42108 idle_anon_kb=8336",
  "BOARD-BENCH crun run_failed=1 unknown version specified",
  "BOARD-BENCH crun ",
];

describe("parseBench()", () => {
  test("collects run times, failures and RSS per runtime, in the order they ran", () => {
    expect(parseBench(lines)).toEqual([
      { runtime: "bunker", runsMs: [900, 1000, 2300], failures: [], rss: { idle_rss_kb: 41800, peak_rss_kb: 42108, idle_anon_kb: 8336 } },
      { runtime: "crun", runsMs: [], failures: ["run_failed=1 unknown version specified"], rss: {} },
    ]);
  });
});

describe("renderBench()", () => {
  test("shows successful runs out of all, the median and the minimum, and dashes where nothing was measured", () => {
    const [head, bunker, crun] = renderBench(parseBench(lines)).split("\n");
    expect(head).toContain("median ms");
    expect(bunker!.split(/\s+/)).toEqual(["bunker", "3/3", "1000", "900", "41800", "42108", "8336"]);
    expect(crun!.split(/\s+/)).toEqual(["crun", "0/1", "-", "-", "-", "-", "-"]);
  });
});
