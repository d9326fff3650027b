// A recording fake of the Syscalls interface: logs every call with its arguments, can fail chosen calls with an
// errno, and throws on any call a test did not script a result for.
import { errnoNumber, SysError } from "../../../ffi/errno.ts";
import type { Syscalls } from "../../../ffi/syscalls.ts";

export interface Call {
  name: keyof Syscalls;
  args: unknown[];
}

export interface Recorder {
  sys: Syscalls;
  calls: Call[];
  /** Calls by name only, in order: the easy thing to assert on. */
  names(): string[];
  /** The next `times` calls of `name` (matching `when`, if given) fail with `errno`. */
  failNext(name: keyof Syscalls, errno: string, times?: number, when?: (args: unknown[]) => boolean): void;
  /** Data the next reads of `fd` return, one chunk per read; an exhausted queue reads as end of file. */
  feed(fd: number, ...chunks: string[]): void;
  /** What calls of `name` return from now on. */
  respond(name: keyof Syscalls, fn: (...args: unknown[]) => unknown): void;
}

export const recordingSyscalls = (): Recorder => {
  const calls: Call[] = [];
  const failures: { name: string; errno: string; left: number; when?: (args: unknown[]) => boolean }[] = [];
  const reads = new Map<number, Buffer[]>();
  let nextFd = 10;
  const results: Partial<Record<keyof Syscalls, (...args: unknown[]) => unknown>> = {
    open: () => nextFd++,
    read: (fd) => reads.get(fd as number)?.shift() ?? Buffer.alloc(0),
    openPty: () => ({ master: 90, slavePath: "/dev/pts/0" }),
    connectUnix: () => 91,
    openTree: () => nextFd++,
    // A host whose root mount is private, unless a test sets another table.
    mountTable: () => "1 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n",
    umask: () => 0o22,
    prctl: () => 0,
    setsid: () => 1,
    ioctl: () => 0,
    execve: () => {
      throw new Error("execve reached (the fake does not replace the process)");
    },
  };
  const names: (keyof Syscalls)[] = [
    "unshare", "setns", "mount", "umount2", "pivotRoot", "chdir", "chroot", "sethostname", "setdomainname", "prctl",
    "capset", "setresuid", "setresgid", "setgroups", "setrlimit", "execve", "open", "close", "dup3", "read", "writeAll",
    "mknod", "ioctl", "umask", "setsid", "resetSignals", "openPty", "connectUnix", "sendFd", "setWindowSize", "kill",
    "closeRangeCloexec", "mountSetattr", "openTree", "moveMount", "mountTable", "schedSetattr", "ioprioSet", "personality",
    "schedSetaffinity",
  ];
  const sys = Object.fromEntries(
    names.map((name) => [
      name,
      (...args: unknown[]) => {
        calls.push({ name, args });
        const f = failures.find((x) => x.name === name && x.left > 0 && (!x.when || x.when(args)));
        if (f) {
          f.left--;
          throw new SysError(name, errnoNumber(f.errno), "(injected)");
        }
        return results[name]?.(...args);
      },
    ]),
  ) as unknown as Syscalls;
  return {
    sys: new Proxy(sys, {
      get(target, prop) {
        if (!(prop in target)) throw new Error(`Unexpected syscall in test: '${String(prop)}'`);
        return target[prop as keyof Syscalls];
      },
    }),
    calls,
    names: () => calls.map((c) => c.name),
    failNext: (name, errno, times = 1, when) => failures.push({ name, errno, left: times, when }),
    feed: (fd, ...chunks) => reads.set(fd, [...(reads.get(fd) ?? []), ...chunks.map((c) => Buffer.from(c))]),
    respond: (name, fn) => void (results[name] = fn),
  };
};
