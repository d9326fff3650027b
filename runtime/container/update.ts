// `update`: new resource values for a live container. The change is merged into the resources it runs with (each
// part given replaces those fields, as runc's update does), written to the cgroup, kept in the state record so that
// later updates build on it, rendered again into the container's limits view, and journaled.
import { existsSync } from "node:fs";
import type { Config } from "../spec/config.ts";
import { LinuxResourcesSchema, type LinuxResources } from "../spec/resources.ts";
import { decode } from "../spec/validate.ts";
import { containerCgroup } from "./container-cgroup.ts";
import { recordChanges } from "./journal.ts";
import { renderLimitsView } from "./limits-view.ts";
import { updateNetwork } from "./network.ts";
import { limitsViewDir, writeRecord } from "./record.ts";
import { withContainerLock } from "./lock.ts";

/** Objects (memory, cpu...) merge field by field; lists (devices, hugepageLimits...) and `unified` keys replace. */
export const mergeResources = (current: LinuxResources, change: LinuxResources): LinuxResources => {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(change)) {
    const old = out[key];
    const mergeable = value && typeof value === "object" && !Array.isArray(value) && old && typeof old === "object" && !Array.isArray(old);
    out[key] = mergeable ? { ...old, ...value } : value;
  }
  return out as LinuxResources;
};

/** Applies the change to the cgroup and the state record, under the container's lock. */
const updateCgroup = (root: string, id: string, change: unknown, source: string): LinuxResources => {
  const valid = decode(LinuxResourcesSchema, change, source);
  return withContainerLock(root, id, () => {
    const { record, cgroup } = containerCgroup(root, id, ["created", "running", "paused"], "update");
    const config = record.config as Config;
    const resources = mergeResources(config.linux?.resources ?? {}, valid);
    cgroup.apply(resources);
    writeRecord(root, { ...record, config: { ...config, linux: { ...config.linux, resources } } });
    return resources;
  });
};

/** `change` is checked against the runtime-spec schema here, where it enters; `source` names it in errors. */
export const updateResources = (root: string, id: string, change: unknown, source: string, journal: string | null): LinuxResources => {
  const resources = updateCgroup(root, id, change, source);
  // Rewritten in place: the container's bind mounts of these files follow.
  if (existsSync(limitsViewDir(root, id))) renderLimitsView(limitsViewDir(root, id), resources);
  recordChanges(journal, [{ kind: "resourcesUpdated", id, resources: JSON.stringify(resources) }]);
  return resources;
};

/**
 * New network annotations for a live container (rate limits, the socket policy), applied at once and kept in its
 * record, also as overrides, so that a restart by the daemon keeps them.
 */
export const updateNetworkAnnotations = (root: string, id: string, change: Record<string, string>): void => {
  withContainerLock(root, id, () => {
    const { record, cgroup } = containerCgroup(root, id, ["created", "running", "paused"], "update");
    const { annotations, network } = updateNetwork(record, cgroup, change);
    writeRecord(root, { ...record, annotations, annotationOverrides: { ...record.annotationOverrides, ...change }, ...(network ? { network } : {}) });
  });
};
