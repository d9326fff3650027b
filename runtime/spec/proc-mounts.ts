// What may be mounted on a container's /proc, by runc's rule (libcontainer/rootfs_linux.go checkProcMount): on /proc
// itself only a proc file system (or a bind of one), and inside it only the files lxcfs emulates. A mount over
// /proc/sys, /proc/self/attr or /proc/sysrq-trigger would let the container change what the kernel or an LSM trusts
// (the runc CVE-2019-16884 class).
import { posix } from "node:path";

export const PROC_MOUNTS_ALLOWED: readonly string[] = [
  "/proc/cpuinfo",
  "/proc/diskstats",
  "/proc/meminfo",
  "/proc/stat",
  "/proc/swaps",
  "/proc/uptime",
  "/proc/loadavg",
  "/proc/slabinfo",
  "/proc/net/dev",
  "/proc/sys/kernel/ns_last_pid",
  "/proc/sys/crypto/fips_enabled",
];

/** A destination as the rules compare it: normalized, without a trailing slash. */
const clean = (destination: string): string => posix.normalize(destination).replace(/(.)\/$/, "$1");

export const isProcRoot = (destination: string): boolean => clean(destination) === "/proc";

/** One of the files inside /proc that can be mounted over. */
export const isAllowedInProc = (destination: string): boolean => PROC_MOUNTS_ALLOWED.includes(clean(destination));

/** A destination inside /proc that is not one of the allowed files. */
const isForbiddenInProc = (destination: string): boolean => clean(destination).startsWith("/proc/") && !isAllowedInProc(destination);

/** Why a mount of `type` (a bind or not) at `destination` is refused by the rule, or undefined when it is not. */
export const procMountProblem = (destination: string, type: string | undefined, isBind: boolean): string | undefined => {
  if (isProcRoot(destination) && !isBind && type !== "proc") return `Only a proc file system (or a bind of one) can be mounted on /proc, not '${type ?? ""}'`;
  if (isForbiddenInProc(destination)) return `Inside /proc, where only ${PROC_MOUNTS_ALLOWED.join(", ")} can be mounted (runc's rule)`;
  return undefined;
};
