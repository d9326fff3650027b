import { describe, expect, test } from "bun:test";
import { SysError } from "../../../../ffi/errno.ts";
import type { ContainerRecord } from "../../../../runtime/container/record.ts";
import { startContainer } from "../../../../runtime/container/start.ts";
import { StageFailedError } from "../../../../runtime/container/stage-failed.ts";
import { fakeCgroup, fakeLink, fakeLock, recordingEnv, type EnvRecorder } from "../../fakes/container-env.ts";
import { record } from "./fixtures.ts";

/** Container `t`, created, whose stage says `lines` on the start socket; records written are kept in `written`. */
const world = (lines: string[] | (() => never), rec: ContainerRecord = record()) => {
  const written: ContainerRecord[] = [];
  const r: EnvRecorder = recordingEnv({
    state: {
      lock: () => fakeLock(r),
      read: () => rec,
      awaitsStart: () => true,
      connectStart: () => (typeof lines === "function" ? lines() : fakeLink(r, lines)),
      write: (_root, w) => void written.push(structuredClone(w)),
      removeStartSocket: () => {},
      writePidFile: () => {},
    },
    processes: { isAlive: () => true, stat: () => ({ startTime: "123", state: "S" }) },
    cgroups: { manager: () => fakeCgroup(r, { frozen: () => false }) },
    journal: { record: () => {} },
    hooks: { runWarning: () => {} },
  });
  return { r, written };
};

describe("startContainer()", () => {
  test("says start and reads until the program runs, then removes the socket, journals and runs poststart", () => {
    const { r, written } = world([]);
    startContainer("/run/b", "t", "/j", () => {}, r.env);
    expect(r.names()).toEqual([
      "state.lock", "state.read", "processes.isAlive", "state.awaitsStart",
      "state.connectStart", "link.send", "link.close", "state.removeStartSocket", "journal.record", "hooks.runWarning", "lock.release",
    ]);
    expect(r.calls.find((c) => c.name === "link.send")!.args).toEqual(["start"]);
    expect(written).toEqual([]);
  });

  test("the stage's failure fails start with its one line and leaves the container stopped, with the reason in its record", () => {
    const failed = JSON.stringify({ t: "failed", step: "execve", message: "execve '/bin/x': ENOENT", call: "execve", errno: "ENOENT" });
    const { r, written } = world([failed]);
    expect(() => startContainer("/run/b", "t", "/j", () => {}, r.env)).toThrow(StageFailedError);
    expect(written.map((w) => w.failure)).toEqual(["Setup stage failed at 'execve': execve '/bin/x': ENOENT"]);
    expect(r.names()).toContain("state.removeStartSocket");
    expect(r.names()).not.toContain("journal.record");
    expect(r.names().at(-1)).toBe("lock.release");
  });

  test("a program spawned by a stage that joined another PID namespace: its PID goes into the record and the pid file", () => {
    const { r, written } = world([JSON.stringify({ t: "spawned", pid: 777 })], record({ pidFile: "/run/b/t.pid" }));
    const rec = startContainer("/run/b", "t", "/j", () => {}, r.env);
    expect(rec.pid).toBe(777);
    expect(written.map((w) => [w.pid, w.startTime])).toEqual([[777, "123"]]);
    expect(r.calls.find((c) => c.name === "state.writePidFile")!.args).toEqual(["/run/b/t.pid", 777]);
    expect(r.calls.find((c) => c.name === "journal.record")!.args[1]).toContainEqual({ kind: "started", id: "t", pid: 777, startTime: 123 });
  });

  test("a stage that is gone fails start with a clear error and changes nothing", () => {
    const { r, written } = world(() => {
      throw new SysError("connect", 111, "'/run/b/t/start.sock'");
    });
    let err: unknown;
    try {
      startContainer("/run/b", "t", "/j", () => {}, r.env);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe("Cannot start container 't': its setup stage has exited");
    expect(written).toEqual([]);
    expect(r.names()).not.toContain("state.removeStartSocket");
    expect(r.names().at(-1)).toBe("lock.release");
  });

  test("a container that is not created is refused before its stage is touched", () => {
    const r: EnvRecorder = recordingEnv({
      state: { lock: () => fakeLock(r), read: () => record(), awaitsStart: () => false },
      processes: { isAlive: () => true },
      cgroups: { manager: () => fakeCgroup(r, { frozen: () => false }) },
    });
    expect(() => startContainer("/run/b", "t", null, () => {}, r.env)).toThrow("Cannot start container 't': it is running (needs created)");
    expect(r.names()).not.toContain("state.connectStart");
  });
});
