// The last privileged steps before execve: limits, capability sets, user and groups.
import { readFileSync } from "node:fs";
import { PR } from "../../ffi/constants.ts";
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

/** Drops the bounding set, switches to the container's user keeping capabilities, then sets the remaining sets. */
export const applyIdentity = (
  sys: Pick<Syscalls, "prctl" | "setgroups" | "setresgid" | "setresuid" | "capset" | "umask">,
  plan: Pick<StagePlan, "capabilities" | "user" | "noNewPrivileges">,
): void => {
  const caps = plan.capabilities;
  if (caps) {
    const bounding = BigInt(caps.bounding);
    for (let cap = 0; cap <= lastCap(); cap++) if (!(bounding & (1n << BigInt(cap)))) sys.prctl(PR.CAPBSET_DROP, cap);
  }
  sys.prctl(PR.SET_KEEPCAPS, 1);
  sys.setgroups(plan.user.additionalGids);
  sys.setresgid(plan.user.gid);
  sys.setresuid(plan.user.uid);
  sys.prctl(PR.SET_KEEPCAPS, 0);
  if (caps) {
    sys.capset({ effective: BigInt(caps.effective), permitted: BigInt(caps.permitted), inheritable: BigInt(caps.inheritable) });
    sys.prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_CLEAR_ALL);
    for (const cap of caps.ambient) sys.prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_RAISE, cap);
  }
  if (plan.noNewPrivileges) sys.prctl(PR.SET_NO_NEW_PRIVS, 1);
  if (plan.user.umask !== null) sys.umask(plan.user.umask);
};
