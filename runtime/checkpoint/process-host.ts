// What a process checkpoint and its restore need from the machine: CRIU, a few /proc files, a bind mount for the
// restore's root, the files of joined namespaces, and the machine's name. The real one here; the unit tests use a
// recording fake.
import { closeSync, openSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { machine, release } from "node:os";
import { MNT_DETACH, MS } from "../../ffi/constants.ts";
import { mount, umount2 } from "../../ffi/mount.ts";
import { hostCriu, type Criu } from "./criu.ts";

export interface FileFacts {
  ino: bigint;
  mode: number;
  rdev: bigint;
}

export interface ProcessHost {
  criu: Criu;
  /** The text of a /proc file, or undefined when it is gone. */
  read(path: string): string | undefined;
  /** readlink(2) of a /proc/PID/fd entry, or undefined when the fd is closed. */
  readlink(path: string): string | undefined;
  /** stat(2), following links; undefined when the path does not exist. */
  stat(path: string): FileFacts | undefined;
  /** A read-only fd of `path` (a namespace file to hand CRIU), and its close. */
  open(path: string): number;
  close(fd: number): void;
  /** A recursive bind mount of `source` on `target`, made read-only when asked. */
  bindMount(source: string, target: string, readonly: boolean): void;
  /** Detaches the mount at `target`. */
  unmount(target: string): void;
  /** uname -m and -r. */
  machine: string;
  kernel: string;
}

const orUndefined = <T>(fn: () => T): T | undefined => {
  try {
    return fn();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
};

export const realProcessHost = (): ProcessHost => ({
  criu: hostCriu(),
  read: (path) => orUndefined(() => readFileSync(path, "utf8")),
  readlink: (path) => orUndefined(() => readlinkSync(path)),
  stat(path) {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    return st && { ino: st.ino, mode: Number(st.mode), rdev: st.rdev };
  },
  open: (path) => openSync(path, "r"),
  close: (fd) => closeSync(fd),
  bindMount(source, target, readonly) {
    mount(source, target, null, MS.BIND | MS.REC, null);
    try {
      if (readonly) mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
    } catch (err) {
      umount2(target, MNT_DETACH);
      throw err;
    }
  },
  unmount: (target) => umount2(target, MNT_DETACH),
  machine: machine(),
  kernel: release(),
});
