// `update`: new limits for a running container's cgroup, its limits view re-rendered, the change journaled.
import { existsSync } from "node:fs";
import { updateContainer } from "../cgroups/update.ts";
import { renderLimitsView } from "../memory/limits-view.ts";
import type { LinuxResources } from "../spec/resources.ts";
import { recordChanges } from "./journal.ts";
import { limitsViewDir } from "./record.ts";

export const updateResources = (root: string, id: string, change: unknown, source: string, journal: string | null): LinuxResources => {
  const resources = updateContainer(root, id, change, source);
  // Rewritten in place: the container's bind mounts of these files follow.
  if (existsSync(limitsViewDir(root, id))) renderLimitsView(limitsViewDir(root, id), resources);
  recordChanges(journal, [{ kind: "resourcesUpdated", id, resources: JSON.stringify(resources) }]);
  return resources;
};
