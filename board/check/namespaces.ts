// Namespaces: each kind the kernel offers (/proc/self/ns) and its limit (/proc/sys/user/max_*_namespaces).
import { type CheckItem, item } from "./report.ts";
import type { SystemView } from "./system.ts";

interface Kind {
  /** Name in /proc/self/ns and in max_<name>_namespaces. */
  ns: string;
  title: string;
  required: boolean;
  loss: string;
}

const KINDS: Kind[] = [
  { ns: "mnt", title: "mount", required: true, loss: "no container can have its own root filesystem" },
  { ns: "pid", title: "PID", required: true, loss: "containers see and can signal every process of the board" },
  { ns: "uts", title: "UTS", required: true, loss: "containers cannot have their own hostname" },
  { ns: "ipc", title: "IPC", required: true, loss: "containers share System V IPC and POSIX queues with the board" },
  { ns: "net", title: "network", required: true, loss: "containers share the board's network stack" },
  { ns: "cgroup", title: "cgroup", required: false, loss: "containers see the board's whole cgroup tree" },
  { ns: "user", title: "user", required: false, loss: "no user-namespaced (uid-mapped) or rootless containers" },
  { ns: "time", title: "time", required: false, loss: "no per-container monotonic/boottime offsets (needed to restore checkpoints elsewhere)" },
];

/** Below this many, a namespace limit is reported as degraded: a few dozen containers each need one. */
const LOW_LIMIT = 64;

export const namespaceItems = (view: SystemView): CheckItem[] =>
  KINDS.map((k) => {
    const base = { id: `namespace.${k.ns}`, group: "namespaces", title: `${k.title} namespace`, required: k.required, loss: k.loss };
    if (!view.exists(`/proc/self/ns/${k.ns}`)) return item(base, "missing", `no /proc/self/ns/${k.ns}`);
    const limitText = view.read(`/proc/sys/user/max_${k.ns}_namespaces`)?.trim();
    if (limitText === undefined) return item(base, "ok", "present");
    const limit = Number(limitText);
    const detail = `present, max_${k.ns}_namespaces=${limitText}`;
    if (limit === 0) return item(base, "missing", `${detail}: disabled by its limit`);
    return item(base, limit < LOW_LIMIT ? "degraded" : "ok", detail);
  });
