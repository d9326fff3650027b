// The last privileged steps before execve: limits, capability sets, user and groups.
import { readFileSync } from "node:fs";
import { PR } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { StagePlan } from "./plan.ts";

const lastCap = (): number => {
  try {
    return Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  } catch {
    return 40;
  }
};

export const applyRlimits = (sys: Pick<Syscalls, "setrlimit">, plan: Pick<StagePlan, "rlimits">): void => {
  for (const r of plan.rlimits) {
    try {
      sys.setrlimit(r.resource, BigInt(r.soft), BigInt(r.hard));
    } catch (err) {
      throw new Error(`Setting rlimit ${r.name} failed`, { cause: err });
    }
  }
};

/**
 * Raises the ambient capabilities as runc and crun do: the kernel allows only those in both the permitted and the
 * inheritable set (and in the bounding set for the program to keep them), and answers EPERM for the others, EINVAL
 * for one it does not know. Those are skipped, not fatal: `runc spec` writes ambient capabilities without an
 * inheritable set, and runc only warns about them.
 */
export const raiseAmbient = (sys: Pick<Syscalls, "prctl">, ambient: readonly number[]): void => {
  sys.prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_CLEAR_ALL);
  for (const cap of ambient) {
    try {
      sys.prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_RAISE, cap);
    } catch (err) {
      if (!isErrno(err, "EPERM") && !isErrno(err, "EINVAL")) throw err;
    }
  }
};

/** Drops the bounding set, switches to the container's user keeping capabilities, then sets the remaining sets. */
export const applyIdentity = (
  sys: Pick<Syscalls, "prctl" | "setgroups" | "setresgid" | "setresuid" | "capset" | "umask">,
  plan: Pick<StagePlan, "capabilities" | "user" | "noNewPrivileges">,
  last = lastCap(),
): void => {
  const caps = plan.capabilities;
  // Capabilities this kernel does not have are ignored, as runc and crun do: capset would refuse the whole set.
  const known = (1n << BigInt(last + 1)) - 1n;
  if (caps) {
    const bounding = BigInt(caps.bounding);
    for (let cap = 0; cap <= last; cap++) if (!(bounding & (1n << BigInt(cap)))) sys.prctl(PR.CAPBSET_DROP, cap);
  }
  sys.prctl(PR.SET_KEEPCAPS, 1);
  sys.setgroups(plan.user.additionalGids);
  sys.setresgid(plan.user.gid);
  sys.setresuid(plan.user.uid);
  sys.prctl(PR.SET_KEEPCAPS, 0);
  if (caps) {
    sys.capset({ effective: BigInt(caps.effective) & known, permitted: BigInt(caps.permitted) & known, inheritable: BigInt(caps.inheritable) & known });
    raiseAmbient(sys, caps.ambient.filter((cap) => cap <= last));
  }
  if (plan.noNewPrivileges) sys.prctl(PR.SET_NO_NEW_PRIVS, 1);
  if (plan.user.umask !== null) sys.umask(plan.user.umask);
};
