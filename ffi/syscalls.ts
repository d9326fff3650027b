// The kernel interfaces the runtime's logic calls. Tests substitute recording fakes of the same shapes.
import { fchmodat, fchownat, linkat, mkdirat, mknodat, readlinkat, renameat2, symlinkat, unlinkat, utimensat } from "./at.ts";
import { capset, setgroups, setresgid, setresuid } from "./credentials.ts";
import { readDirBatch } from "./dirents.ts";
import { close, dup3, ioctl, mknod, open, openat, read, syncfs, writeAll } from "./fd.ts";
import { chdir, chroot, fsMount, mount, mountSetattr, mountTable, moveMount, openTree, pivotRoot, umount2 } from "./mount.ts";
import { setns, unshare } from "./namespace.ts";
import { openat2 } from "./openat2.ts";
import { closeRangeCloexec, execve, kill, prctl, resetSignals, setrlimit, setsid, umask } from "./process.ts";
import { openPty, setWindowSize } from "./pty.ts";
import { ioprioSet, personality, schedSetaffinity, schedSetattr } from "./sched.ts";
import { loadSeccompFilter } from "./seccomp.ts";
import { posixSpawn } from "./spawn.ts";
import { acceptUnix, connectUnix, recvFds, sendFd, sendFds } from "./socket.ts";
import { fstatfsType, statx } from "./stat.ts";
import { setdomainname, sethostname } from "./uts.ts";
import { lsetxattr } from "./xattr.ts";

export const realSyscalls = {
  unshare, setns, mount, umount2, pivotRoot, chdir, chroot, sethostname, setdomainname, prctl, capset, setresuid,
  setresgid, setgroups, setrlimit, execve, open, close, dup3, read, writeAll, mknod, ioctl, umask, setsid, resetSignals,
  openPty, connectUnix, sendFd, setWindowSize, kill, closeRangeCloexec, mountSetattr, openTree, moveMount, mountTable,
  loadSeccompFilter, posixSpawn, acceptUnix, fsMount, schedSetattr, ioprioSet, personality, schedSetaffinity, sendFds,
  recvFds,
};

export type Syscalls = typeof realSyscalls;

/** What file-system work inside a root filesystem needs (runtime/rootfs/in-root.ts): descriptor-relative calls only. */
export const realFsSyscalls = {
  openat2, openat, close, mkdirat, mknodat, symlinkat, linkat, unlinkat, renameat2, fchownat, fchmodat, utimensat,
  readlinkat, statx, fstatfsType, readDirBatch, lsetxattr, syncfs, read, writeAll,
};

export type FsSyscalls = typeof realFsSyscalls;
