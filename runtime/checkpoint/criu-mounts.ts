// The container's mounts that come from outside it, which CRIU must be told about: it cannot dump what it cannot reach
// from the container's root, and at restore it bind-mounts each again from a host path bunker names. Keyed by their
// destination in the container, as runc keys them. Which ones: the config's bind mounts, the limits view over
// /proc/meminfo and /sys/devices/system/cpu/online, masked files (the host's /dev/null bound over them) and, in a
// user namespace, the host's device nodes.
import { posix } from "node:path";
import { MS } from "../../ffi/constants.ts";
import { limitsViewMounts } from "../container/limits-view.ts";
import { parseMountTable } from "../rootfs/mount-table.ts";
import type { Config } from "../spec/config.ts";
import { DEFAULT_DEVICES } from "../spec/devices.ts";
import { parseMountOptions } from "../spec/mount-options.ts";

export interface ExternalMount {
  /** The destination in the container: CRIU's name for it in the images. */
  key: string;
  /** The host path that provides it. */
  source: string;
  /** A masked path is a bind of /dev/null only when it is a file (a masked directory gets a tmpfs of its own). */
  kind: "bind" | "mask";
}

/** Every mount of the container that could come from outside it, with the host path that provides it now. */
export const externalMountCandidates = (config: Config, bundle: string, limitsDir: string): ExternalMount[] => {
  const binds = (config.mounts ?? []).filter((m) => m.type === "bind" || (parseMountOptions(m.options ?? []).flags & MS.BIND) !== 0);
  const userns = (config.linux?.namespaces ?? []).some((n) => n.type === "user");
  return [
    ...binds.map((m): ExternalMount => ({ key: m.destination, source: posix.resolve(bundle, m.source ?? ""), kind: "bind" })),
    ...limitsViewMounts(limitsDir).map((m): ExternalMount => ({ key: m.destination, source: m.source!, kind: "bind" })),
    ...(config.linux?.maskedPaths ?? []).map((p): ExternalMount => ({ key: p, source: "/dev/null", kind: "mask" })),
    ...(userns ? [...DEFAULT_DEVICES, ...(config.linux?.devices ?? [])].map((d): ExternalMount => ({ key: d.path, source: d.path, kind: "bind" })) : []),
  ];
};

/** The candidates the container really has mounted, as its init's mountinfo shows them (at dump). */
export const mountedExternals = (candidates: readonly ExternalMount[], mountinfo: string): ExternalMount[] => {
  const table = parseMountTable(mountinfo);
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const m = table.findLast((e) => e.mountpoint === c.key);
    if (!m || seen.has(c.key) || (c.kind === "mask" && m.fstype === "tmpfs" && m.root === "/")) return false;
    seen.add(c.key);
    return true;
  });
};

/** The host paths for the keys a dump declared, for the container being restored; a key without one is an error. */
export const restoreMounts = (candidates: readonly ExternalMount[], keys: readonly string[]): { key: string; source: string }[] =>
  keys.map((key) => {
    const c = candidates.find((x) => x.key === key);
    if (!c) throw new Error(`Restore processes: the checkpoint's external mount '${key}' has no source in the container's config (its bind mounts, masked paths and limits view)`);
    return { key, source: c.source };
  });
