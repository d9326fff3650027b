import { describe, expect, test } from "bun:test";
import type { LifecycleChange } from "../../../../runtime/durable/lifecycle.ts";
import type { CgroupManager } from "../../../../runtime/cgroups/manager.ts";
import type { ContainerRecord } from "../../../../runtime/container/record.ts";
import type { Config } from "../../../../runtime/spec/config.ts";
import { runContainer } from "../../../../runtime/container/run.ts";
import { fakeCgroup, fakeHandle, fakeLink, fakeLock, fakeStage, noNetwork, recordingEnv, type EnvRecorder } from "../../fakes/container-env.ts";
import { CREATED_AT, config } from "./fixtures.ts";

/** Everything create, start and delete of container `t` touch; the program exits with 3; `startSays` is what its
 * stage says on the start socket. */
const world = (startSays: string[], cgroup: Partial<CgroupManager> = {}) => {
  let current: ContainerRecord | undefined;
  let waiting = true;
  let alive = true;
  const journal: LifecycleChange[][] = [];
  const r: EnvRecorder = recordingEnv({
    config: { read: () => config(), check: (doc) => doc as Config },
    state: {
      makeDir: () => {},
      removeDir: () => {},
      lock: () => fakeLock(r),
      write: (_root, rec) => void (current = structuredClone(rec)),
      read: () => current!,
      renderLimitsView: () => [],
      awaitsStart: () => waiting,
      connectStart: () => fakeLink(r, startSays),
      removeStartSocket: () => void (waiting = false),
    },
    clock: { now: () => new Date(CREATED_AT), sleep: async () => {} },
    cgroups: {
      manager: () =>
        fakeCgroup(r, {
          create: () => {},
          apply: () => {},
          procsFiles: () => [],
          dirs: () => [],
          frozen: () => false,
          oomKills: () => 0,
          destroy: async () => void (alive = false),
          ...cgroup,
        }),
    },
    stages: {
      openHostFiles: () => ({ fds: [], layout: { cgroupProcs: [], start: 6, consoleSocket: null, idmappedMounts: [] }, close: () => {} }),
      spawn: () => fakeStage(r, 4242, [JSON.stringify({ t: "ready", pid: 4242 })], { exited: true, exitCode: 3 }),
    },
    processes: {
      stat: () => ({ startTime: "99", state: "S" }),
      isAlive: () => alive,
      open: (pid) => fakeHandle(r, pid),
      becomeSubreaper: () => {},
    },
    network: noNetwork(() => r),
    // create, start and delete inside run are given no journal: run writes it itself.
    journal: { record: (dir, changes) => void (dir === null || journal.push([...changes])) },
    hooks: { runWarning: () => {} },
  });
  return { r, journal };
};

const run = (r: EnvRecorder, warnings: string[] = []) =>
  runContainer({ root: "/run/b", id: "t", bundle: "/b", journal: "/j", detach: false }, (m) => warnings.push(m), r.env);

describe("runContainer()", () => {
  test("creates, starts, waits, deletes; the journal gets one write for the start and one for the exit", async () => {
    const { r, journal } = world([]);
    expect(await run(r)).toBe(3);
    expect(journal.map((w) => w.map((c) => c.kind))).toEqual([
      ["created", "started", "desired"],
      ["exited", "desired", "deleted"],
    ]);
    expect(journal[1]).toContainEqual({ kind: "exited", id: "t", status: 3 });
    expect(r.names()).toContain("state.removeDir");
  });

  test("a start that fails is deleted; a delete that fails too is kept beside the start failure, not swallowed", async () => {
    const failed = JSON.stringify({ t: "failed", step: "startContainer hooks", message: "startContainer hook '/bin/x' failed: exit status 4", call: undefined });
    const { r } = world([failed], { destroy: async () => Promise.reject(new Error("Removing cgroup '/sys/fs/cgroup/pids/t': EBUSY")) });
    const err = (await run(r).catch((e: unknown) => e)) as AggregateError;
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.message).toBe("Setup stage failed at 'startContainer hooks': startContainer hook '/bin/x' failed: exit status 4");
    expect(err.errors.map((e) => (e as Error).message)).toEqual(["Removing cgroup '/sys/fs/cgroup/pids/t': EBUSY"]);
  });
});
