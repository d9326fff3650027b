// The kernel surface the cgroup drivers touch: cgroupfs files, signals to member processes, and the v2 device filter.
// Drivers receive it as a parameter, so unit tests run them against a temporary directory laid out like cgroupfs.
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeSync } from "node:fs";
import { attachDeviceFilter } from "./devices/attach.ts";

export interface CgroupFs {
  /** Whole file as text. */
  read(path: string): string;
  /** One write(2) of `data` to an existing file (never creates one: cgroupfs files exist or the feature is absent). */
  write(path: string, data: string): void;
  exists(path: string): boolean;
  /** Creates a directory (drivers go down one level at a time, as cgroup v1 cpuset needs); an existing one is fine. */
  mkdir(path: string): void;
  rmdir(path: string): void;
  list(path: string): string[];
  kill(pid: number, signal: "SIGKILL"): void;
  /** Replaces the cgroup v2 device filter of the cgroup at `dir` with this program (raw eBPF instructions). */
  setDeviceFilter(dir: string, program: Uint8Array): void;
  /** The path a process outside bunker would open for `path` (differs from `path` only in test fakes). */
  real(path: string): string;
}

/** The node:fs error code of a failure, e.g. "EBUSY" ("" when it is not a system error). */
export const codeOf = (err: unknown): string => ((err as NodeJS.ErrnoException | undefined)?.code ?? "");

/** cgroupfs as seen from this process, with every path under `prefix` (empty on a real host). */
export const hostCgroupFs = (prefix = "", setDeviceFilter: CgroupFs["setDeviceFilter"] = attachDeviceFilter): CgroupFs => {
  const p = (path: string): string => prefix + path;
  return {
    read: (path) => readFileSync(p(path), "utf8"),
    write: (path, data) => {
      const fd = openSync(p(path), constants.O_WRONLY | constants.O_TRUNC);
      try {
        writeSync(fd, data);
      } finally {
        closeSync(fd);
      }
    },
    exists: (path) => existsSync(p(path)),
    mkdir: (path) => void mkdirSync(p(path), { recursive: true }),
    rmdir: (path) => rmdirSync(p(path)),
    list: (path) => readdirSync(p(path)),
    kill: (pid, signal) => process.kill(pid, signal),
    setDeviceFilter,
    real: p,
  };
};
