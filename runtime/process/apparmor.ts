// process.apparmorProfile. Where the host runs AppArmor, the stage asks for the profile at its execve by writing
// "exec <profile>" to its own attr file, as libapparmor's aa_change_onexec and runc do. Where it does not, runc 1.1.5
// fails the container (the kernel refuses that write with EINVAL); bunker refuses it at create, naming the field.
import { existsSync, readFileSync } from "node:fs";
import { O } from "../../ffi/constants.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";

/** runc's test: securityfs shows AppArmor and the module says it is enabled. */
export const apparmorEnabled = (): boolean => {
  if (!existsSync("/sys/kernel/security/apparmor")) return false;
  try {
    return readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").startsWith("Y");
  } catch {
    return false;
  }
};

/** The profile for the stage's plan: null when none is asked for; an error when this host cannot apply one. */
export const apparmorProfileFor = (profile: string | undefined, enabled: () => boolean = apparmorEnabled): string | null => {
  if (!profile) return null;
  if (!enabled()) throw new Error(`process.apparmorProfile '${profile}': AppArmor is not enabled on this host`);
  return profile;
};

/** The file of the AppArmor module (Linux 5.1+, beside other LSMs), else the one older kernels share. */
const attrPath = (exists: (p: string) => boolean): string =>
  exists("/proc/thread-self/attr/apparmor/exec") ? "/proc/thread-self/attr/apparmor/exec" : "/proc/thread-self/attr/exec";

/** Takes effect at the next execve; written by the thread that calls it (the kernel refuses another thread's). */
export const applyApparmor = (sys: Pick<Syscalls, "open" | "writeAll" | "close">, profile: string | null, exists: (p: string) => boolean = existsSync): void => {
  if (profile === null) return;
  const path = attrPath(exists);
  const fd = sys.open(path, O.WRONLY | O.CLOEXEC);
  try {
    sys.writeAll(fd, Buffer.from(`exec ${profile}`), `'${path}'`);
  } finally {
    sys.close(fd);
  }
};
