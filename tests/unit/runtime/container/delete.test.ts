import { describe, expect, test } from "bun:test";
import { deleteContainer } from "../../../../runtime/container/delete.ts";
import { DamagedStateError, NoSuchContainerError, type ContainerRecord } from "../../../../runtime/container/record.ts";
import type { ContainerEnv } from "../../../../runtime/container/env.ts";
import { fakeCgroup, fakeHandle, fakeLock, noNetwork, recordingEnv, type EnvRecorder } from "../../fakes/container-env.ts";
import { config, record } from "./fixtures.ts";

/** An environment where container `t` is `rec` (read twice: before and under the lock) and its init is alive until
 * the cgroup is destroyed. */
const world = (
  rec: ContainerRecord | (() => ContainerRecord),
  opts: { running?: boolean; destroy?: () => Promise<void>; runWarning?: ContainerEnv["hooks"]["runWarning"]; disconnect?: ContainerEnv["network"]["disconnect"]; network?: Partial<ContainerEnv["network"]> } = {},
): EnvRecorder => {
  let alive = true;
  const r: EnvRecorder = recordingEnv({
    state: {
      read: () => (typeof rec === "function" ? rec() : rec),
      lock: () => fakeLock(r),
      awaitsStart: () => !opts.running,
      removeDir: () => {},
    },
    processes: {
      isAlive: () => alive,
      open: (pid, isMeant) => (isMeant() ? fakeHandle(r, pid) : undefined),
    },
    cgroups: {
      manager: () =>
        fakeCgroup(r, {
          frozen: () => false,
          destroy: opts.destroy ?? (async () => void (alive = false)),
        }),
    },
    network: { ...noNetwork(() => r), ...(opts.disconnect ? { disconnect: opts.disconnect } : {}), ...opts.network },
    journal: { record: () => {} },
    hooks: { runWarning: opts.runWarning ?? (() => {}) },
    clock: { sleep: async () => {} },
  });
  return r;
};

const run = (r: EnvRecorder, force: boolean, warnings: string[] = []) =>
  deleteContainer("/run/b", "t", { force, journal: "/j" }, (m) => warnings.push(m), r.env);

describe("deleteContainer()", () => {
  test("under the lock: kills the init through its pidfd, destroys the cgroup, removes the state, journals, then poststop", async () => {
    const r = world(record());
    await run(r, false);
    expect(r.names()).toEqual([
      "state.read", "state.lock", "state.read",
      "processes.isAlive", "state.awaitsStart",
      "cgroups.manager", "processes.open", "processes.isAlive", "process.signal", "process.close",
      "cgroup.destroy", "processes.isAlive", "network.disconnect", "state.removeDir", "journal.record", "hooks.runWarning", "lock.release",
    ]);
    expect(r.calls.find((c) => c.name === "process.signal")!.args).toEqual([4242, 9]);
    expect(r.calls.find((c) => c.name === "journal.record")!.args).toEqual(["/j", [{ kind: "desired", id: "t", running: false }, { kind: "deleted", id: "t" }]]);
  });

  test("linux.netDevices go back to the host before the init is killed; one that cannot is a warning, not a failure", async () => {
    const rec = record({ config: config((c) => ({ ...c, linux: { ...c.linux, netDevices: { dummy0: { name: "eth1" } } } })) });
    const r = world(rec, { network: { moveDevicesOut: () => [new Error("Moving network device 'eth1' back to the host as 'dummy0' failed")] } });
    const warnings: string[] = [];
    await run(r, false, warnings);
    const names = r.names();
    expect(names.slice(names.indexOf("processes.open"), names.indexOf("process.signal") + 1)).toEqual(["processes.open", "processes.isAlive", "network.moveDevicesOut", "process.signal"]);
    expect(r.calls.find((c) => c.name === "network.moveDevicesOut")!.args).toEqual([4242, { dummy0: { name: "eth1" } }]);
    expect(warnings).toEqual(["Moving network device 'eth1' back to the host as 'dummy0' failed"]);
    expect(names).toContain("state.removeDir");
  });

  test("refuses a running container without --force, changes nothing, and lets the lock go", async () => {
    const r = world(record(), { running: true });
    await expect(run(r, false)).rejects.toThrow("Cannot delete container 't': it is running (stop it first or use --force)");
    expect(r.names()).not.toContain("process.signal");
    expect(r.names()).not.toContain("state.removeDir");
    expect(r.names().at(-1)).toBe("lock.release");
  });

  test("a container made anew under the same ID while it waited is not this delete's: it is told the one it meant is gone", async () => {
    const anew = (): EnvRecorder => {
      const reads = [record(), record({ created: "2026-12-01T10:00:01.000Z", pid: 5151 })];
      return world(() => reads.shift()!);
    };
    const r = anew();
    await expect(run(r, false)).rejects.toBeInstanceOf(NoSuchContainerError);
    expect(r.names()).not.toContain("cgroups.manager");
    expect(r.names().at(-1)).toBe("lock.release");
    // With --force, as runc: what is not there any more is done, and the new container is left alone.
    const forced = anew();
    await run(forced, true);
    expect(forced.names()).not.toContain("state.removeDir");
  });

  test("a container whose directory went while it waited for the lock is gone: --force is done", async () => {
    const r = recordingEnv({
      state: {
        read: () => record(),
        lock: () => {
          throw new NoSuchContainerError("t");
        },
      },
    });
    await deleteContainer("/run/b", "t", { force: true, journal: null }, () => {}, r.env);
    await expect(deleteContainer("/run/b", "t", { force: false, journal: null }, () => {}, r.env)).rejects.toThrow("Container 't' does not exist");
  });

  test("a failed cgroup removal fails delete, keeps the state for another try, and lets the lock go", async () => {
    const r = world(record(), { destroy: async () => Promise.reject(new Error("Removing cgroup '/sys/fs/cgroup/pids/t': EBUSY")) });
    await expect(run(r, true)).rejects.toThrow("EBUSY");
    expect(r.names()).not.toContain("state.removeDir");
    expect(r.names()).not.toContain("journal.record");
    expect(r.names().at(-1)).toBe("lock.release");
  });

  test("poststop hooks get the stopped state and warn through the caller's sink", async () => {
    const warnings: string[] = [];
    const r = world(record({ config: config((c) => ({ ...c, hooks: { poststop: [{ path: "/bin/false" }] } })) }), {
      runWarning: (_kind, steps, json, warn) => warn(`poststop hook '${steps[0]!.path}' failed: exit status 1 (${JSON.parse(json).status})`),
    });
    await run(r, true, warnings);
    expect(warnings).toEqual(["poststop hook '/bin/false' failed: exit status 1 (stopped)"]);
  });
  test("the network is released once no process is left, before the state goes; what fails is a warning, not kept state", async () => {
    const warnings: string[] = [];
    const net = { mode: "cni" as const, network: "bunker", netns: "/run/b/t/netns", cache: "/n/cache/bunker-t-eth0" };
    let given: unknown;
    const r = world(record({ network: net }), {
      disconnect: (rec, warn) => {
        given = rec.network;
        warn("Network release: plugin 'portmap' DEL: iptables: No chain/target/match by that name");
      },
    });
    await run(r, true, warnings);
    expect(given).toEqual(net);
    const names = r.names();
    expect(names.slice(names.indexOf("cgroup.destroy"), names.indexOf("state.removeDir") + 1)).toEqual(["cgroup.destroy", "processes.isAlive", "network.disconnect", "state.removeDir"]);
    expect(warnings).toEqual(["Network release: plugin 'portmap' DEL: iptables: No chain/target/match by that name"]);
  });

  test("--force of a damaged state unpins the network namespace under the lock before the directory goes", async () => {
    const warnings: string[] = [];
    const r: EnvRecorder = recordingEnv({
      state: {
        read: () => {
          throw new DamagedStateError("State file of container 't' is damaged: Unexpected end of JSON input");
        },
        lock: () => fakeLock(r),
        removeDir: () => {},
      },
      network: { unpinDamaged: () => {} },
      journal: { record: () => {} },
    });
    await deleteContainer("/run/b", "t", { force: true, journal: "/j" }, (m) => warnings.push(m), r.env);
    expect(r.names()).toEqual(["state.read", "state.lock", "network.unpinDamaged", "state.removeDir", "journal.record", "lock.release"]);
    expect(r.calls.find((c) => c.name === "network.unpinDamaged")!.args).toEqual(["/run/b/t"]);
    expect(warnings[0]).toContain("Removed the state of damaged container 't'");
  });
});
