// process.ioPriority: ioprio_set(2) on the stage, inherited by the program through execve. Set before the capabilities
// are dropped: the real-time class needs CAP_SYS_ADMIN (CAP_SYS_NICE on newer kernels).
import { IOPRIO_WHO_PROCESS } from "../../ffi/constants.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";

/** `value` is ioprio_set's (class << 13) | level (spec/scheduler.ts), or null to leave the inherited priority. */
export const applyIoPriority = (sys: Pick<Syscalls, "ioprioSet">, value: number | null): void => {
  if (value !== null) sys.ioprioSet(IOPRIO_WHO_PROCESS, value);
};
