// The container's setup stage: a copy of bunker started single-threaded by the parent. It joins or makes the
// namespaces, builds the root filesystem, waits for `start` on its start socket, and finally execve()s the user's
// program (or spawns it, when it entered an existing container).
import { writeFileSync } from "node:fs";
import { CLONE, O, TIOCSCTTY } from "../../ffi/constants.ts";
import { SysError } from "../../ffi/errno.ts";
import { realFsSyscalls, realSyscalls, type FsSyscalls, type Syscalls } from "../../ffi/syscalls.ts";
import { selfCommand } from "../compiled.ts";
import { debug } from "../debug.ts";
import { describeError } from "../errors.ts";
import { runHooks } from "./hooks.ts";
import { createDevice, createDevSymlinks } from "../rootfs/devices.ts";
import { InRoot, inRootOptionsFromEnv } from "../rootfs/in-root.ts";
import { mountCgroups, mountOne, mountProcOf, setPropagation } from "../rootfs/mounts.ts";
import { maskPath, readonlyPath, readonlyRoot } from "../rootfs/paths.ts";
import { enterRoot, switchRoot } from "../rootfs/pivot.ts";
import { applyRootPropagation, prepareRoot } from "../rootfs/root-propagation.ts";
import { LineChannel } from "./channel.ts";
import { spawnStage, STAGE_FDS } from "./spawn-stage.ts";
import { applyIdentity, applyRlimits } from "./credentials.ts";
import { applyApparmor } from "./apparmor.ts";
import { applyCpuAffinity } from "./cpu-affinity.ts";
import { applyIoPriority } from "./io-priority.ts";
import { applyPersonality } from "./personality.ts";
import { applyScheduler } from "./scheduler.ts";
import { executorOf, resolveExecutable } from "./exec-path.ts";
import { decodeParent, encode, type StageMessage } from "./messages.ts";
import type { StagePlan } from "./plan.ts";
import { connectSeccompListener, prepareSeccomp, type SeccompListener } from "./seccomp-load.ts";

/** Where the stage keeps what it inherited, close-on-exec, so that nothing of it reaches the container. */
const MOVED_FDS = { fromParent: 100, toParent: 101, executable: 102 } as const;

class StepError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(step, { cause });
  }
}

const step = <T>(name: string, fn: () => T): T => {
  try {
    return fn();
  } catch (err) {
    throw err instanceof StepError ? err : new StepError(name, err);
  }
};

const innermostSysError = (err: unknown): SysError | undefined => {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof SysError) return e;
  return undefined;
};

const writeProcFile = (path: string, value: string, what: string): void => {
  try {
    writeFileSync(path, value);
  } catch (err) {
    throw new Error(`Writing ${what} '${path}' failed`, { cause: err });
  }
};

const timeOffsetsText = (t: NonNullable<StagePlan["timeOffsets"]>): string =>
  (["monotonic", "boottime"] as const)
    .filter((c) => t[c])
    .map((c) => `${c} ${t[c]!.secs ?? 0} ${t[c]!.nanosecs ?? 0}\n`)
    .join("");

/** Writes "0" (this process) into each cgroup.procs (or v1 tasks) file the parent opened. */
const joinCgroups = (sys: Syscalls, fds: readonly number[]): void => fds.forEach((fd) => sys.writeAll(fd, Buffer.from("0"), "cgroup.procs"));

/** What `prepareContainer` leaves for the last steps. */
export interface Prepared {
  /** The program, resolved in the container's root and PATH. */
  path: string;
  /** The listening start socket, or -1 (exec). */
  start: number;
  /** The terminal's slave, when the stage spawns the program onto it (see finishAndExec). */
  terminal: string | null;
  /** The seccomp notify listener, connected while its path is still visible. */
  listener: SeccompListener | null;
}

/** Everything up to the point where the stage waits for `start`. Exported for tests with a recording fake. */
export const prepareContainer = (sys: Syscalls, fs: FsSyscalls, plan: StagePlan, channel: LineChannel): Prepared => {
  const awaitContinue = (): void => {
    const line = channel.receive();
    if (line === undefined) throw new Error("The parent went away");
    if (decodeParent(line).t !== "continue") throw new Error(`Unexpected message from the parent: ${line}`);
  };

  step("cpu affinity", () => applyCpuAffinity(sys, plan.cpuAffinity.initial));
  // Host files were opened by the parent (host-files.ts): a user namespace or the root switch would forbid it here.
  const cgroupFds = plan.hostFds.cgroupProcs;
  const start = plan.hostFds.start ?? -1;
  const consoleSock = plan.hostFds.consoleSocket ?? -1;

  // The user namespace was made or joined before the plan was read (early.ts).
  if (plan.newUserNamespace) {
    channel.send(encode({ t: "userns-ready", pid: process.pid }));
    step("wait for id mappings", awaitContinue);
  }
  if (plan.early.some((e) => e.kind === "new-user" || e.flag === CLONE.NEWUSER)) {
    step("become root in the user namespace", () => {
      sys.setresgid(0);
      sys.setresuid(0);
    });
  }
  if (plan.spawnInit) {
    step("start the init stage", () => spawnInitStage(channel));
    return { start, path: "", terminal: null, listener: null };
  }
  // The seccomp listener's path is the host's: reached before the container's mount namespace is joined (exec), or
  // before the root switch (a new one).
  const to = plan.seccomp?.listener;
  const connectListener = (): SeccompListener | null => (to ? step("connect to the seccomp listener", () => connectSeccompListener(sys, to.path)) : null);
  const joinsMountNamespace = plan.join.some((j) => j.flag === CLONE.NEWNS);
  let listener = joinsMountNamespace ? connectListener() : null;
  // All namespace files are opened before the first setns(): after joining the mount namespace, /proc is the
  // container's and the paths name other processes. The mount namespace comes first in the plan (see build-plan.ts).
  const joins = step("open namespaces", () => plan.join.map((j) => ({ ...j, fd: sys.open(j.path, O.RDONLY | O.CLOEXEC) })));
  // A PID namespace joined for the program alone stays open: the container's /proc is mounted for it.
  let pidns = -1;
  for (const j of joins) {
    step(`join namespace '${j.path}'`, () => {
      // setns() into a mount namespace needs an fs_struct of our own; the engine's helper threads share it.
      if (j.flag === CLONE.NEWNS) sys.unshare(CLONE.FS);
      sys.setns(j.fd, j.flag);
      if (j.flag === CLONE.NEWPID) pidns = j.fd;
      else sys.close(j.fd);
    });
  }

  if (plan.newCgroupNamespace) {
    // The cgroup namespace is rooted where the process is when it is made, so placement happens first.
    step("join cgroup", () => joinCgroups(sys, cgroupFds));
  }
  step("unshare namespaces", () => sys.unshare(plan.unshareFlags & ~CLONE.NEWUSER));
  if (plan.timeOffsets) step("time offsets", () => writeProcFile("/proc/self/timens_offsets", timeOffsetsText(plan.timeOffsets!), "timeOffsets"));
  if (plan.unshareFlags & CLONE.NEWTIME) {
    // Older kernels (6.1 on the board) move only children into a new time namespace, not an execve: enter it now,
    // while single-threaded.
    step("enter time namespace", () => {
      const fd = sys.open("/proc/self/ns/time_for_children", O.RDONLY | O.CLOEXEC);
      sys.setns(fd, CLONE.NEWTIME);
      sys.close(fd);
    });
  }

  step("sysctl", () => {
    for (const [key, value] of Object.entries(plan.sysctl)) writeProcFile(`/proc/sys/${key.replaceAll(".", "/")}`, value, "sysctl");
  });
  if (plan.hostname !== null) step("sethostname", () => sys.sethostname(plan.hostname!));
  if (plan.domainname !== null) step("setdomainname", () => sys.setdomainname(plan.domainname!));

  // Every path inside the rootfs is resolved inside it when used, through this handle (opened on the rootfs's own
  // bind mount, the one the root switch moves).
  let root: InRoot | undefined;
  if (plan.newMountNamespace) {
    step("prepare root", () => prepareRoot(sys, fs, plan));
    const r = (root = step("open root", () => InRoot.open(fs, plan.rootfs, inRootOptionsFromEnv())));
    debug(`stage: paths in the rootfs resolved by ${r.resolver}`);
    for (const m of plan.mounts) {
      step("mount", () => {
        if (m.kind === "cgroup") mountCgroups(sys, r, m, plan);
        else if (m.fstype === "proc" && pidns >= 0) mountProcOf(sys, r, m, pidns);
        else mountOne(sys, r, m);
      });
    }
    if (plan.populateDev) {
      step("create devices", () => {
        for (const d of plan.devices) createDevice(sys, r, d, plan.bindDevices);
        createDevSymlinks(r, plan.mounts.some((m) => m.destination === "/dev/pts"));
      });
    }
  }
  if (pidns >= 0) sys.close(pidns);
  if (plan.pauseForHooks) {
    channel.send(encode({ t: "mounts-ready" }));
    step("wait for createRuntime hooks", awaitContinue);
  }
  // In the container's mount namespace before pivot_root, their paths resolved in the runtime's (the spec; runc, crun).
  step("createContainer hooks", () => runHooks("createContainer", plan.hooks.createContainer, plan.stateJson));
  if (!joinsMountNamespace) listener = connectListener();
  if (root) {
    const r = root;
    for (const p of plan.maskedPaths) step(`mask '${p}'`, () => maskPath(sys, r, p));
    for (const p of plan.readonlyPaths) step(`make '${p}' read-only`, () => readonlyPath(sys, r, p));
    step("create cwd", () => r.release(r.mkdirAll(plan.cwd)));
    r.close();
    step("switch root", () => switchRoot(sys, plan.rootfs));
    step("root propagation", () => applyRootPropagation(sys, plan));
    const top = step("open root", () => InRoot.open(fs, "/", inRootOptionsFromEnv()));
    for (const m of plan.mounts) step("mount propagation", () => setPropagation(sys, top, m));
    top.close();
  } else step("enter root", () => enterRoot(sys, plan.rootfs));

  let terminal: string | null = null;
  if (plan.terminal) {
    step("set up console", () => {
      const slave = openConsole(sys, plan, consoleSock);
      // A spawned program gets the terminal through posix_spawn; a stage that execs takes it itself.
      if (plan.spawnProcess) terminal = slave;
      else takeConsole(sys, slave);
    });
  }
  if (plan.newMountNamespace && plan.readonlyRoot) step("read-only root", () => readonlyRoot(sys));
  step("rlimits", () => applyRlimits(sys, plan));
  // Looked up now, so that a missing program fails `create` rather than a detached start.
  const path = step("find executable", () => resolveExecutable(plan.args[0]!, plan.env, plan.cwd, executorOf(plan)));
  if (!plan.newCgroupNamespace) {
    // The last step of create: an engine reads the cgroups of the container's process right after create (containerd
    // keeps them for metrics and OOM events), and the pages the stage touched until now stay charged to the caller.
    step("join cgroup", () => joinCgroups(sys, cgroupFds));
  }
  return { start, path, terminal, listener };
};

/**
 * The PID namespace must belong to the container's user namespace for its /proc to be mountable, so the stage that
 * made the user namespace makes it and starts its own successor as PID 1, handing over the parent's channel. It then
 * exits: the init is reparented to the caller's subreaper, like any detached container.
 */
const spawnInitStage = (channel: LineChannel): never => {
  // The host files come again with the init's plan.
  const executable = { fd: MOVED_FDS.executable, args: selfCommand().slice(1) };
  const init = spawnStage({ pid: "new", stageName: "init", handOver: channel, executable });
  channel.send(encode({ t: "init-spawned", pid: init.proc.pid }));
  init.proc.unref();
  process.exit(0);
};

/** Opens a terminal in the container's devpts and sends its master to the console socket; returns the slave's path. */
const openConsole = (sys: Syscalls, plan: StagePlan, consoleSock: number): string => {
  const { master, slavePath } = sys.openPty();
  if (plan.consoleSize) {
    sys.setWindowSize(master, plan.consoleSize.height, plan.consoleSize.width);
  }
  if (consoleSock >= 0) {
    sys.sendFd(consoleSock, master, slavePath);
    sys.close(consoleSock);
  }
  sys.close(master);
  return slavePath;
};

/** `path` opened on 0, 1 and 2. */
const takeStdio = (sys: Syscalls, path: string, ioctl?: number): void => {
  const fd = sys.open(path, O.RDWR);
  if (ioctl !== undefined) sys.ioctl(fd, ioctl, 0);
  for (const to of [0, 1, 2]) sys.dup3(fd, to, 0);
  if (fd > 2) sys.close(fd);
};

/** The slave becomes the controlling terminal and the stdio of a new session led by the stage. */
const takeConsole = (sys: Syscalls, slavePath: string): void => {
  sys.setsid();
  takeStdio(sys, slavePath, TIOCSCTTY);
};

/**
 * Runs `dropPrivileges` with the container's seccomp filter loaded after it, so that as few calls as possible run under
 * the filter; without no_new_privs, loading needs CAP_SYS_ADMIN, so the filter goes in before it is dropped (runc's order).
 */
const underSeccomp = (sys: Syscalls, plan: StagePlan, listener: SeccompListener | null, dropPrivileges: () => void): void => {
  if (!plan.seccomp) return dropPrivileges();
  const prepared = prepareSeccomp(plan.seccomp, plan.stateJson, listener);
  const load = (): void =>
    step("load seccomp filter", () => {
      debug("stage: seccomp loading");
      prepared(sys);
      debug("stage: seccomp loaded");
    });
  if (!plan.noNewPrivileges) load();
  dropPrivileges();
  if (plan.noNewPrivileges) load();
};

/**
 * Blocks until `start` connects to the start socket and says "start"; returns that connection (close-on-exec: the
 * caller of `start` reads end of file once the program runs, or the failure). A connection that closes without a
 * word is not a start.
 */
export const awaitStart = (sys: Syscalls, listening: number): number => {
  for (;;) {
    const conn = sys.acceptUnix(listening);
    if (new LineChannel(sys, conn, conn).receive() === "start") {
      sys.close(listening);
      return conn;
    }
    sys.close(conn);
  }
};

/**
 * The steps after `start`: the last ones, then the stage replaces itself with the user's program; or, for a stage
 * that enters an existing container (plan.spawnProcess), starts the program with posix_spawn, born in the container's
 * PID namespace and non-dumpable until its execve, reports its PID and returns (the stage then exits): such a stage
 * is never visible inside the container.
 */
export const finishAndExec = (sys: Syscalls, plan: StagePlan, prepared: Prepared, report: (m: StageMessage) => void): void => {
  step("startContainer hooks", () => runHooks("startContainer", plan.hooks.startContainer, plan.stateJson));
  // The program always leads a session of its own (CRIU dumps only a session whose leader is in the container), and
  // a detached one gets the container's own /dev/null: the caller's fds would be the host's (see plan.nullStdio).
  const stdio = prepared.terminal ?? (plan.nullStdio ? "/dev/null" : null);
  // Before the filter, which may deny these calls (Docker's allows personality(2) for a few personas only).
  step("cpu affinity", () => applyCpuAffinity(sys, plan.cpuAffinity.final));
  step("scheduler", () => applyScheduler(sys, plan.scheduler));
  step("I/O priority", () => applyIoPriority(sys, plan.ioPriority));
  step("personality", () => applyPersonality(sys, plan.personality));
  step("AppArmor profile", () => applyApparmor(sys, plan.apparmorProfile));
  underSeccomp(sys, plan, prepared.listener, () => {
    step("set user and capabilities", () => applyIdentity(sys, plan));
    step("chdir to cwd", () => sys.chdir(plan.cwd));
    debug("stage: started");
    sys.closeRangeCloexec(3);
    if (plan.spawnProcess) return;
    // With a terminal the stage leads its session already (takeConsole).
    if (!plan.terminal) {
      step("setsid", () => sys.setsid());
      if (stdio !== null) step("stdio", () => takeStdio(sys, stdio));
    }
    sys.resetSignals();
  });
  if (plan.spawnProcess) {
    const pid = step("spawn", () => sys.posixSpawn({ path: prepared.path, argv: plan.args, env: plan.env, setsid: true, stdio }));
    report({ t: "spawned", pid });
    return;
  }
  step("execve", () => sys.execve(prepared.path, plan.args, plan.env));
};

/** The host files that came with the plan go where the plan names them (STAGE_FDS.hostFiles on, in order). */
const takeHostFiles = (sys: Syscalls, fds: readonly number[]): void =>
  fds.forEach((fd, i) => {
    sys.dup3(fd, STAGE_FDS.hostFiles + i, O.CLOEXEC);
    sys.close(fd);
  });

/** `earlyError`: the failure of the early namespace steps (early.ts), which ran before this module loaded. */
export const runStage = async (earlyError: Error | undefined): Promise<void> => {
  const early = earlyError && new StepError("enter user or time namespace", earlyError);
  debug("stage: loaded");
  const sys = realSyscalls;
  for (const name of ["fromParent", "toParent", "executable"] as const) {
    sys.dup3(STAGE_FDS[name], MOVED_FDS[name], O.CLOEXEC);
    sys.close(STAGE_FDS[name]);
  }
  const channel = new LineChannel(sys, MOVED_FDS.fromParent, MOVED_FDS.toParent);
  // Until `start`, the parent hears what happens; from then on the caller of `start`.
  let report = (m: StageMessage): void => channel.send(encode(m));
  try {
    if (early) throw early;
    const first = channel.receiveWithFds();
    if (first === undefined) process.exit(1);
    takeHostFiles(sys, first.fds);
    const msg = decodeParent(first.line);
    if (msg.t !== "plan") throw new StepError("receive plan", new Error(`Expected the plan, got '${msg.t}'`));
    debug("stage: plan received");
    const plan = msg.plan as StagePlan;
    const prepared = prepareContainer(sys, realFsSyscalls, plan, channel);
    debug("stage: prepared");
    channel.send(encode({ t: "ready", pid: process.pid }));
    if (prepared.start >= 0) {
      const conn = step("wait for start", () => awaitStart(sys, prepared.start));
      report = (m) => sys.writeAll(conn, encode(m), "start socket");
    }
    finishAndExec(sys, plan, prepared, report);
    process.exit(0);
  } catch (err) {
    const sysErr = innermostSysError(err);
    const failed = {
      t: "failed" as const,
      step: err instanceof StepError ? err.step : "setup",
      message: describeError(err instanceof StepError ? err.cause : err),
      ...(sysErr ? { call: sysErr.call, errno: sysErr.code } : {}),
    };
    try {
      report(failed);
    } catch {
      // Nobody listens any more (the caller of `start` went away): the exit status is all that is left.
      process.stderr.write(`bunker: setup stage: ${failed.step}: ${failed.message}\n`);
    }
    process.exit(1);
  }
};
