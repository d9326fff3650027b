import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Damaged } from "../../../../runtime/container/list.ts";
import type { ContainerOps, ListedContainer } from "../../../../runtime/supervisor/container-ops.ts";
import { MemoryCore } from "../../../../runtime/memory/core.ts";
import type { EpollWatch, WatchCallbacks } from "../../../../runtime/watch/epoll.ts";
import type { MemoryEvent } from "../../../../runtime/memory/event-log.ts";
import { defaultLadderConfig } from "../../../../runtime/memory/ladder.ts";
import { Supervisor } from "../../../../runtime/supervisor/supervisor.ts";
import type { ExitRecord } from "../../../../runtime/memory/restart.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";
import { putSystem, putV2 } from "../memory/cgroup-fixtures.ts";
import { until } from "../../../support/until.ts";

const MiB = 2 ** 20;

/** The epoll worker's stand-in: remembers watched fds so a test can fire them (an init exiting). */
const fakeWatch = () => {
  const fds = new Map<string, WatchCallbacks>();
  const watch: EpollWatch = {
    arm: (label, _p, _t, cb) => void fds.set(label, cb),
    watchFd: (label, _fd, _ev, cb) => void fds.set(label, cb),
    disarm: (label) => void fds.delete(label),
    labels: () => [...fds.keys()],
    close: async () => {},
  };
  return { watch, fds, fire: (label: string) => fds.get(label)!.fired(Date.now()) };
};

/** Containers as the state root would list them; recreate() records the call and hands out a controllable exit. */
const fakeOps = (list: ListedContainer[], damaged: Damaged[] = []) => {
  const recreated: string[] = [];
  const exits: ((code: number) => void)[] = [];
  let failRecreate = false;
  const ops: ContainerOps = {
    list: () => ({ containers: list, damaged }),
    paths: (c) => ({ v2: `/sys/fs/cgroup/bunker/${c.id}` }),
    exitFd: () => 42,
    pidOf: () => {
      throw new Error("unexpected pidOf()");
    },
    recreate: async (c) => {
      recreated.push(c.id);
      if (failRecreate) throw new Error(`Cannot create container '${c.id}': bundle gone`);
      return { exited: new Promise<number>((resolve) => exits.push(resolve)) };
    },
  };
  return { ops, recreated, exits, failNext: () => (failRecreate = true) };
};

let f: FakeCgroupFs;
let root: string;
let events: MemoryEvent[];
let warnings: string[];
let sup: Supervisor | undefined;
beforeEach(() => {
  f = new FakeCgroupFs();
  root = mkdtempSync(join(tmpdir(), "bunker-root-"));
  events = [];
  warnings = [];
  putSystem(f, { availableMiB: 150 });
});
afterEach(() => {
  sup?.stop();
  f.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const listed = (id: string, annotations: Record<string, string>): ListedContainer => {
  putV2(f, `/sys/fs/cgroup/bunker/${id}`, { current: 10 * MiB });
  return { id, status: "running", annotations, bundle: `/bundles/${id}`, cgroupsPath: `/bunker/${id}` };
};

const supervise = (list: ListedContainer[], damaged: Damaged[] = [], exited?: (id: string, exit: ExitRecord) => void) => {
  const w = fakeWatch();
  const o = fakeOps(list, damaged);
  sup = new Supervisor({
    root, ops: o.ops, watch: w.watch, sink: (e) => events.push(e), warn: (m) => warnings.push(m), ...(exited ? { exited } : {}),
    core: (containers, restart) => new MemoryCore({ fs: f, config: defaultLadderConfig(), sink: (e) => events.push(e), containers, restart, reserve: { left: 0, step: MiB }, watch: w.watch }),
  });
  sup.start();
  return { ...w, ...o };
};


describe("Supervisor", () => {
  test("adopts the running containers of the root: exit watch, memory triggers, policy writes", () => {
    const s = supervise([listed("db", { "bunker.memory.class": "critical" }), listed("job", {})]);
    expect(s.watch.labels().sort()).toEqual(["exit db", "exit job", "psi db some", "psi job full", "psi system full", "psi system some", "psi system some look"]);
    expect(f.get("/sys/fs/cgroup/bunker/db/memory.low")).toBe("max");
  });

  test("does not supervise a container whose annotations are wrong, and says why", () => {
    const s = supervise([listed("bad", { "bunker.restart": "sometimes" })]);
    expect(warnings).toEqual(["Not supervising container 'bad': Cannot read annotation 'bunker.restart': must be no, on-failure or always, not 'sometimes'"]);
    expect(s.watch.labels()).not.toContain("exit bad");
  });

  test("says once which containers it cannot supervise because their state is damaged", () => {
    const reason = "Corrupt state file '/run/bunker/old/state.json': not valid JSON";
    supervise([listed("db", {})], [{ id: "old", reason }]);
    sup!.scan();
    expect(warnings).toEqual([`Not supervising container 'old': it is damaged: ${reason}`]);
  });

  test("restarts a container under 'always' after its backoff, and follows the new run's exit status", async () => {
    const s = supervise([listed("web", { "bunker.restart": "always", "bunker.restart.backoff": "20ms" })]);
    s.fire("exit web");
    expect(sup!.view()[0]!.status).toBe("stopped");
    await until(() => s.recreated.length === 1);
    expect(s.recreated).toEqual(["web"]);
    expect(sup!.view()[0]!.status).toBe("running");
    s.exits[0]!(3);
    await until(() => events.filter((e) => e.action === "exit").length === 2);
    expect(events.filter((e) => e.action === "exit").map((e) => e.reason)).toEqual([
      "init exited (status unknown: not a child of the daemon)",
      "init exited with status 3",
    ]);
    await until(() => s.recreated.length === 2);
    expect(events.filter((e) => e.action === "restart").map((e) => e.reason)).toEqual([
      "restart policy 'always' after status 255, delay 20 ms",
      "restart policy 'always' after status 3, delay 40 ms",
    ]);
  });

  test("leaves a container stopped under 'no'", async () => {
    const s = supervise([listed("once", {})]);
    s.fire("exit once");
    await Bun.sleep(30);
    expect(s.recreated).toEqual([]);
    expect(sup!.view()[0]!.status).toBe("stopped");
  });

  test("gives up after the crash-loop limit, counting restarts that failed", async () => {
    const s = supervise([listed("flaky", { "bunker.restart": "always", "bunker.restart.backoff": "5ms", "bunker.restart.limit": "2" })]);
    s.failNext();
    s.fire("exit flaky");
    await until(() => events.some((e) => e.action === "give-up"));
    expect(s.recreated).toEqual(["flaky", "flaky"]);
    expect(events.filter((e) => e.action === "restart").map((e) => e.outcome)).toEqual(["failed", "failed"]);
    expect(events.find((e) => e.action === "give-up")!.reason).toBe("crash loop: 2 restarts within 600s (limit 2)");
  });

  test("a container the daemon launched itself reports its exit status, not the pidfd's unknown one", async () => {
    const seen: [string, ExitRecord][] = [];
    const s = supervise([listed("svc.0123456789ab", {})], [], (id, exit) => seen.push([id, exit]));
    expect(s.watch.labels()).toContain("exit svc.0123456789ab");
    let exit = (_code: number): void => {};
    sup!.launched("svc.0123456789ab", new Promise<number>((resolve) => (exit = resolve)));
    // The pidfd watch gave way to the exit promise, which carries the status.
    expect(s.watch.labels()).not.toContain("exit svc.0123456789ab");
    exit(3);
    await until(() => seen.length === 1);
    expect(seen[0]![0]).toBe("svc.0123456789ab");
    expect(seen[0]![1].status).toBe(3);
  });
});
