import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { realProbes } from "../../../../board/check/probes.ts";

describe("realProbes", () => {
  test("seccompFilterFlag() refuses a flag no kernel knows, and installs nothing", async () => {
    expect(realProbes.seccompFilterFlag(1 << 30)).toEqual({ ok: false, errno: "EINVAL" });
    // A filter would show in /proc/self/status; a probe must leave the process unfiltered.
    expect(await Bun.file("/proc/self/status").text()).toMatch(/^Seccomp:\s+0$/m);
  });

  test("seccompFilterFlag() accepts TSYNC, which every seccomp-filter kernel since 3.17 knows", () => {
    expect(realProbes.seccompFilterFlag(1)).toEqual({ ok: true });
  });

  test("pidfdOpen() opens and closes a pidfd for this process", () => {
    expect(realProbes.pidfdOpen()).toEqual({ ok: true });
  });

  test("psiTrigger() reports the errno when the pressure file does not exist", () => {
    expect(realProbes.psiTrigger("/proc/pressure/no-such-resource")).toEqual({ ok: false, errno: "ENOENT" });
  });

  const noPsi = !existsSync("/proc/pressure/memory");
  if (noPsi) console.log("skip: psiTrigger() on /proc/pressure/memory needs a kernel with PSI");
  test.skipIf(noPsi)("psiTrigger() arms a trigger on /proc/pressure/memory", () => {
    expect(realProbes.psiTrigger("/proc/pressure/memory")).toEqual({ ok: true });
  });
});
