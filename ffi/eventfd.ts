// eventfd(2): the counter cgroup v1 signals through cgroup.event_control (OOM notification).
import { check } from "./check.ts";
import { libc } from "./libc.ts";

// Same values on x86_64 and aarch64 (O_CLOEXEC, O_NONBLOCK of the generic table).
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

export const eventfd = (initval: number, flags: number): number =>
  check("eventfd", `flags ${flags.toString(8)}`, libc.eventfd(initval, flags));
