// A recording fake of the Syscalls interface: logs every call with its arguments, can fail chosen calls with an
// errno, and throws on any call it has no result for: calls that return nothing succeed, calls that return a value
// get the result scripted below (or by the test), and a read of an fd the test did not feed throws rather than
// reading as end of file.
import { SECCOMP_FILTER_FLAG } from "../../../ffi/constants.ts";
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
  /** Data the next reads of `fd` return, one chunk per read; once fed, an exhausted queue reads as end of file. */
  feed(fd: number, ...chunks: string[]): void;
  /** What calls of `name` return from now on. */
  respond(name: keyof Syscalls, fn: (...args: unknown[]) => unknown): void;
}

export const recordingSyscalls = (): Recorder => {
  const calls: Call[] = [];
  const failures: { name: string; errno: string; left: number; when?: (args: unknown[]) => boolean }[] = [];
  const reads = new Map<number, Buffer[]>();
  let nextFd = 10;
  const none = (): undefined => undefined;
  const results: Record<keyof Syscalls, (...args: unknown[]) => unknown> = {
    unshare: none, setns: none, mount: none, umount2: none, pivotRoot: none, chdir: none, chroot: none, sethostname: none,
    setdomainname: none, capset: none, setresuid: none, setresgid: none, setgroups: none, setrlimit: none, close: none,
    dup3: none, writeAll: none, mknod: none, resetSignals: none, sendFd: none, setWindowSize: none, kill: none,
    closeRangeCloexec: none, mountSetattr: none, moveMount: none, schedSetattr: none, ioprioSet: none, schedSetaffinity: none, personality: none,
    open: () => nextFd++,
    read: (fd) => {
      const queue = reads.get(fd as number);
      if (!queue) throw new Error(`Unscripted syscall in test: read of fd ${String(fd)}, which the test did not feed`);
      return queue.shift() ?? Buffer.alloc(0);
    },
    // What was fed, with no descriptors: a test that sends some says so with `feed`'s lines alone.
    recvFds: (fd) => {
      const queue = reads.get(fd as number);
      if (!queue) throw new Error(`Unscripted syscall in test: recvmsg of fd ${String(fd)}, which the test did not feed`);
      return { fds: [], data: queue.shift() ?? Buffer.alloc(0) };
    },
    sendFds: (_sock, _fds, data) => (data as Uint8Array).length,
    openPty: () => ({ master: 90, slavePath: "/dev/pts/0" }),
    connectUnix: () => 91,
    openTree: () => nextFd++,
    fsMount: () => nextFd++,
    acceptUnix: () => nextFd++,
    // A pid for the program a stage spawns (posix_spawn from the host PID namespace).
    posixSpawn: () => 4242,
    // A host whose root mount is private, unless a test sets another table.
    mountTable: () => "1 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n",
    // The listener's fd when the filter asks for one.
    loadSeccompFilter: (_program, flags) => ((flags as number) & SECCOMP_FILTER_FLAG.NEW_LISTENER ? 92 : 0),
    umask: () => 0o22,
    prctl: () => 0,
    setsid: () => 1,
    ioctl: () => 0,
    execve: () => {
      throw new Error("execve reached (the fake does not replace the process)");
    },
  };
  const sys = Object.fromEntries(
    (Object.keys(results) as (keyof Syscalls)[]).map((name) => [
      name,
      (...args: unknown[]) => {
        calls.push({ name, args });
        const f = failures.find((x) => x.name === name && x.left > 0 && (!x.when || x.when(args)));
        if (f) {
          f.left--;
          throw new SysError(name, errnoNumber(f.errno), "(injected)");
        }
        return results[name](...args);
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
