import { describe, expect, test } from "bun:test";
import { memoryPolicy } from "../../../../runtime/memory/policy.ts";

describe("memoryPolicy()", () => {
  test("gives a container without annotations the normal class, no restarts and reclaim on", () => {
    const p = memoryPolicy(undefined);
    expect(p.class).toBe("normal");
    expect(p.restart).toEqual({ mode: "no", backoffMs: 1000, backoffMaxMs: 60_000, limit: 5, windowMs: 600_000 });
    expect(p.reclaim).toEqual({ enabled: true, targetPercent: 0.5 });
    expect(p.swap).toBeUndefined();
  });

  test("turns reclaim off by default for critical containers and lets the annotation turn it on", () => {
    expect(memoryPolicy({ "bunker.memory.class": "critical" }).reclaim.enabled).toBe(false);
    expect(memoryPolicy({ "bunker.memory.class": "critical", "bunker.reclaim": "on" }).reclaim.enabled).toBe(true);
  });

  test("reads restart, backoff, crash-loop limit, reclaim target and swap from their annotations", () => {
    const p = memoryPolicy({
      "bunker.restart": "on-failure",
      "bunker.restart.backoff": "250ms",
      "bunker.restart.backoff-max": "30s",
      "bunker.restart.limit": "3",
      "bunker.restart.window": "2m",
      "bunker.reclaim.target": "1.5%",
      "bunker.swap": "64M",
      "org.example.unrelated": "anything",
    });
    expect(p.restart).toEqual({ mode: "on-failure", backoffMs: 250, backoffMaxMs: 30_000, limit: 3, windowMs: 120_000 });
    expect(p.reclaim.targetPercent).toBe(1.5);
    expect(p.swap).toBe(64 * 2 ** 20);
    expect(memoryPolicy({ "bunker.swap": "max" }).swap).toBe("max");
    expect(memoryPolicy({ "bunker.swap": "0" }).swap).toBe(0);
  });

  test.each([
    ["bunker.memory.class", "vip", "must be critical, system, normal or background, not 'vip'"],
    ["bunker.restart", "sometimes", "must be no, on-failure or always, not 'sometimes'"],
    ["bunker.restart.backoff", "5", "must be a duration such as 500ms, 2s or 1m, not '5'"],
    ["bunker.restart.limit", "-1", "must be a whole number, not '-1'"],
    ["bunker.reclaim", "yes", "must be on or off, not 'yes'"],
    ["bunker.reclaim.target", "low", "must be a percentage such as 0.5%, not 'low'"],
    ["bunker.swap", "lots", "must be a size such as 64M, 0 or max, not 'lots'"],
  ])("rejects %p = %p naming the annotation", (key, value, detail) => {
    expect(() => memoryPolicy({ [key]: value })).toThrow(`Cannot read annotation '${key}': ${detail}`);
  });

  test("rejects a longest backoff shorter than the first", () => {
    expect(() => memoryPolicy({ "bunker.restart.backoff": "10s", "bunker.restart.backoff-max": "1s" })).toThrow(
      "Cannot read annotation 'bunker.restart.backoff-max': must not be shorter than 'bunker.restart.backoff' ('10s')",
    );
  });
});
