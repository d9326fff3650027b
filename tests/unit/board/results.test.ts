import { describe, expect, test } from "bun:test";
import { emptyResults, judge, parseKnownFailures, problems, readLine } from "../../../board/results.ts";

const read = (lines: string[]) => {
  const r = emptyResults();
  for (const l of lines) readLine(r, l);
  return r;
};

describe("readLine()", () => {
  test("reads passes, failures with their reason, TODOs as pending, totals and figures", () => {
    const r = read([
      "ok 1 glibc: bunker --version prints the version",
      "not ok 2 glibc: run of a container # exit 1: bunker: nope",
      "not ok 3 glibc: pause # TODO 'bunker pause' has not landed",
      "BOARD-FIGURE glibc run_idle_rss_kb=41008 run_peak_rss_kb=41204",
      "glibc: 1 passed, 1 failed, 1 pending",
      "[    2.5] some kernel line",
    ]);
    expect(r.tests).toEqual([
      { flavour: "glibc", n: 1, name: "bunker --version prints the version", status: "pass" },
      { flavour: "glibc", n: 2, name: "run of a container", status: "fail", why: "exit 1: bunker: nope" },
      { flavour: "glibc", n: 3, name: "pause", status: "pending", why: "'bunker pause' has not landed" },
    ]);
    expect(r.totals.glibc).toEqual({ passed: 1, failed: 1, pending: 1 });
    expect(r.figures.glibc).toEqual({ run_idle_rss_kb: "41008", run_peak_rss_kb: "41204" });
  });
});

describe("problems()", () => {
  test("reports a flavour that never printed its totals", () => {
    expect(problems(read(["ok 1 musl: a"]), ["musl"])).toEqual(["The musl suite did not finish (no totals line)"]);
  });

  test("reports totals that disagree with the test lines", () => {
    expect(problems(read(["ok 1 musl: a", "musl: 2 passed, 0 failed, 0 pending"]), ["musl"])).toEqual([
      "The musl suite's totals disagree with its test lines",
    ]);
  });

  test("finds nothing wrong with a consistent run", () => {
    expect(problems(read(["ok 1 musl: a", "musl: 1 passed, 0 failed, 0 pending"]), ["musl"])).toEqual([]);
  });
});

describe("parseKnownFailures() and judge()", () => {
  const known = parseKnownFailures("# comment\n\n*: run of a container # user+pid namespaces not yet\nmusl: pause # musl only\n", "kf.txt");

  test("reads flavour, test name and reason", () => {
    expect(known).toEqual([
      { flavour: "*", name: "run of a container", reason: "user+pid namespaces not yet" },
      { flavour: "musl", name: "pause", reason: "musl only" },
    ]);
  });

  test("rejects a line without a reason, naming the line", () => {
    expect(() => parseKnownFailures("glibc: a test\n", "kf.txt")).toThrow("Read known failures 'kf.txt': line 1:");
  });

  test("fails the lane only on failures not listed, and points at listed tests that now pass", () => {
    const v = judge(read(["not ok 1 glibc: run of a container # x", "not ok 2 glibc: pause # y", "ok 3 musl: pause"]), known);
    expect(v.unexpected.map((t) => `${t.flavour}: ${t.name}`)).toEqual(["glibc: pause"]);
    expect(v.known.map((t) => `${t.flavour}: ${t.name}`)).toEqual(["glibc: run of a container"]);
    expect(v.fixed.map((t) => `${t.flavour}: ${t.name}`)).toEqual(["musl: pause"]);
  });
});
