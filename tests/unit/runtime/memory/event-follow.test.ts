import { describe, expect, test } from "bun:test";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { followMemoryEvents } from "../../../../runtime/memory/event-follow.ts";
import type { MemoryEvent } from "../../../../runtime/memory/event-log.ts";
import { tempDirs } from "../../../support/temp.ts";
import { until } from "../../../support/until.ts";

const temp = tempDirs();

const event = (container: string, action: MemoryEvent["action"]): string =>
  `${JSON.stringify({ time: "2026-11-29T00:00:00Z", container, action, outcome: "done", reason: "test" })}\n`;


describe("followMemoryEvents()", () => {
  test("passes on new events of one container as the daemon appends them, across a rotation", async () => {
    const dir = temp("follow-");
    const log = join(dir, ".events", "memory.jsonl");
    const seen: string[] = [];
    const f = followMemoryEvents(log, "web", (e) => seen.push(e.action));
    writeFileSync(log, event("web", "throttle") + event("db", "freeze"));
    await until(() => seen.length >= 1);
    appendFileSync(log, event("web", "kill"));
    await until(() => seen.length >= 2);
    renameSync(log, `${log}.1`);
    writeFileSync(log, event("web", "restart"));
    await until(() => seen.length >= 3);
    f.close();
    expect(seen).toEqual(["throttle", "kill", "restart"]);
  });

  test("does not replay what the log held before it started", async () => {
    const dir = temp("follow-");
    const log = join(dir, "memory.jsonl");
    writeFileSync(log, event("web", "freeze"));
    const seen: string[] = [];
    const f = followMemoryEvents(log, "web", (e) => seen.push(e.action));
    appendFileSync(log, event("web", "release"));
    await until(() => seen.length >= 1);
    f.close();
    expect(seen).toEqual(["release"]);
  });
});
