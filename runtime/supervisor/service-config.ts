// A service's container config: its bundle's (or image's) config.json with the target's overrides on top, and the
// annotations by which the state root alone tells the instance's service, spec and stop behaviour. The memory class
// goes where the memory core reads it (bunker.memory.class); restarts are the service manager's own, so any restart
// annotation of the bundle is dropped (two mechanisms must not restart one container).
import { join, posix } from "node:path";
import { ANNOTATION } from "../memory/policy.ts";
import { networkAnnotations } from "../network/service-network.ts";
import { parseSize } from "../units.ts";
import type { Config, Mount } from "../spec/config.ts";
import { instanceId, SERVICE_ANNOTATION } from "./current-state.ts";
import type { DesiredService } from "./desired.ts";

const RESTART_ANNOTATIONS: readonly string[] = [ANNOTATION.restart, ANNOTATION.backoff, ANNOTATION.backoffMax, ANNOTATION.restartLimit, ANNOTATION.restartWindow];

const CPU_PERIOD_US = 100_000;

const bind = (source: string, destination: string, readonly: boolean): Mount => ({
  destination, source, type: "bind", options: ["rbind", "rprivate", ...(readonly ? ["ro"] : [])],
});

/** process.env with the target's variables set or replaced, in the bundle's order, new ones after. */
const mergeEnv = (base: readonly string[], set: Record<string, string>): string[] => {
  const left = new Map(Object.entries(set));
  const out = base.map((kv) => {
    const key = kv.slice(0, kv.indexOf("=") >>> 0);
    const v = left.get(key);
    if (v === undefined) return kv;
    left.delete(key);
    return `${key}=${v}`;
  });
  return [...out, ...[...left].map(([k, v]) => `${k}=${v}`)];
};

/** Where a named volume lives: kept across instances, updates and boots. */
export const volumePath = (volumesDir: string, name: string): string => join(volumesDir, name);

/**
 * Each instance has its own cgroup: old and new run side by side in a hand-over, and one bundle may serve several
 * services. Beside where the bundle put its container (an absolute cgroupsPath's parent), or bunker's default.
 */
const instanceCgroup = (base: Config, id: string): string | undefined => {
  const p = base.linux?.cgroupsPath;
  return p?.startsWith("/") ? posix.join(posix.dirname(p), id) : undefined;
};

export const serviceConfig = (base: Config, d: DesiredService, volumesDir: string): Config => {
  const s = d.spec;
  const annotations = Object.fromEntries(Object.entries(base.annotations ?? {}).filter(([k]) => !RESTART_ANNOTATIONS.includes(k)));
  Object.assign(annotations, {
    [ANNOTATION.class]: s.memory.class,
    ...(s.memory.reclaim ? { [ANNOTATION.reclaim]: s.memory.reclaim } : {}),
    ...(s.memory.swap ? { [ANNOTATION.swap]: s.memory.swap } : {}),
    [SERVICE_ANNOTATION.service]: d.name,
    [SERVICE_ANNOTATION.hash]: d.hash,
    [SERVICE_ANNOTATION.dependsOn]: d.dependsOn.map((x) => x.name).join(","),
    [SERVICE_ANNOTATION.stop]: `${d.stopSignal} ${d.stopGraceMs}`,
    // Over the bundle's own network annotations: the target state says how the service is connected.
    ...(s.network ? networkAnnotations(s.network) : {}),
  });
  const resources = { ...base.linux?.resources };
  if (s.memory.limit !== undefined) resources.memory = { ...resources.memory, limit: parseSize(s.memory.limit) };
  if (s.cpu) {
    const cpu = { ...resources.cpu };
    if (s.cpu.cpus !== undefined) Object.assign(cpu, { quota: Math.round(s.cpu.cpus * CPU_PERIOD_US), period: CPU_PERIOD_US });
    if (s.cpu.shares !== undefined) cpu.shares = s.cpu.shares;
    if (s.cpu.cpuset !== undefined) cpu.cpus = s.cpu.cpuset;
    resources.cpu = cpu;
  }
  if (s.pids) resources.pids = { limit: s.pids.limit };
  const cgroupsPath = instanceCgroup(base, instanceId(d.name, d.hash));
  const { cgroupsPath: _bundles, ...linux } = base.linux ?? {};
  return {
    ...base,
    process: {
      ...base.process,
      terminal: false,
      ...(s.args ? { args: s.args } : {}),
      ...(s.cwd ? { cwd: s.cwd } : {}),
      ...(s.user ? { user: s.user } : {}),
      env: mergeEnv(base.process.env ?? [], s.env ?? {}),
    },
    mounts: [
      ...(base.mounts ?? []),
      ...s.mounts.map((m) => bind(m.source, m.destination, m.readonly)),
      ...s.volumes.map((v) => bind(volumePath(volumesDir, v.name), v.destination, v.readonly)),
    ],
    annotations,
    linux: { ...linux, ...(cgroupsPath ? { cgroupsPath } : {}), resources },
  };
};
