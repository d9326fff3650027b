// The container's setup stage: a copy of bunker started single-threaded by the parent. It joins or makes the
// namespaces, builds the root filesystem, waits for `start`, and finally execve()s the user's program.
import { writeFileSync } from "node:fs";
import { CLONE, O, TIOCSCTTY } from "../../ffi/constants.ts";
import { SysError } from "../../ffi/errno.ts";
import { realFsSyscalls, realSyscalls, type FsSyscalls, type Syscalls } from "../../ffi/syscalls.ts";
import { debug } from "../debug.ts";
import { describeError } from "../errors.ts";
import { runHooks } from "./hooks.ts";
import { createDevice, createDevSymlinks } from "../rootfs/devices.ts";
import { InRoot, inRootOptionsFromEnv } from "../rootfs/in-root.ts";
import { mountCgroups, mountOne, setPropagation } from "../rootfs/mounts.ts";
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
import { resolveExecutable } from "./exec-path.ts";
import { decodeParent, encode } from "./messages.ts";
import type { StagePlan } from "./plan.ts";

const MOVED_FDS = { fromParent: 100, toParent: 101 } as const;

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

/** Everything up to the point where the stage waits for `start`. Exported for tests with a recording fake. */
export const prepareContainer = (sys: Syscalls, fs: FsSyscalls, plan: StagePlan, channel: LineChannel): { fifo: number; cgroupFds: number[]; path: string } => {
  const awaitContinue = (): void => {
    const line = channel.receive();
    if (line === undefined) throw new Error("The parent went away");
    if (decodeParent(line).t !== "continue") throw new Error(`Unexpected message from the parent: ${line}`);
  };

  step("cpu affinity", () => applyCpuAffinity(sys, plan.cpuAffinity.initial));
  // Host files were opened by the parent (host-files.ts): a user namespace or the root switch would forbid it here.
  const cgroupFds = plan.hostFds.cgroupProcs;
  const fifo = plan.hostFds.execFifo ?? -1;
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
    step("start the init stage", () => spawnInitStage(channel, plan));
    return { fifo, cgroupFds, path: "" };
  }
  // All namespace files are opened before the first setns(): after joining the mount namespace, /proc is the
  // container's and the paths name other processes.
  const joins = step("open namespaces", () => plan.join.map((j) => ({ ...j, fd: sys.open(j.path, O.RDONLY | O.CLOEXEC) })));
  for (const j of joins) {
    step(`join namespace '${j.path}'`, () => {
      // setns() into a mount namespace needs an fs_struct of our own; the engine's helper threads share it.
      if (j.flag === CLONE.NEWNS) sys.unshare(CLONE.FS);
      sys.setns(j.fd, j.flag);
      sys.close(j.fd);
    });
  }

  if (plan.newCgroupNamespace) {
    // The cgroup namespace is rooted where the process is when it is made, so placement happens first.
    step("join cgroup", () => cgroupFds.forEach((fd) => sys.writeAll(fd, Buffer.from("0"), "cgroup.procs")));
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
  if (plan.oomScoreAdj !== null) step("oom score", () => writeProcFile("/proc/self/oom_score_adj", String(plan.oomScoreAdj), "oomScoreAdj"));
  if (plan.hostname !== null) step("sethostname", () => sys.sethostname(plan.hostname!));
  if (plan.domainname !== null) step("setdomainname", () => sys.setdomainname(plan.domainname!));

  // Every path inside the rootfs is resolved inside it when used, through this handle (opened on the rootfs's own
  // bind mount, the one the root switch moves).
  let root: InRoot | undefined;
  if (plan.newMountNamespace) {
    step("prepare root", () => prepareRoot(sys, fs, plan));
    const r = (root = step("open root", () => InRoot.open(fs, plan.rootfs, inRootOptionsFromEnv())));
    debug(`stage: paths in the rootfs resolved by ${r.resolver}`);
    for (const m of plan.mounts)
      step("mount", () => (m.kind === "cgroup" ? mountCgroups(sys, r, m, plan) : mountOne(sys, r, m)));
    if (plan.populateDev) {
      step("create devices", () => {
        for (const d of plan.devices) createDevice(sys, r, d, plan.bindDevices);
        createDevSymlinks(r, plan.mounts.some((m) => m.destination === "/dev/pts"));
      });
    }
  }
  if (plan.pauseForHooks) {
    channel.send(encode({ t: "mounts-ready" }));
    step("wait for createRuntime hooks", awaitContinue);
  }
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

  if (plan.terminal) step("set up console", () => setupConsole(sys, plan, consoleSock));
  step("createContainer hooks", () => runHooks("createContainer", plan.hooks.createContainer, plan.stateJson));
  if (plan.newMountNamespace && plan.readonlyRoot) step("read-only root", () => readonlyRoot(sys));
  step("rlimits", () => applyRlimits(sys, plan));
  // Looked up now, so that a missing program fails `create` rather than a detached start.
  const path = step("find executable", () => resolveExecutable(plan.args[0]!, plan.env, plan.cwd));
  return { fifo, cgroupFds, path };
};

/**
 * The PID namespace must belong to the container's user namespace for its /proc to be mountable, so the stage that
 * made the user namespace makes it and starts its own successor as PID 1, handing over the parent's channel. It then
 * exits: the init is reparented to the caller's subreaper, like any detached container.
 */
const spawnInitStage = (channel: LineChannel, plan: StagePlan): never => {
  const { cgroupProcs, execFifo, consoleSocket } = plan.hostFds;
  const extraFds = [...cgroupProcs, ...(execFifo === null ? [] : [execFifo]), ...(consoleSocket === null ? [] : [consoleSocket])];
  const init = spawnStage({ pid: "new", stageName: "init", extraFds, handOver: channel });
  channel.send(encode({ t: "init-spawned", pid: init.proc.pid }));
  init.proc.unref();
  process.exit(0);
};

const setupConsole = (sys: Syscalls, plan: StagePlan, consoleSock: number): void => {
  const { master, slavePath } = sys.openPty();
  if (plan.consoleSize) {
    sys.setWindowSize(master, plan.consoleSize.height, plan.consoleSize.width);
  }
  if (consoleSock >= 0) {
    sys.sendFd(consoleSock, master, slavePath);
    sys.close(consoleSock);
  }
  sys.close(master);
  sys.setsid();
  const slave = sys.open(slavePath, O.RDWR);
  sys.ioctl(slave, TIOCSCTTY, 0);
  for (const fd of [0, 1, 2]) sys.dup3(slave, fd, 0);
  if (slave > 2) sys.close(slave);
};

/** Blocks until `start` writes to the fifo, then runs the last steps and replaces itself with the user's program. */
export const finishAndExec = (sys: Syscalls, plan: StagePlan, path: string, fifo: number, cgroupFds: number[]): never => {
  if (fifo >= 0)
    step("wait for start", () => {
      if (sys.read(fifo, 1).length !== 1) throw new Error("The exec fifo was closed without a start");
    });
  step("startContainer hooks", () => runHooks("startContainer", plan.hooks.startContainer, plan.stateJson));
  if (!plan.newCgroupNamespace) {
    // Joined last, so that the setup stage's own memory is never charged to the container.
    step("join cgroup", () => cgroupFds.forEach((fd) => sys.writeAll(fd, Buffer.from("0"), "cgroup.procs")));
  }
  step("cpu affinity", () => applyCpuAffinity(sys, plan.cpuAffinity.final));
  step("scheduler", () => applyScheduler(sys, plan.scheduler));
  step("I/O priority", () => applyIoPriority(sys, plan.ioPriority));
  step("personality", () => applyPersonality(sys, plan.personality));
  step("AppArmor profile", () => applyApparmor(sys, plan.apparmorProfile));
  step("set user and capabilities", () => applyIdentity(sys, plan));
  step("chdir to cwd", () => sys.chdir(plan.cwd));
  debug("stage: started");
  sys.resetSignals();
  sys.closeRangeCloexec(3);
  return step("execve", () => sys.execve(path, plan.args, plan.env));
};

/** `earlyError`: the failure of the early namespace steps (early.ts), which ran before this module loaded. */
export const runStage = async (earlyError: Error | undefined): Promise<void> => {
  const early = earlyError && new StepError("enter user or time namespace", earlyError);
  debug("stage: loaded");
  const sys = realSyscalls;
  sys.dup3(STAGE_FDS.fromParent, MOVED_FDS.fromParent, O.CLOEXEC);
  sys.dup3(STAGE_FDS.toParent, MOVED_FDS.toParent, O.CLOEXEC);
  sys.close(STAGE_FDS.fromParent);
  sys.close(STAGE_FDS.toParent);
  const channel = new LineChannel(sys, MOVED_FDS.fromParent, MOVED_FDS.toParent);
  let plan: StagePlan | undefined;
  try {
    if (early) throw early;
    const first = channel.receive();
    if (first === undefined) process.exit(1);
    const msg = decodeParent(first);
    if (msg.t !== "plan") throw new StepError("receive plan", new Error(`Expected the plan, got '${msg.t}'`));
    debug("stage: plan received");
    plan = msg.plan as StagePlan;
    const { fifo, cgroupFds, path } = prepareContainer(sys, realFsSyscalls, plan, channel);
    debug("stage: prepared");
    channel.send(encode({ t: "ready", pid: process.pid }));
    finishAndExec(sys, plan, path, fifo, cgroupFds);
  } catch (err) {
    const sysErr = innermostSysError(err);
    const failed = {
      t: "failed" as const,
      step: err instanceof StepError ? err.step : "setup",
      message: describeError(err instanceof StepError ? err.cause : err),
      ...(sysErr ? { call: sysErr.call, errno: sysErr.code } : {}),
    };
    try {
      channel.send(encode(failed));
    } catch {
      // The parent is gone (a detached container after `create`): the exit status is all that is left.
      process.stderr.write(`bunker: setup stage: ${failed.step}: ${failed.message}\n`);
    }
    process.exit(1);
  }
};
