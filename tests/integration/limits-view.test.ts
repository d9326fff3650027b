// The limits view seen by programs: files rendered by runtime/container/limits-view.ts, bind-mounted over the real ones
// in a private mount namespace (what the setup stage does for a container), read by free, getconf and python.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { limitsViewMounts, writeLimitsView } from "../../runtime/container/limits-view.ts";
import { tempDirs } from "../support/temp.ts";
import { until } from "../support/until.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const MiB = 2 ** 20;
const why = process.getuid?.() !== 0 ? "needs root for a private mount namespace" : !Bun.which("unshare") ? "needs unshare(1)" : undefined;

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "bunker-view-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `script` in a new mount namespace with the view's bind mounts in place. */
const inView = (script: string) => {
  const binds = limitsViewMounts(dir).map((m) => `mount --bind ${m.source} ${m.destination}`).join(" && ");
  return Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", `${binds} && ${script}`], { stderr: "pipe" });
};

describe.skipIf(why !== undefined)("the limits view, bind-mounted", () => {
  if (why) console.log(`skip: ${why}`);

  test("free and getconf see the memory limit and the allowed CPUs, and a running program sees the re-render", async () => {
    const host = { meminfo: readFileSync("/proc/meminfo", "utf8"), cpuOnline: readFileSync("/sys/devices/system/cpu/online", "utf8") };
    writeLimitsView(dir, host, { memoryLimit: 64 * MiB, usage: { current: 16 * MiB, file: 0, shmem: 0, swap: 0 }, quota: 50_000, period: 100_000 });
    const go = join(dir, "go");
    const ready = join(dir, "ready");
    const p = inView(`free -k | awk '/^Mem:/ {print $2}'; getconf _NPROCESSORS_ONLN; touch ${ready}; while [ ! -e ${go} ]; do sleep 0.01; done; free -k | awk '/^Mem:/ {print $2}'`);
    // The update happens while the program runs inside the same mount namespace, after its first readings.
    await until(() => existsSync(ready), "the program's first readings");
    writeLimitsView(dir, host, { memoryLimit: 128 * MiB });
    writeFileSync(go, "");
    const out = await new Response(p.stdout).text();
    expect(await p.exited).toBe(0);
    expect(out.trim().split("\n")).toEqual(["65536", "1", "131072"]);
  });
});
