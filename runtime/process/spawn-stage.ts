// Starts the setup stage: a copy of bunker's own executable, single-threaded, in the PID namespace the container needs.
import type { Subprocess } from "bun";
import { CLONE, O } from "../../ffi/constants.ts";
import { close, open, pipe2 } from "../../ffi/fd.ts";
import { setns, unshare } from "../../ffi/namespace.ts";
import { socketPair } from "../../ffi/socket.ts";
import { realSyscalls } from "../../ffi/syscalls.ts";
import { writeFileSync } from "node:fs";
import { DEBUG_ENV, debugEnabled } from "../debug.ts";
import { IN_ROOT_WALK_ENV } from "../rootfs/in-root.ts";
import { LineChannel } from "./channel.ts";
import { openReadOnlySelf } from "./read-only-self.ts";
import { STAGE_ENV } from "./stage-env.ts";

export interface StageProcess {
  proc: Subprocess<"inherit", "inherit", "inherit">;
  channel: LineChannel;
}

/** Where the stage finds what the parent hands it: the channel at 3 (a unix socket, the descriptors of the host files
 * come with the plan over it) and 4 (a pipe), the read-only executable it was started from at 5. The host files are
 * moved to 110 on (`hostFiles`), in the order they were sent: the plan names them by those numbers (host-files.ts). */
export const STAGE_FDS = { fromParent: 3, toParent: 4, executable: 5, hostFiles: 110 } as const;

export interface SpawnOptions {
  /** "new" makes the stage PID 1 of a new PID namespace, a path joins one, null keeps the caller's. */
  pid: "new" | string | null;
  stageName: string;
  env?: Record<string, string>;
  /** The stage's (and so the program's) stdin, stdout and stderr; default: the caller's own. */
  stdio?: [stdin: number, stdout: number, stderr: number];
  /** Hand this channel over instead of making a new one (a stage starting its successor). Such a stage exits right
   * after and, inside a user namespace, could not return to the caller's PID namespace anyway: it does not try. */
  handOver?: LineChannel;
  /** The read-only executable (read-only-self.ts) of a stage starting its successor; made afresh otherwise. */
  executable?: { fd: number; args: string[] };
  /** Written by the privileged parent: a non-dumpable stage in a user namespace may not write its own. */
  oomScoreAdj?: number | null;
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
  const [childRead, parentWrite] = o.handOver ? [o.handOver.readFd, -1] : socketPair();
  const [parentRead, childWrite] = o.handOver ? [-1, o.handOver.writeFd] : pipe2(O.CLOEXEC);
  const own = o.executable ? undefined : openReadOnlySelf();
  const exe = o.executable ?? own!;
  const original = o.pid === null || o.handOver ? -1 : open("/proc/self/ns/pid", O.RDONLY | O.CLOEXEC);
  let proc: StageProcess["proc"] | undefined;
  let ok = false;
  try {
    enterPidNamespace(o.pid);
    // Started through the fd it inherits, so /proc/<stage>/exe is the read-only mount.
    proc = Bun.spawn([`/proc/self/fd/${STAGE_FDS.executable}`, ...exe.args], {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        ...(debugEnabled() ? { [DEBUG_ENV]: "1" } : {}),
        ...(process.env[IN_ROOT_WALK_ENV] ? { [IN_ROOT_WALK_ENV]: process.env[IN_ROOT_WALK_ENV] } : {}),
        ...o.env,
        [STAGE_ENV]: o.stageName,
        ...SINGLE_THREAD_ENV,
      },
      stdio: [...((o.stdio ?? ["inherit", "inherit", "inherit"]) as ["inherit", "inherit", "inherit"]), childRead, childWrite, exe.fd],
    }) as StageProcess["proc"];
    if (o.oomScoreAdj !== undefined && o.oomScoreAdj !== null) writeOomScoreAdj(proc.pid, o.oomScoreAdj);
    ok = true;
    return { proc, channel: o.handOver ?? new LineChannel(realSyscalls, parentRead, parentWrite) };
  } finally {
    own?.close();
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
    // A stage spawned but not handed over sees its channel close and exits; this makes sure it does.
    if (!ok) proc?.kill(9);
  }
};

const writeOomScoreAdj = (pid: number, value: number): void => {
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(value));
  } catch (err) {
    throw new Error(`Writing oomScoreAdj of the setup stage failed`, { cause: err });
  }
};
