// A subreaper (the daemon: it waits for the programs its exec health checks start) is given every orphan below it:
// the processes that a container without a PID namespace of its own leaves when their parent ends. Nobody would wait
// for them: Bun waits only for the children it spawned, bunker only for the programs it claimed. Each would stay a
// zombie holding a PID, for ever. On SIGCHLD the reaper waits for every zombie child that no pidfd of ours refers
// to: Bun holds one for each child it spawned, and bunker one for each program it waits for (exec.ts, create.ts)
// from before that program becomes our child until it has been waited for.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isErrno } from "../../ffi/errno.ts";
import { reapExited } from "../../ffi/process.ts";

export interface ReaperSys {
  /** Our children's PIDs (every thread's). */
  children(): number[];
  /** The child has exited and not been waited for. */
  isZombie(pid: number): boolean;
  /** The PIDs our pidfds refer to. */
  pidfdTargets(): Set<number>;
  /** Waits for the exited child. */
  reap(pid: number): void;
}

/** One sweep: the orphans waited for. */
export const reapOrphans = (sys: ReaperSys): number[] => {
  const zombies = sys.children().filter((pid) => sys.isZombie(pid));
  // Most SIGCHLDs are for a child Bun waits for: the pidfds are read only when there is a zombie at all.
  if (zombies.length === 0) return [];
  const held = sys.pidfdTargets();
  const orphans = zombies.filter((pid) => !held.has(pid));
  for (const pid of orphans) sys.reap(pid);
  return orphans;
};

const readOr = (path: string, or: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    // A thread or a process that ended while we read.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return or;
    throw err;
  }
};

export const hostReaperSys: ReaperSys = {
  children: () =>
    readdirSync("/proc/self/task").flatMap((t) => readOr(`/proc/self/task/${t}/children`, "").split(" ").filter(Boolean).map(Number)),
  // The state follows the command's closing parenthesis (the command may hold any character).
  isZombie: (pid) => readOr(`/proc/${pid}/stat`, "").replace(/^.*\) /s, "").startsWith("Z"),
  pidfdTargets: () => {
    const pids = new Set<number>();
    for (const fd of readdirSync("/proc/self/fd")) {
      let link: string;
      try {
        link = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue; // closed meanwhile (the listing's own fd among them)
      }
      if (link !== "anon_inode:[pidfd]") continue;
      const pid = /^Pid:\s+(-?\d+)/m.exec(readOr(`/proc/self/fdinfo/${fd}`, ""))?.[1];
      if (pid !== undefined) pids.add(Number(pid));
    }
    return pids;
  },
  reap: (pid) => {
    try {
      reapExited(pid);
    } catch (err) {
      // Waited for by someone else after all.
      if (!isErrno(err, "ECHILD")) throw err;
    }
  },
};

export interface OrphanReaper {
  stop(): void;
}

/** Sweeps on every SIGCHLD (no timer: an idle daemon is not woken), and once now for orphans that came before. */
export const startOrphanReaper = (onError: (msg: string) => void, sys: ReaperSys = hostReaperSys): OrphanReaper => {
  const sweep = (): void => {
    try {
      reapOrphans(sys);
    } catch (err) {
      onError(`Reaping orphaned processes: ${(err as Error).message}`);
    }
  };
  process.on("SIGCHLD", sweep);
  sweep();
  return { stop: () => void process.off("SIGCHLD", sweep) };
};
