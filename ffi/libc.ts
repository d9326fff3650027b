// The one place that loads the C library. Every other ffi/ module calls through `libc` and `errno()`.
import { dlopen, FFIType, read } from "bun:ffi";
import { readFileSync } from "node:fs";
import { arch } from "./arch.ts";

const { i32, u32, i64, u64, ptr } = FFIType;

/** glibc is `libc.so.6`; musl's Bun maps `libc.musl-<arch>.so.1` (or its loader, which is the same object). */
export const libcFlavor = (maps: string): "glibc" | "musl" => (/ld-musl-|libc\.musl-/.test(maps) ? "musl" : "glibc");

const libcName = (): string => {
  const flavor = libcFlavor(readFileSync("/proc/self/maps", "latin1"));
  return flavor === "musl" ? `libc.musl-${arch === "x64" ? "x86_64" : "aarch64"}.so.1` : "libc.so.6";
};

// Variadic functions (syscall, prctl, ioctl) are declared with a fixed arity of integer arguments: see NOTES.
const symbols = {
  __errno_location: { args: [], returns: ptr },
  unshare: { args: [i32], returns: i32 },
  setns: { args: [i32, i32], returns: i32 },
  mount: { args: [ptr, ptr, ptr, u64, ptr], returns: i32 },
  umount2: { args: [ptr, i32], returns: i32 },
  chdir: { args: [ptr], returns: i32 },
  chroot: { args: [ptr], returns: i32 },
  sethostname: { args: [ptr, u64], returns: i32 },
  setdomainname: { args: [ptr, u64], returns: i32 },
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
  capget: { args: [ptr, ptr], returns: i32 },
  capset: { args: [ptr, ptr], returns: i32 },
  setresuid: { args: [u32, u32, u32], returns: i32 },
  setresgid: { args: [u32, u32, u32], returns: i32 },
  setgroups: { args: [u64, ptr], returns: i32 },
  prlimit: { args: [i32, i32, ptr, ptr], returns: i32 },
  execve: { args: [ptr, ptr, ptr], returns: i32 },
  open: { args: [ptr, i32, u32], returns: i32 },
  openat: { args: [i32, ptr, i32, u32], returns: i32 },
  mkdirat: { args: [i32, ptr, u32], returns: i32 },
  symlinkat: { args: [ptr, i32, ptr], returns: i32 },
  linkat: { args: [i32, ptr, i32, ptr, i32], returns: i32 },
  unlinkat: { args: [i32, ptr, i32], returns: i32 },
  fchownat: { args: [i32, ptr, u32, u32, i32], returns: i32 },
  fchown: { args: [i32, u32, u32], returns: i32 },
  fchmodat: { args: [i32, ptr, u32, i32], returns: i32 },
  fchmod: { args: [i32, u32], returns: i32 },
  utimensat: { args: [i32, ptr, ptr, i32], returns: i32 },
  readlinkat: { args: [i32, ptr, ptr, u64], returns: i64 },
  syncfs: { args: [i32], returns: i32 },
  sync_file_range: { args: [i32, i64, i64, u32], returns: i32 },
  fsetxattr: { args: [i32, ptr, ptr, u64, i32], returns: i32 },
  lsetxattr: { args: [ptr, ptr, ptr, u64, i32], returns: i32 },
  lgetxattr: { args: [ptr, ptr, ptr, u64], returns: i64 },
  close: { args: [i32], returns: i32 },
  dup3: { args: [i32, i32, i32], returns: i32 },
  pipe2: { args: [ptr, i32], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i64 },
  write: { args: [i32, ptr, u64], returns: i64 },
  kill: { args: [i32, i32], returns: i32 },
  waitpid: { args: [i32, ptr, i32], returns: i32 },
  ioctl: { args: [i32, u64, u64], returns: i32 },
  umask: { args: [u32], returns: u32 },
  mknod: { args: [ptr, u32, u64], returns: i32 },
  setsid: { args: [], returns: i32 },
  getpid: { args: [], returns: i32 },
  signal: { args: [i32, u64], returns: u64 },
  sigprocmask: { args: [i32, ptr, ptr], returns: i32 },
  socket: { args: [i32, i32, i32], returns: i32 },
  connect: { args: [i32, ptr, u32], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  listen: { args: [i32, i32], returns: i32 },
  accept4: { args: [i32, ptr, ptr, i32], returns: i32 },
  sendmsg: { args: [i32, ptr, i32], returns: i64 },
  sendto: { args: [i32, ptr, u64, i32, ptr, u32], returns: i64 },
  recvmsg: { args: [i32, ptr, i32], returns: i64 },
  socketpair: { args: [i32, i32, i32, ptr], returns: i32 },
  posix_openpt: { args: [i32], returns: i32 },
  grantpt: { args: [i32], returns: i32 },
  unlockpt: { args: [i32], returns: i32 },
  ptsname_r: { args: [i32, ptr, u64], returns: i32 },
  eventfd: { args: [u32, i32], returns: i32 },
  epoll_create1: { args: [i32], returns: i32 },
  epoll_ctl: { args: [i32, i32, i32, ptr], returns: i32 },
  epoll_wait: { args: [i32, ptr, i32, i32], returns: i32 },
  swapon: { args: [ptr, i32], returns: i32 },
  swapoff: { args: [ptr], returns: i32 },
  getpagesize: { args: [], returns: i32 },
  mlockall: { args: [i32], returns: i32 },
  setpriority: { args: [i32, u32, i32], returns: i32 },
  flock: { args: [i32, i32], returns: i32 },
  personality: { args: [u64], returns: i32 },
  sched_setaffinity: { args: [i32, u64, ptr], returns: i32 },
  syscall: { args: [i64, u64, u64, u64, u64, u64, u64], returns: i64 },
  posix_spawn: { args: [ptr, ptr, ptr, ptr, ptr, ptr], returns: i32 },
  posix_spawnattr_init: { args: [ptr], returns: i32 },
  posix_spawnattr_setflags: { args: [ptr, i32], returns: i32 },
  posix_spawnattr_setsigdefault: { args: [ptr, ptr], returns: i32 },
  posix_spawnattr_setsigmask: { args: [ptr, ptr], returns: i32 },
  posix_spawnattr_destroy: { args: [ptr], returns: i32 },
  posix_spawn_file_actions_init: { args: [ptr], returns: i32 },
  posix_spawn_file_actions_addopen: { args: [ptr, i32, ptr, i32, u32], returns: i32 },
  posix_spawn_file_actions_adddup2: { args: [ptr, i32, i32], returns: i32 },
  posix_spawn_file_actions_destroy: { args: [ptr], returns: i32 },
} as const;

export const libc = dlopen(libcName(), symbols).symbols;

/** errno of the calling thread, read right after the failing call (bun:ffi does not capture it). */
export const errno = (): number => read.i32(libc.__errno_location()!, 0);
