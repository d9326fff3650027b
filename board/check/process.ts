// Process control: pidfd, and seccomp with its actions and filter flags.
import { SECCOMP_FILTER_FLAG as F } from "../../ffi/constants.ts";
import { type CheckItem, item } from "./report.ts";
import { lines, type SystemView } from "./system.ts";

/** SECCOMP_FILTER_FLAG_* values; WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
export const SECCOMP_FLAGS: { name: string; bits: number }[] = [
  { name: "tsync", bits: F.TSYNC },
  { name: "log", bits: F.LOG },
  { name: "spec_allow", bits: F.SPEC_ALLOW },
  { name: "new_listener", bits: F.NEW_LISTENER },
  { name: "tsync_esrch", bits: F.TSYNC_ESRCH },
  { name: "wait_killable_recv", bits: F.NEW_LISTENER | F.WAIT_KILLABLE_RECV },
];

/** Actions an OCI seccomp profile commonly names. */
const WANTED_ACTIONS = ["kill_process", "kill_thread", "trap", "errno", "trace", "log", "allow", "user_notif"];

export const processItems = (view: SystemView): CheckItem[] => {
  const g = "process";
  const pidfd = view.probes.pidfdOpen();
  const status = lines(view.read("/proc/self/status"));
  const seccompLine = status.find((l) => l.startsWith("Seccomp:"));
  const actions = (view.read("/proc/sys/kernel/seccomp/actions_avail") ?? "").trim().split(/\s+/).filter(Boolean);
  const filter = seccompLine !== undefined && actions.length > 0;
  const flags = filter ? SECCOMP_FLAGS.filter((f) => view.probes.seccompFilterFlag(f.bits).ok).map((f) => f.name) : [];
  const missingActions = WANTED_ACTIONS.filter((a) => !actions.includes(a));
  const missingFlags = SECCOMP_FLAGS.map((f) => f.name).filter((n) => !flags.includes(n));
  return [
    item(
      { id: "pidfd", group: g, title: "pidfd_open", loss: "signals go by PID: a recycled PID could be signalled by mistake" },
      pidfd.ok ? "ok" : "missing",
      pidfd.ok ? "pidfd_open works" : `pidfd_open failed: ${pidfd.errno}`,
    ),
    item(
      { id: "seccomp.filter", group: g, title: "seccomp filters", loss: "containers' seccomp profiles cannot be applied: the whole syscall table is open to them" },
      filter ? "ok" : "missing",
      filter ? seccompLine!.replace(/\s+/g, " ") : seccompLine ? "no /proc/sys/kernel/seccomp/actions_avail" : "no Seccomp line in /proc/self/status",
    ),
    item(
      { id: "seccomp.actions", group: g, title: "seccomp actions", loss: `profiles using ${missingActions.join(", ")} cannot be applied as written` },
      !filter ? "missing" : missingActions.length ? "degraded" : "ok",
      actions.length ? actions.join(" ") : "none",
    ),
    item(
      { id: "seccomp.flags", group: g, title: "seccomp filter flags", loss: `no ${missingFlags.join(", ")}: e.g. no user notification without new_listener` },
      !filter ? "missing" : missingFlags.length ? "degraded" : "ok",
      flags.length ? flags.join(" ") : "none",
    ),
  ];
};
