// The kernel interface the runtime's logic calls. Tests substitute a recording fake of the same shape.
import { capset, setgroups, setresgid, setresuid } from "./credentials.ts";
import { close, dup3, ioctl, mknod, open, read, writeAll } from "./fd.ts";
import { chdir, chroot, mount, pivotRoot, umount2 } from "./mount.ts";
import { setns, unshare } from "./namespace.ts";
import { closeRangeCloexec, execve, kill, prctl, resetSignals, setrlimit, setsid, umask } from "./process.ts";
import { openPty, setWindowSize } from "./pty.ts";
import { ioprioSet, personality, schedSetaffinity, schedSetattr } from "./sched.ts";
import { connectUnix, sendFd } from "./socket.ts";
import { setdomainname, sethostname } from "./uts.ts";

export const realSyscalls = {
  unshare, setns, mount, umount2, pivotRoot, chdir, chroot, sethostname, setdomainname, prctl, capset, setresuid,
  setresgid, setgroups, setrlimit, execve, open, close, dup3, read, writeAll, mknod, ioctl, umask, setsid, resetSignals,
  openPty, connectUnix, sendFd, setWindowSize, kill, closeRangeCloexec, schedSetattr, ioprioSet, personality, schedSetaffinity,
};

export type Syscalls = typeof realSyscalls;
