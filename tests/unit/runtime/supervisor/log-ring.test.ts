import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followLog, readLog } from "../../../../runtime/supervisor/log-read.ts";
import { LogRing, logPath, olderLogPath } from "../../../../runtime/supervisor/log-ring.ts";
import { collectOutput, openContainerOutput } from "../../../../runtime/supervisor/output-fifos.ts";

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), "bunker-logs-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !cond(); i++) await Bun.sleep(5);
  expect(cond()).toBe(true);
};

let clock = Date.parse("2026-12-01T10:00:00.000Z");
const now = () => clock;

describe("LogRing", () => {
  test("writes nothing until its buffer fills or its time limit passes, then one append", async () => {
    const ring = new LogRing({ dir, service: "web", maxBytes: 64 * 1024, bufferBytes: 200, flushMs: 30, now });
    ring.append("out", "one\ntw");
    expect(existsSync(logPath(dir, "web"))).toBe(false);
    ring.append("out", "o\n");
    await until(() => existsSync(logPath(dir, "web")));
    expect(readFileSync(logPath(dir, "web"), "utf8")).toBe("2026-12-01T10:00:00.000Z out one\n2026-12-01T10:00:00.000Z out two\n");
    for (let i = 0; i < 10; i++) ring.append("err", `line ${i}\n`);
    // Records of 36 bytes: the buffer of 200 filled after six and they were written at once; four wait.
    expect(ring.written).toBe(66 + 6 * 36);
    ring.close();
    expect(ring.written).toBe(66 + 10 * 36);
  });

  test("stays within its budget: two generations of half of it each", () => {
    const ring = new LogRing({ dir, service: "chatty", maxBytes: 8192, bufferBytes: 512, now });
    for (let i = 0; i < 2000; i++) ring.append("out", `message number ${i}\n`);
    ring.close();
    const a = statSync(logPath(dir, "chatty")).size;
    const b = statSync(olderLogPath(dir, "chatty")).size;
    expect(a + b).toBeLessThanOrEqual(8192);
    const lines: string[] = [];
    readLog(dir, "chatty", { tail: 2 }, (l) => lines.push(l));
    expect(lines.map((l) => l.slice(29))).toEqual(["message number 1998", "message number 1999"]);
  });

  test("cuts a line that never ends, so one line never holds more memory", () => {
    const ring = new LogRing({ dir, service: "blob", maxBytes: 1 << 20, now });
    ring.append("out", "x".repeat(20_000));
    ring.close();
    expect(readFileSync(logPath(dir, "blob"), "utf8").split("\n").filter(Boolean).map((l) => l.length - 29)).toEqual([8192, 8192, 3616]);
  });
});

describe("readLog() and followLog()", () => {
  test("filters by time and follows appends across a rotation", async () => {
    const ring = new LogRing({ dir, service: "s", maxBytes: 8192, bufferBytes: 64, now });
    ring.append("out", "old\n");
    clock += 60_000;
    ring.append("out", "new\n");
    ring.flush();
    const since: string[] = [];
    readLog(dir, "s", { since: "2026-12-01T10:00:30.000Z" }, (l) => since.push(l.slice(29)));
    expect(since).toEqual(["new"]);
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(dir, "s", { tail: 1 }, (l) => seen.push(l.slice(29)), stop.signal);
    for (let i = 0; i < 200; i++) ring.append("out", `more ${i}\n`);
    ring.flush();
    await until(() => seen.at(-1) === "more 199");
    stop.abort();
    await following;
    expect(seen[0]).toBe("new");
    expect(seen.filter((l) => l.startsWith("more")).length).toBe(200);
  });
});

describe("output pipes", () => {
  test("carry a service's output to its ring, and a writer never breaks when no collector reads", async () => {
    const out = openContainerOutput(join(dir, "fifos"));
    // Nobody collects yet: the write still succeeds (the container's end reads too), the bytes wait in the pipe.
    writeSync(out.stdout, "before the daemon\n");
    const ring = new LogRing({ dir, service: "p", maxBytes: 64 * 1024, bufferBytes: 16, now });
    const collector = collectOutput(join(dir, "fifos"), ring);
    writeSync(out.stderr, "an error\n");
    await until(() => existsSync(logPath(dir, "p")) && readFileSync(logPath(dir, "p"), "utf8").split("\n").length === 3);
    await collector.close();
    closeSync(out.stdout);
    closeSync(out.stderr);
    expect(readFileSync(logPath(dir, "p"), "utf8").split("\n").map((l) => l.slice(25)).sort()).toEqual(["", "err an error", "out before the daemon"]);
  });
});
