// Starts the setup stage: a copy of bunker's own executable, single-threaded, in the PID namespace the container needs.
import type { Subprocess } from "bun";
import { CLONE, O } from "../../ffi/constants.ts";
import { close, open, pipe2 } from "../../ffi/fd.ts";
import { setns, unshare } from "../../ffi/namespace.ts";
import { realSyscalls } from "../../ffi/syscalls.ts";
import { selfCommand } from "../compiled.ts";
import { DEBUG_ENV, debugEnabled } from "../debug.ts";
import { IN_ROOT_WALK_ENV } from "../rootfs/in-root.ts";
import { LineChannel } from "./channel.ts";
import { STAGE_ENV } from "./stage-env.ts";

export interface StageProcess {
  proc: Subprocess<"inherit", "inherit", "inherit">;
  channel: LineChannel;
}

/** Where the stage finds what the parent hands it: the channel at 3 and 4, then the extra fds in order from 5. */
export const STAGE_FDS = { fromParent: 3, toParent: 4, firstExtra: 5 } as const;

export interface SpawnOptions {
  /** "new" makes the stage PID 1 of a new PID namespace, a path joins one, null keeps the caller's. */
  pid: "new" | string | null;
  stageName: string;
  env?: Record<string, string>;
  /** Files the stage needs but might not be allowed to open itself (cgroup.procs, the exec fifo, ...). */
  extraFds?: number[];
  /** Hand this channel over instead of making a new one (a stage starting its successor). Such a stage exits right
   * after and, inside a user namespace, could not return to the caller's PID namespace anyway: it does not try. */
  handOver?: LineChannel;
}

/**
 * Keeps the stage single-threaded (unshare(CLONE_NEWUSER) and setns() into user and mount namespaces need that):
 * no concurrent JIT, one GC marker (no HeapHelper thread), no warm-up thread, no mimalloc scavenger thread.
 */
export const SINGLE_THREAD_ENV = {
  BUN_JSC_useConcurrentJIT: "0",
  BUN_JSC_numberOfGCMarkers: "1",
  BUN_JSC_useWarmUpMarkedBlocks: "0",
  MIMALLOC_PURGE_DELAY: "-1",
} as const;

const enterPidNamespace = (pid: SpawnOptions["pid"]): void => {
  if (pid === "new") unshare(CLONE.NEWPID);
  else if (pid !== null) {
    const fd = open(pid, O.RDONLY | O.CLOEXEC);
    try {
      setns(fd, CLONE.NEWPID, `'${pid}'`);
    } finally {
      close(fd);
    }
  }
};

/** PID namespaces apply to children only, so the main thread enters one just for the spawn and returns right after. */
export const spawnStage = (o: SpawnOptions): StageProcess => {
  const [childRead, parentWrite] = o.handOver ? [o.handOver.readFd, -1] : pipe2(O.CLOEXEC);
  const [parentRead, childWrite] = o.handOver ? [-1, o.handOver.writeFd] : pipe2(O.CLOEXEC);
  const original = o.pid === null || o.handOver ? -1 : open("/proc/self/ns/pid", O.RDONLY | O.CLOEXEC);
  let ok = false;
  try {
    enterPidNamespace(o.pid);
    const proc = Bun.spawn(selfCommand(), {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        ...(debugEnabled() ? { [DEBUG_ENV]: "1" } : {}),
        ...(process.env[IN_ROOT_WALK_ENV] ? { [IN_ROOT_WALK_ENV]: process.env[IN_ROOT_WALK_ENV] } : {}),
        ...o.env,
        [STAGE_ENV]: o.stageName,
        ...SINGLE_THREAD_ENV,
      },
      stdio: ["inherit", "inherit", "inherit", childRead, childWrite, ...(o.extraFds ?? [])],
    }) as StageProcess["proc"];
    ok = true;
    return { proc, channel: o.handOver ?? new LineChannel(realSyscalls, parentRead, parentWrite) };
  } finally {
    if (original >= 0) {
      setns(original, CLONE.NEWPID, "the caller's PID namespace");
      close(original);
    }
    if (!o.handOver) {
      close(childRead);
      close(childWrite);
      if (!ok) {
        close(parentRead);
        close(parentWrite);
      }
    }
  }
};
