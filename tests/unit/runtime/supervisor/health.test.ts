import { describe, expect, test } from "bun:test";
import { afterCheck, healthTiming, nextCheckAt, STARTING } from "../../../../runtime/supervisor/health.ts";

const t = healthTiming({ exec: ["true"], interval: "30s", timeout: "5s", retries: 3, startPeriod: "20s", startInterval: "5s" });

describe("health state", () => {
  test("failures inside the start period do not count; a success there makes it healthy at once", () => {
    let s = afterCheck(STARTING, false, "refused", 5000, 0, t);
    expect([s.status, s.failingStreak]).toEqual(["starting", 0]);
    s = afterCheck(s, true, "", 10_000, 0, t);
    expect([s.status, s.failingStreak]).toEqual(["healthy", 0]);
  });

  test("is unhealthy after `retries` failures in a row, and healthy again after one success", () => {
    let s = afterCheck(STARTING, true, "", 1000, 0, t);
    for (const at of [31_000, 61_000]) s = afterCheck(s, false, "exit 1", at, 0, t);
    expect([s.status, s.failingStreak]).toEqual(["healthy", 2]);
    s = afterCheck(s, false, "exit 1", 91_000, 0, t);
    expect([s.status, s.failingStreak, s.last]).toEqual(["unhealthy", 3, { at: 91_000, ok: false, detail: "exit 1" }]);
    expect(afterCheck(s, true, "", 121_000, 0, t).status).toBe("healthy");
  });

  test("checks at the start interval while starting, then at the interval", () => {
    expect(nextCheckAt(STARTING, 0, 0, t)).toBe(5000);
    expect(nextCheckAt(STARTING, 25_000, 0, t)).toBe(55_000);
    expect(nextCheckAt({ status: "healthy", failingStreak: 0 }, 5000, 0, t)).toBe(35_000);
  });
});
