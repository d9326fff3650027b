// What the container operations (create, start, delete, kill, exec, run) reach the host through, as youki's
// libcontainer takes its syscall interface and cgroup manager: `hostEnv` here, a recording fake in tests
// (tests/unit/fakes/container-env.ts) that fails loudly on any call a test did not expect. Each group is named for
// what it holds; each method for what it does.
import { mkdirSync, rmSync, existsSync, unlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { prctl } from "../../ffi/process.ts";
import { PR } from "../../ffi/constants.ts";
import { close, read, writeAll } from "../../ffi/fd.ts";
import { procTakesPidns } from "../../ffi/mount.ts";
import { connectUnixIn } from "../../ffi/socket.ts";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import type { LifecycleChange } from "../durable/lifecycle.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import type { CgroupManager } from "../cgroups/manager.ts";
import { runHooks, runHooksWarning } from "../process/hooks.ts";
import { openHostFiles, type HostFiles, type HostPaths } from "../process/host-files.ts";
import { writeIdMaps } from "../process/id-maps.ts";
import type { HookStep } from "../process/plan.ts";
import { openProcess, type ProcessHandle } from "../process/process-handle.ts";
import { spawnOrTakeAhead } from "../process/ahead.ts";
import type { SpawnOptions, StageProcess } from "../process/spawn-stage.ts";
import { waitForPid } from "../process/wait-pid.ts";
import type { LinuxIDMapping, Mount } from "../spec/config.ts";
import { parseConfig, type Config } from "../spec/config.ts";
import { readConfig } from "../spec/json-text.ts";
import type { LinuxResources } from "../spec/resources.ts";
import { recordChanges } from "./journal.ts";
import { renderLimitsView } from "./limits-view.ts";
import { lockContainer, type ContainerLock } from "./lock.ts";
import { moveNetDevicesIn, moveNetDevicesOut, type NetDevices } from "./net-devices.ts";
import { isAlive, isRunning, procStat } from "./proc.ts";
import { connectNetwork, disconnectNetwork, prepareContainerNetwork, unpinDamaged, type ContainerNetwork } from "./network.ts";
import type { NetworkEnv } from "../network/env.ts";
import type { NetworkState } from "../network/state.ts";
import { limitsViewDir, readRecord, START_SOCKET, startSocketPath, stateDir, writeRecord, type ContainerRecord } from "./record.ts";

/** A line-oriented connection: the start socket as `start` sees it. */
export interface Link {
  send(line: string): void;
  /** The next line, or undefined at end of file. */
  receive(): string | undefined;
  close(): void;
}

export interface ContainerEnv {
  /** The state root: a directory per container with its record, lock, start socket and limits view. */
  state: {
    /** Makes the root (if missing) and the container's directory; fails when the container exists. */
    makeDir(root: string, id: string): void;
    removeDir(root: string, id: string): void;
    read(root: string, id: string): ContainerRecord;
    write(root: string, rec: ContainerRecord): void;
    lock(root: string, id: string): ContainerLock;
    /** Whether the created container's stage still waits on its start socket. */
    awaitsStart(root: string, id: string): boolean;
    connectStart(root: string, id: string): Link;
    removeStartSocket(root: string, id: string): void;
    /** Writes the container's limits view; returns its bind mounts. */
    renderLimitsView(root: string, id: string, resources: LinuxResources | undefined): Mount[];
    /** A --pid-file, written atomically. */
    writePidFile(path: string, pid: number): void;
  };
  cgroups: { manager(opts: { cgroupsPath?: string; id: string }): CgroupManager };
  processes: {
    /** The process that had `startTime` (field 22 of /proc/<pid>/stat) is still there and has not exited. */
    isAlive(pid: number, startTime: string): boolean;
    /** Some process `pid` is there and has not exited (for a child, whose PID cannot be reused yet). */
    isRunning(pid: number): boolean;
    stat(pid: number): { startTime: string; state: string } | undefined;
    open(pid: number, isMeant: () => boolean): ProcessHandle | undefined;
    /** The exit status of a process that is (or will be, once its parent exits) our child. */
    waitFor(pid: number): Promise<number>;
    /** Orphans below us come to us to be waited for. */
    becomeSubreaper(): void;
  };
  stages: {
    openHostFiles(paths: HostPaths): HostFiles;
    spawn(o: SpawnOptions): StageProcess;
    procTakesPidns(): boolean;
    writeIdMaps(pid: number, uids: readonly LinuxIDMapping[], gids: readonly LinuxIDMapping[]): void;
    /** Writes `pid` into a cgroup.procs file, in the background. */
    place(procsFile: string, pid: number): Promise<void>;
  };
  hooks: {
    run(kind: string, hooks: readonly HookStep[], stateJson: string): void;
    runWarning(kind: string, hooks: readonly HookStep[], stateJson: string, onWarning: (msg: string) => void): void;
  };
  journal: { record(dir: string | null, changes: readonly LifecycleChange[]): void };
  clock: { now(): Date; sleep(ms: number): Promise<void> };
  /** `read` gives the bundle's config.json as parsed JSON, not checked yet; `check` checks it. */
  config: { read(bundle: string): unknown; check(document: unknown, bundle: string): Config };
  /** The container's network (runtime/network: CNI plugins, its cache, the socket policy's programs). */
  network: {
    /** The config with `overrides` over its annotations, and the network's changes to it (namespaces, /etc files). */
    prepare(config: Config, o: { id: string; stateDir: string; overrides?: Record<string, string>; env?: NetworkEnv }): ContainerNetwork;
    /** Attaches the container once its stage made the namespaces; returns its network state and what undoes it. */
    connect(n: ContainerNetwork, c: { id: string; root: string; stateDir: string; pid: number; cgroup: CgroupManager }): { state?: NetworkState; release(): void };
    /** Releases the network of a container being deleted; what could not be released goes to `onWarning`. */
    disconnect(rec: ContainerRecord, onWarning: (msg: string) => void): void;
    /** The namespace pin in the state directory of a container whose record cannot be read. */
    unpinDamaged(stateDir: string): void;
    /** linux.netDevices: moved into the network namespace of process `pid`, and back (returning what stayed). */
    moveDevicesIn(pid: number, devices: NetDevices): void;
    moveDevicesOut(pid: number, devices: NetDevices): Error[];
  };
}

/** The start socket through the state directory's fd: a root path of any length works. */
const startLink = (root: string, id: string): Link => {
  const fd = connectUnixIn(stateDir(root, id), START_SOCKET);
  let pending = "";
  return {
    send: (line) => writeAll(fd, Buffer.from(`${line}\n`), "start socket"),
    receive: () => {
      for (;;) {
        const nl = pending.indexOf("\n");
        if (nl >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          return line;
        }
        const chunk = read(fd, 65536);
        if (chunk.length === 0) return undefined;
        pending += chunk.toString("utf8");
      }
    },
    close: () => close(fd),
  };
};

export const hostEnv: ContainerEnv = {
  state: {
    makeDir: (root, id) => {
      mkdirSync(root, { recursive: true, mode: 0o711 });
      try {
        mkdirSync(stateDir(root, id), { mode: 0o711 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`Container '${id}' already exists`);
        throw err;
      }
    },
    removeDir: (root, id) => rmSync(stateDir(root, id), { recursive: true, force: true }),
    read: readRecord,
    write: writeRecord,
    lock: lockContainer,
    awaitsStart: (root, id) => existsSync(startSocketPath(root, id)),
    connectStart: startLink,
    removeStartSocket: (root, id) => unlinkSync(startSocketPath(root, id)),
    renderLimitsView: (root, id, resources) => renderLimitsView(limitsViewDir(root, id), resources),
    writePidFile: (path, pid) => writeFileAtomic(path, String(pid)),
  },
  cgroups: { manager: cgroupManager },
  processes: {
    isAlive,
    isRunning,
    stat: procStat,
    open: openProcess,
    waitFor: waitForPid,
    becomeSubreaper: () => void prctl(PR.SET_CHILD_SUBREAPER, 1),
  },
  stages: {
    openHostFiles,
    spawn: spawnOrTakeAhead,
    procTakesPidns,
    writeIdMaps,
    place: (file, pid) => writeFile(file, String(pid)),
  },
  hooks: { run: runHooks, runWarning: runHooksWarning },
  journal: { record: recordChanges },
  clock: { now: () => new Date(), sleep: (ms) => Bun.sleep(ms) },
  config: { read: readConfig, check: parseConfig },
  network: {
    prepare: (config, o) => prepareContainerNetwork(config, o),
    connect: (n, c) => connectNetwork(n, c),
    disconnect: (rec, onWarning) => disconnectNetwork(rec, onWarning),
    unpinDamaged: (dir) => unpinDamaged(dir),
    moveDevicesIn: (pid, devices) => moveNetDevicesIn(pid, devices),
    moveDevicesOut: (pid, devices) => moveNetDevicesOut(pid, devices),
  },
};
