import { describe, expect, test } from "bun:test";
import type { CgroupManager } from "../../../../runtime/cgroups/manager.ts";
import type { ContainerEnv } from "../../../../runtime/container/env.ts";
import type { ContainerNetwork } from "../../../../runtime/container/network.ts";
import { createContainer } from "../../../../runtime/container/create.ts";
import type { ContainerRecord } from "../../../../runtime/container/record.ts";
import { StageFailedError } from "../../../../runtime/container/stage-failed.ts";
import type { StageProcess } from "../../../../runtime/process/spawn-stage.ts";
import type { Config } from "../../../../runtime/spec/config.ts";
import { fakeCgroup, fakeLock, fakeStage, noNetwork, recordingEnv, type EnvRecorder } from "../../fakes/container-env.ts";
import { CREATED_AT, config } from "./fixtures.ts";

const READY = JSON.stringify({ t: "ready", pid: 4242 });
// A cgroup.procs file of a hierarchy that is not there: the parent places the stage in it (cgroup-placement.ts).
const PROCS = "/nonexistent/cgroup/t/cgroup.procs";

interface World {
  r: EnvRecorder;
  written: ContainerRecord[];
}

/** Container `t` of `cfg` created in /run/b; the stage says `lines`; `over` replaces single methods. */
interface Options {
  cfg?: Config;
  cgroup?: Partial<CgroupManager>;
  stage?: (r: EnvRecorder) => StageProcess;
  writePidFile?: () => void;
  runHooks?: ContainerEnv["hooks"]["run"];
  check?: ContainerEnv["config"]["check"];
  network?: Partial<ContainerEnv["network"]>;
}

const world = (lines: string[], opts: Options = {}): World => {
  const written: ContainerRecord[] = [];
  const r: EnvRecorder = recordingEnv({
    config: { read: () => opts.cfg ?? config(), check: opts.check ?? ((doc) => doc as Config) },
    state: {
      makeDir: () => {},
      removeDir: () => {},
      lock: () => fakeLock(r),
      write: (_root, rec) => void written.push(structuredClone(rec)),
      renderLimitsView: () => [],
      writePidFile: opts.writePidFile ?? (() => {}),
    },
    clock: { now: () => new Date(CREATED_AT) },
    cgroups: {
      manager: () =>
        fakeCgroup(r, {
          create: () => {},
          apply: () => {},
          procsFiles: () => [PROCS],
          dirs: () => [],
          destroy: async () => {},
          ...opts.cgroup,
        }),
    },
    stages: {
      openHostFiles: () => ({ fds: [30], layout: { cgroupProcs: [], start: 6, consoleSocket: null, idmappedMounts: [] }, close: () => r.log("host.close", []) }),
      spawn: () => (opts.stage ?? ((rr) => fakeStage(rr, 4242, lines)))(r),
      place: async () => {},
    },
    processes: { stat: () => ({ startTime: "99", state: "S" }) },
    network: { ...noNetwork(() => r), ...opts.network },
    journal: { record: () => {} },
    ...(opts.runHooks ? { hooks: { run: opts.runHooks } } : {}),
  });
  return { r, written };
};

const create = (w: World, pidFile?: string, annotations?: Record<string, string>) =>
  createContainer({ root: "/run/b", id: "t", bundle: "/b", journal: "/j", ...(pidFile ? { pidFile } : {}), ...(annotations ? { annotations } : {}) }, w.r.env);

describe("createContainer()", () => {
  test("state directory, lock, record, cgroup, stage; the init is recorded once the stage is ready, pid file before journal", async () => {
    const w = world([READY]);
    const created = await create(w, "/run/b/t.pid");
    expect(w.r.names()).toEqual([
      "config.read", "stages.spawn", "config.check", "state.makeDir", "state.lock", "network.prepare", "clock.now", "state.write",
      "cgroups.manager", "cgroup.create", "cgroup.apply", "cgroup.procsFiles", "stages.openHostFiles", "state.renderLimitsView", "cgroup.dirs",
      "stage.send", "stages.place", "host.close", "processes.stat", "network.connect", "state.write", "state.writePidFile", "journal.record", "lock.release",
    ]);
    expect(w.written.map((rec) => [rec.creating, rec.pid, rec.startTime])).toEqual([[true, 0, ""], [false, 4242, "99"]]);
    expect(created.record).toMatchObject({ id: "t", pid: 4242, created: CREATED_AT, pidFile: "/run/b/t.pid" });
    expect(w.r.calls.find((c) => c.name === "stages.place")!.args).toEqual([PROCS, 4242]);
    const sent = w.r.calls.find((c) => c.name === "stage.send")!.args[0] as { t: string; plan: { hostFds: { start: number } } };
    expect(sent.t).toBe("plan");
    // The host files travel with the plan (SCM_RIGHTS), to be found where the plan says.
    expect(sent.plan.hostFds.start).toBe(6);
    expect(w.r.calls.find((c) => c.name === "stage.send")!.args[1]).toEqual([30]);
  });

  test("the compiled seccomp filter is kept in the record, for the processes exec'd later", async () => {
    const cfg = config((c) => ({ ...c, linux: { ...c.linux, seccomp: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] } } }));
    const w = world([READY], { cfg });
    await create(w);
    const sent = w.r.calls.find((c) => c.name === "stage.send")!.args[0] as { plan: { seccomp: unknown } };
    expect(sent.plan.seccomp).toMatchObject({ program: expect.any(String), listener: null });
    expect(w.written.at(-1)!.seccomp).toEqual(sent.plan.seccomp as never);
    expect(w.written[0]!.seccomp).toBeUndefined();
  });

  test("a stage failure is the error, and everything made is taken down, newest first", async () => {
    const failed = JSON.stringify({ t: "failed", step: "mount", message: "Mount of '/bogus' failed: mount: ENODEV", call: "mount", errno: "ENODEV" });
    const w = world([failed]);
    const err = await create(w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageFailedError);
    expect((err as Error).message).toBe("Setup stage failed at 'mount': Mount of '/bogus' failed: mount: ENODEV");
    const names = w.r.names();
    expect(names.slice(names.indexOf("stage.send") + 1)).toEqual(["stages.place", "stage.kill", "host.close", "cgroup.destroy", "lock.release", "state.removeDir"]);
    expect(names).not.toContain("journal.record");
  });

  test("every cleanup runs when one fails, and its error is kept beside the main one", async () => {
    const w = world([], {
      cgroup: { destroy: async () => Promise.reject(new Error("Removing cgroup '/sys/fs/cgroup/pids/t': EBUSY")) },
      stage: (r) => fakeStage(r, 4242, [], { exited: true, exitCode: 137 }),
    });
    const err = (await create(w).catch((e: unknown) => e)) as AggregateError;
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.message).toBe("The setup stage exited before it was ready (exit status 137)");
    expect(err.errors.map((e) => (e as Error).message)).toEqual(["Removing cgroup '/sys/fs/cgroup/pids/t': EBUSY"]);
    expect(w.r.names().slice(-5)).toEqual(["stage.kill", "host.close", "cgroup.destroy", "lock.release", "state.removeDir"]);
  });

  test("a pid file that cannot be written fails create before the journal hears of the container", async () => {
    const w = world([READY], {
      writePidFile: () => {
        throw new Error("open '/nonexistent/pid': ENOENT");
      },
    });
    await expect(create(w, "/nonexistent/pid")).rejects.toThrow("ENOENT");
    expect(w.r.names()).not.toContain("journal.record");
    expect(w.r.names().slice(-5)).toEqual(["stage.kill", "host.close", "cgroup.destroy", "lock.release", "state.removeDir"]);
  });

  test("prestart and createRuntime hooks run when the stage has mounted, with the created state and the init's pid", async () => {
    const cfg = config((c) => ({ ...c, hooks: { prestart: [{ path: "/bin/pre" }], createRuntime: [{ path: "/bin/rt" }] } }));
    const ran: [string, string, unknown][] = [];
    const w = world([JSON.stringify({ t: "mounts-ready" }), READY], {
      cfg,
      runHooks: (kind, hooks, json) => hooks.forEach((h) => ran.push([kind, h.path, JSON.parse(json)])),
    });
    await create(w);
    expect(ran.map(([kind, path, s]) => [kind, path, (s as { status: string; pid: number }).status, (s as { pid: number }).pid])).toEqual([
      ["prestart", "/bin/pre", "created", 4242],
      ["createRuntime", "/bin/rt", "created", 4242],
    ]);
    const sends = w.r.calls.filter((c) => c.name === "stage.send").map((c) => (c.args[0] as { t: string }).t);
    expect(sends).toEqual(["plan", "continue"]);
  });

  test("linux.netDevices move into the init's namespace once the stage is ready, and back when create fails after", async () => {
    const cfg = config((c) => ({ ...c, linux: { ...c.linux, netDevices: { dummy0: { name: "eth1" } } } }));
    const w = world([READY], {
      cfg,
      network: { moveDevicesIn: () => {}, moveDevicesOut: () => [] },
      writePidFile: () => {
        throw new Error("open '/nonexistent/pid': ENOENT");
      },
    });
    await expect(create(w, "/nonexistent/pid")).rejects.toThrow("ENOENT");
    const names = w.r.names();
    expect(names.slice(names.indexOf("processes.stat"))).toEqual([
      "processes.stat", "network.connect", "network.moveDevicesIn", "state.write", "state.writePidFile", "network.moveDevicesOut", "network.release", "stage.kill", "host.close", "cgroup.destroy", "lock.release", "state.removeDir",
    ]);
    expect(w.r.calls.find((c) => c.name === "network.moveDevicesIn")!.args).toEqual([4242, { dummy0: { name: "eth1" } }]);
  });

  test("a config asking for a terminal without a console is refused before anything is made, and the stage started ahead is killed", async () => {
    const w = world([], { cfg: config((c) => ({ ...c, process: { ...c.process, terminal: true } })) });
    await expect(create(w)).rejects.toThrow("process.terminal is true: give --console-socket, or run the container in the foreground");
    expect(w.r.names()).toEqual(["config.read", "stages.spawn", "config.check", "stage.kill"]);
  });

  test("a config whose namespaces the check may refuse starts no stage before the check, which refuses it", async () => {
    const w = world([], {
      cfg: config((c) => ({ ...c, linux: { ...c.linux, namespaces: [{ type: "pid", path: "relative" }] } })),
      check: () => {
        throw new Error("Invalid config.json: /linux/namespaces/0/path: Must be absolute");
      },
    });
    await expect(create(w)).rejects.toThrow("Must be absolute");
    expect(w.r.names()).toEqual(["config.read", "config.check"]);
  });
  test("a stage started ahead that the network's config no longer fits (another user namespace) is killed, and one that fits started", async () => {
    const w = world([READY], {
      network: {
        prepare: (cfg) => ({ prepared: { config: { ...cfg, linux: { ...cfg.linux, namespaces: [...(cfg.linux?.namespaces ?? []), { type: "user" }] } } } }) as ContainerNetwork,
      },
    });
    await create(w);
    const names = w.r.names();
    expect(names.filter((n) => n === "stages.spawn")).toHaveLength(2);
    expect(names.indexOf("stage.kill")).toBeGreaterThan(names.indexOf("stages.spawn"));
    expect(names.indexOf("stage.kill")).toBeLessThan(names.lastIndexOf("stages.spawn"));
    const spawned = w.r.calls.filter((c) => c.name === "stages.spawn").map((c) => (c.args[0] as { env: Record<string, string> }).env._BUNKER_EARLY);
    expect(spawned).toEqual(["", "new-user"]);
  });

  test("the network's config is what the stage gets and the record keeps; it is attached once the stage is ready", async () => {
    const state = { mode: "cni" as const, network: "bunker", netns: "/run/b/t/netns", cache: "/n/cache/bunker-t-eth0" };
    const w = world([READY], {
      network: {
        prepare: (cfg, o) => ({ prepared: { config: { ...cfg, hostname: `${o.id}-${o.overrides?.["bunker.network"]}` }, state } }) as ContainerNetwork,
        connect: (_n, c) => ({ state: { ...state, addresses: [`10.88.0.2/16 (pid ${c.pid})`] }, release: () => {} }),
      },
    });
    const created = await create(w, undefined, { "bunker.network": "bridge" });
    expect(w.r.calls.find((c) => c.name === "network.prepare")!.args[1]).toEqual({ id: "t", stateDir: "/run/b/t", overrides: { "bunker.network": "bridge" } });
    const sent = w.r.calls.find((c) => c.name === "stage.send")!.args[0] as { plan: { hostname?: string } };
    expect(sent.plan.hostname).toBe("t-bridge");
    expect(w.written.map((rec) => rec.network)).toEqual([state, { ...state, addresses: ["10.88.0.2/16 (pid 4242)"] }]);
    expect(created.record.annotationOverrides).toEqual({ "bunker.network": "bridge" });
  });

  test("a failed attach is the error; the stage, the cgroup and the state go, nothing is journaled", async () => {
    const w = world([READY], {
      network: {
        connect: () => {
          throw new Error("Setting up the container's network failed: plugin 'bridge' ADD: failed to set bridge addr");
        },
      },
    });
    await expect(create(w)).rejects.toThrow("failed to set bridge addr");
    const names = w.r.names();
    expect(names.slice(names.indexOf("network.connect"))).toEqual(["network.connect", "stage.kill", "host.close", "cgroup.destroy", "lock.release", "state.removeDir"]);
    expect(names).not.toContain("journal.record");
  });

  test("a create that fails after the attach releases the network first, while the stage still holds its namespace", async () => {
    const w = world([READY], {
      writePidFile: () => {
        throw new Error("open '/nonexistent/pid': ENOENT");
      },
    });
    await expect(create(w, "/nonexistent/pid")).rejects.toThrow("ENOENT");
    const names = w.r.names();
    expect(names.slice(names.indexOf("network.connect"))).toEqual([
      "network.connect", "state.write", "state.writePidFile", "network.release", "stage.kill", "host.close", "cgroup.destroy", "lock.release", "state.removeDir",
    ]);
  });
});
