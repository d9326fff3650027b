// Starts the setup stage: a copy of bunker's own executable, single-threaded, in the PID namespace the container needs.
import type { Subprocess } from "bun";
import { CLONE, O } from "../../ffi/constants.ts";
import { close, open, pipe2 } from "../../ffi/fd.ts";
import { setns, unshare } from "../../ffi/namespace.ts";
import { realSyscalls } from "../../ffi/syscalls.ts";
import { LineChannel } from "./channel.ts";
import { STAGE_ENV } from "./stage-env.ts";

export interface StageProcess {
  proc: Subprocess<"inherit", "inherit", "inherit">;
  channel: LineChannel;
}

/** How to re-execute ourselves: the compiled executable directly, or `bun <entry>` when run from source. */
const selfCommand = (): string[] => {
  const entry = Bun.main;
  return entry.startsWith("/$bunfs/") || entry === process.execPath ? [process.execPath] : [process.execPath, entry];
};

/**
 * `pid`: "new" makes the stage PID 1 of a new PID namespace, a path joins one, null keeps the caller's.
 * PID namespaces apply to children only, so the main thread enters it for the spawn and returns right after.
 */
export const spawnStage = (pid: "new" | string | null, stageName: string, env: Record<string, string> = {}): StageProcess => {
  const [childRead, parentWrite] = pipe2(O.CLOEXEC);
  const [parentRead, childWrite] = pipe2(O.CLOEXEC);
  const original = pid === null ? -1 : open("/proc/self/ns/pid", O.RDONLY | O.CLOEXEC);
  try {
    if (pid === "new") unshare(CLONE.NEWPID);
    else if (pid !== null) {
      const fd = open(pid, O.RDONLY | O.CLOEXEC);
      try {
        setns(fd, CLONE.NEWPID, `'${pid}'`);
      } finally {
        close(fd);
      }
    }
    const proc = Bun.spawn(selfCommand(), {
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env, [STAGE_ENV]: stageName, BUN_JSC_useConcurrentJIT: "0" },
      stdio: ["inherit", "inherit", "inherit", childRead, childWrite],
    }) as StageProcess["proc"];
    return { proc, channel: new LineChannel(realSyscalls, parentRead, parentWrite) };
  } finally {
    if (original >= 0) {
      setns(original, CLONE.NEWPID, "the caller's PID namespace");
      close(original);
    }
    close(childRead);
    close(childWrite);
  }
};
