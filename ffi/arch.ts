// Per-architecture facts: bunker runs on x86_64 (build and CI hosts) and aarch64 (boards).

export type Arch = "x64" | "arm64";

export const arch: Arch = (() => {
  if (process.arch === "x64" || process.arch === "arm64") return process.arch;
  throw new Error(`Unsupported architecture: '${process.arch}' (bunker runs on x64 and arm64)`);
})();

/** Raw syscall numbers for calls that libc does not export everywhere (glibc and musl alike). */
const SYSCALLS = {
  x64: {
    pivot_root: 155,
    pidfd_open: 434,
    pidfd_send_signal: 424,
    close_range: 436,
    bpf: 321,
    seccomp: 317,
    gettid: 186,
    mount_setattr: 442,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    openat2: 437,
    mknodat: 259,
    renameat2: 316,
    statx: 332,
    fstatfs: 138,
    getdents64: 217,
    sched_setattr: 314,
    ioprio_set: 251,
  },
  arm64: {
    pivot_root: 41,
    pidfd_open: 434,
    pidfd_send_signal: 424,
    close_range: 436,
    bpf: 280,
    seccomp: 277,
    gettid: 178,
    mount_setattr: 442,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    openat2: 437,
    mknodat: 33,
    renameat2: 276,
    statx: 291,
    fstatfs: 44,
    getdents64: 61,
    sched_setattr: 274,
    ioprio_set: 30,
  },
} as const;

export type SyscallName = keyof (typeof SYSCALLS)["x64"];
export const syscallNumber = (name: SyscallName): number => SYSCALLS[arch][name];

/** AUDIT_ARCH_* values, needed by seccomp filters to check the architecture first. */
export const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
