import { describe, expect, test } from "bun:test";
import { signalContainer } from "../../../../runtime/container/signal.ts";
import { fakeCgroup, fakeHandle, recordingEnv, type EnvRecorder } from "../../fakes/container-env.ts";
import { record } from "./fixtures.ts";

describe("signalContainer()", () => {
  test("signals the init through a pidfd opened while it is still the process that started at the recorded time", () => {
    const checks: boolean[] = [];
    const r: EnvRecorder = recordingEnv({
      state: { read: () => record(), awaitsStart: () => false },
      processes: {
        isAlive: (pid, startTime) => pid === 4242 && startTime === "99",
        open: (pid, isMeant) => (checks.push(isMeant()), fakeHandle(r, pid)),
      },
      cgroups: { manager: () => fakeCgroup(r, { frozen: () => false }) },
    });
    signalContainer("/run/b", "t", 15, false, r.env);
    expect(checks).toEqual([true]);
    expect(r.calls.filter((c) => c.name.startsWith("process."))).toEqual([
      { name: "process.signal", args: [4242, 15] },
      { name: "process.close", args: [4242] },
    ]);
  });

  test("--all signals each process still in the cgroup once its pidfd is open, and none that left meanwhile", () => {
    // The second listing, read after the pidfds are open: 601 has exited (its PID may be another process's by now).
    const listings = [[4242, 600, 601], [4242, 600]];
    const r: EnvRecorder = recordingEnv({
      state: { read: () => record(), awaitsStart: () => false },
      processes: { isAlive: () => true, open: (pid) => fakeHandle(r, pid) },
      cgroups: { manager: () => fakeCgroup(r, { frozen: () => false, pids: () => listings.shift()! }) },
    });
    signalContainer("/run/b", "t", 9, true, r.env);
    expect(r.calls.filter((c) => c.name === "process.signal").map((c) => c.args)).toEqual([[4242, 9], [600, 9]]);
    expect(r.calls.filter((c) => c.name === "process.close").map((c) => c.args[0]).sort()).toEqual([4242, 600, 601]);
  });

  test("a stopped container is refused, and nothing is signalled", () => {
    const r: EnvRecorder = recordingEnv({ state: { read: () => record() }, processes: { isAlive: () => false } });
    expect(() => signalContainer("/run/b", "t", 15, false, r.env)).toThrow("Cannot kill container 't': it is stopped");
    expect(r.names()).not.toContain("processes.open");
  });
});
