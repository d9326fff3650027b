import { describe, expect, test } from "bun:test";
import { CLONE } from "../../../../ffi/constants.ts";
import { execInContainer } from "../../../../runtime/container/exec.ts";
import { StageFailedError } from "../../../../runtime/container/stage-failed.ts";
import type { StagePlan } from "../../../../runtime/process/plan.ts";
import type { StageProcess } from "../../../../runtime/process/spawn-stage.ts";
import type { SpawnOptions } from "../../../../runtime/process/spawn-stage.ts";
import { fakeCgroup, fakeStage, recordingEnv, type EnvRecorder } from "../../fakes/container-env.ts";
import { config, record } from "./fixtures.ts";

const world = (stage: (r: EnvRecorder) => StageProcess, created = false, rec = record()) => {
  const spawned: SpawnOptions[] = [];
  const r: EnvRecorder = recordingEnv({
    state: { read: () => rec, awaitsStart: () => created },
    processes: {
      isAlive: () => true,
      becomeSubreaper: () => {},
      waitFor: async () => 7,
      open: (pid) => ({ pid, signal: () => true, close: () => r.log("handle.close", [pid]) }),
    },
    cgroups: { manager: () => fakeCgroup(r, { frozen: () => false, procsFiles: () => ["/nonexistent/cgroup/t/cgroup.procs"] }) },
    stages: {
      openHostFiles: () => ({ fds: [], layout: { cgroupProcs: [6], start: null, consoleSocket: null, idmappedMounts: [] }, close: () => r.log("host.close", []) }),
      spawn: (o) => (spawned.push(o), stage(r)),
    },
  });
  return { r, spawned };
};

const proc = config().process;

describe("execInContainer()", () => {
  test("starts the stage outside the container's PID namespace, mount namespace first, and waits for the program it spawned", async () => {
    const { r, spawned } = world((rr) => fakeStage(rr, 900, [JSON.stringify({ t: "spawned", pid: 901 })], { exited: true }));
    const execed = await execInContainer({ root: "/run/b", id: "t", process: proc, detach: false }, r.env);
    expect(spawned[0]!.pid).toBeNull();
    const plan = (r.calls.find((c) => c.name === "stage.send")!.args[0] as { plan: StagePlan }).plan;
    expect(plan.spawnProcess).toBe(true);
    expect(plan.join[0]).toEqual({ path: "/proc/4242/ns/mnt", flag: CLONE.NEWNS });
    expect(plan.join).toContainEqual({ path: "/proc/4242/ns/pid", flag: CLONE.NEWPID });
    expect(execed.pid).toBe(901);
    expect(r.names().indexOf("processes.becomeSubreaper")).toBeLessThan(r.names().indexOf("stages.spawn"));
    expect(await execed.exited()).toBe(7);
    expect(r.calls.find((c) => c.name === "processes.waitFor")!.args).toEqual([901]);
    // Held by a pidfd from before the stage's exit made it our child until it was waited for (an orphan reaper leaves it).
    const names = r.names();
    expect(r.calls.find((c) => c.name === "processes.open")!.args[0]).toBe(901);
    expect(names.indexOf("processes.open")).toBeLessThan(names.indexOf("stage.close"));
    expect(names.indexOf("handle.close")).toBeGreaterThan(names.indexOf("processes.waitFor"));
  });

  test("into a created container whose stage joined a PID namespace for its children, that namespace is joined", async () => {
    const { r } = world((rr) => fakeStage(rr, 900, [JSON.stringify({ t: "spawned", pid: 901 })], { exited: true }), true);
    await execInContainer({ root: "/run/b", id: "t", process: proc, detach: true }, r.env);
    const plan = (r.calls.find((c) => c.name === "stage.send")!.args[0] as { plan: StagePlan }).plan;
    expect(plan.join).toContainEqual({ path: "/proc/4242/ns/pid_for_children", flag: CLONE.NEWPID });
    expect(r.names()).not.toContain("processes.becomeSubreaper");
  });

  test("the exec'd program gets the container's seccomp filter, with the container's state for a listener", async () => {
    const seccomp = { program: "BgAAAAAA/38=", flags: 1, listener: { path: "/run/agent.sock", metadata: null } };
    const { r } = world((rr) => fakeStage(rr, 900, [JSON.stringify({ t: "spawned", pid: 901 })], { exited: true }), false, record({ seccomp }));
    await execInContainer({ root: "/run/b", id: "t", process: proc, detach: true }, r.env);
    const plan = (r.calls.find((c) => c.name === "stage.send")!.args[0] as { plan: StagePlan }).plan;
    expect(plan.seccomp).toEqual(seccomp);
    expect(JSON.parse(plan.stateJson)).toMatchObject({ id: "t", status: "running", pid: 4242, bundle: "/b" });
    // A container without a filter: none.
    const bare = world((rr) => fakeStage(rr, 900, [JSON.stringify({ t: "spawned", pid: 901 })], { exited: true }));
    await execInContainer({ root: "/run/b", id: "t", process: proc, detach: true }, bare.r.env);
    expect((bare.r.calls.find((c) => c.name === "stage.send")!.args[0] as { plan: StagePlan }).plan.seccomp).toBeNull();
  });

  test("the stage's failure is the error; the stage is made sure to be gone", async () => {
    const failed = JSON.stringify({ t: "failed", step: "chdir to cwd", message: "chdir '/nope': ENOENT", call: "chdir", errno: "ENOENT" });
    const { r } = world((rr) => fakeStage(rr, 900, [failed], { exited: true, exitCode: 1 }));
    const err = await execInContainer({ root: "/run/b", id: "t", process: proc, detach: false }, r.env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageFailedError);
    expect((err as Error).message).toBe("Setup stage failed at 'chdir to cwd': chdir '/nope': ENOENT");
    expect(r.names().slice(-3)).toEqual(["stage.close", "host.close", "stage.kill"]);
  });

  test("a stage that exits without a word fails exec with its exit status", async () => {
    const { r } = world((rr) => fakeStage(rr, 900, [], { exited: true, exitCode: 1 }));
    await expect(execInContainer({ root: "/run/b", id: "t", process: proc, detach: false }, r.env)).rejects.toThrow(
      "The exec stage exited before it started the program (exit status 1)",
    );
  });
});
