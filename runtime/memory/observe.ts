// What the memory core sees of the fleet at one moment: each container the supervisor names, with its cgroup's memory
// read now while it runs.
import type { CgroupFs } from "../cgroups/fs.ts";
import { readCgroupMemory } from "./cgroup-memory.ts";
import type { ContainerView, CoreContainer, Managed } from "./observation.ts";

export const viewContainers = (fs: CgroupFs, containers: readonly CoreContainer[], managed: ReadonlyMap<string, Managed>): ContainerView[] =>
  containers.map((c) => {
    let memory: ContainerView["memory"];
    if (c.paths && c.status !== "stopped") {
      try {
        memory = readCgroupMemory(fs, c.paths);
      } catch {
        // The cgroup went away between the list and the read: treat as stopped until the supervisor says so.
      }
    }
    return { id: c.id, policy: c.policy, status: c.status, restarts: c.restarts, managed: managed.get(c.id) ?? {}, ...(memory ? { memory } : {}), ...(c.exit ? { exit: c.exit } : {}) };
  });
