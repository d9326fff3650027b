// What the board check looks at: files below a root (the real / or a fake tree in tests) and the few kernel calls that
// files cannot show. Nothing here writes except the PSI trigger probe, which the real probes undo at once.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type ProbeResult = { ok: true } | { ok: false; errno: string };

export interface KernelProbes {
  /** pidfd_open(getpid(), 0), closing the fd. */
  pidfdOpen(): ProbeResult;
  /** seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL): EFAULT means the kernel knows the flag, EINVAL that it does not. */
  seccompFilterFlag(flag: number): ProbeResult;
  /** Opens `path` (a /proc/pressure file) and writes a trigger, then closes it. */
  psiTrigger(path: string): ProbeResult;
  /** Loads (and closes) a socket policy program of the kind bunker attaches to a container's cgroup v2 directory. */
  socketPolicyProgram(): ProbeResult;
  /** `criu check ARGS` (CRIU asks the kernel itself), or undefined when no criu is installed. */
  criu(args: readonly string[]): { version: string; ok: boolean; output: string } | undefined;
}

export interface SystemView {
  read(path: string): string | undefined;
  readBytes(path: string): Uint8Array | undefined;
  exists(path: string): boolean;
  list(path: string): string[];
  probes: KernelProbes;
}

/** A view of the files below `root`; paths are absolute as seen on the board ("/proc/filesystems"). */
export const rootedView = (root: string, probes: KernelProbes): SystemView => {
  const at = (p: string): string => join(root, p);
  const bytes = (p: string): Uint8Array | undefined => {
    try {
      return readFileSync(at(p));
    } catch {
      return undefined;
    }
  };
  return {
    readBytes: bytes,
    read: (p) => {
      const b = bytes(p);
      return b === undefined ? undefined : Buffer.from(b).toString("utf8");
    },
    exists: (p) => existsSync(at(p)),
    list: (p) => {
      try {
        return readdirSync(at(p));
      } catch {
        return [];
      }
    },
    probes,
  };
};

/** The non-empty lines of a file, or none. */
export const lines = (text: string | undefined): string[] => (text ?? "").split("\n").filter((l) => l.trim() !== "");
