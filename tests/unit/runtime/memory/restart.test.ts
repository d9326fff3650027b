import { describe, expect, test } from "bun:test";
import { restartDecision } from "../../../../runtime/memory/restart.ts";
import type { RestartPolicy } from "../../../../runtime/memory/policy.ts";

const policy = (mode: RestartPolicy["mode"]): RestartPolicy => ({ mode, backoffMs: 1000, backoffMaxMs: 5000, limit: 4, windowMs: 60_000 });

describe("restartDecision()", () => {
  test("never restarts under policy 'no'", () => {
    expect(restartDecision(policy("no"), { at: 0, status: 1 }, [])).toEqual({ restart: false, reason: "restart policy is 'no'" });
  });

  test("leaves a clean exit alone under 'on-failure' but restarts one killed by the ladder", () => {
    expect(restartDecision(policy("on-failure"), { at: 0, status: 0 }, []).restart).toBe(false);
    expect(restartDecision(policy("on-failure"), { at: 0, status: 137, killedBy: "ladder" }, []).restart).toBe(true);
    expect(restartDecision(policy("always"), { at: 0, status: 0 }, []).restart).toBe(true);
  });

  test("doubles the delay with each restart in the window, up to the longest backoff", () => {
    const at = 100_000;
    const delay = (restarts: number[]) => {
      const d = restartDecision(policy("always"), { at, status: 1 }, restarts);
      return d.restart ? d.delayMs : -1;
    };
    expect(delay([])).toBe(1000);
    expect(delay([at - 5000])).toBe(2000);
    expect(delay([at - 9000, at - 5000, at - 1000])).toBe(5000);
    expect(delay([at - 70_000])).toBe(1000);
  });

  test("gives up as a crash loop once the limit of restarts falls inside the window", () => {
    const at = 100_000;
    const d = restartDecision(policy("always"), { at, status: 1 }, [at - 4000, at - 3000, at - 2000, at - 1000]);
    expect(d).toEqual({ restart: false, crashLoop: true, reason: "crash loop: 4 restarts within 60s (limit 4)" });
  });
});
