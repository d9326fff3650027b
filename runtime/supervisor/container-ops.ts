// What the supervisor needs from bunker's container layer, as one interface, so that its logic is tested with fakes.
import { cgroupManager } from "../cgroups/host-manager.ts";
import { createContainer } from "../container/create.ts";
import { deleteContainer } from "../container/delete.ts";
import { listContainers, type Damaged } from "../container/list.ts";
import { isAlive } from "../container/proc.ts";
import { networkView } from "../container/network.ts";
import { readRecord, type ContainerRecord } from "../container/record.ts";
import type { NetworkView } from "../network/view.ts";
import { startContainer } from "../container/start.ts";
import type { ContainerStatus } from "../spec/state.ts";
import { pidfdOpen } from "../../ffi/process.ts";
import { close } from "../../ffi/fd.ts";
import type { MemoryCgroupPaths } from "../memory/observation.ts";
import type { NetworkEnv } from "../network/env.ts";

export interface ListedContainer {
  id: string;
  status: ContainerStatus;
  annotations: Record<string, string>;
  bundle: string;
  cgroupsPath: string;
  /** What `state` shows of its network (absent: it asked for none). */
  network?: NetworkView;
}

export interface ContainerOps {
  /** The containers of the root, and those whose state cannot be read. */
  list(): { containers: ListedContainer[]; damaged: Damaged[] };
  /** The memory (and freezer) directories of the container's cgroup, or undefined without a memory controller. */
  paths(c: ListedContainer): MemoryCgroupPaths | undefined;
  /** A pidfd of the container's init, or undefined when it has already exited. */
  exitFd(id: string): number | undefined;
  /** The host PID of the container's init while it runs. */
  pidOf(id: string): number | undefined;
  /** Deletes the stopped container and creates and starts it again from its bundle; resolves with its exit status. */
  recreate(c: ListedContainer, onWarning: (msg: string) => void): Promise<{ exited: Promise<number> }>;
}

const withNetwork = (record: ContainerRecord): { network?: NetworkView } => {
  const network = networkView(record);
  return network ? { network } : {};
};

export const hostContainerOps = (root: string, journal: string | null, network?: NetworkEnv): ContainerOps => ({
  list: () => {
    const { containers, damaged } = listContainers(root);
    return {
      containers: containers.map(({ record, status }) => ({
        id: record.id, status, annotations: record.annotations, bundle: record.bundle, cgroupsPath: record.cgroupsPath,
        ...withNetwork(record),
      })),
      damaged,
    };
  },
  paths(c) {
    const m = cgroupManager({ cgroupsPath: c.cgroupsPath, id: c.id });
    const dirs = new Map(m.dirs().map((d) => [d.hierarchy, d.dir]));
    if (m.layout === "v2") return dirs.has("") ? { v2: dirs.get("")! } : undefined;
    const memory = dirs.get("memory");
    return memory ? { v1: { memory, freezer: dirs.get("freezer") ?? memory } } : undefined;
  },
  pidOf(id) {
    const rec = readRecord(root, id);
    return isAlive(rec.pid, rec.startTime) ? rec.pid : undefined;
  },
  exitFd(id) {
    const rec = readRecord(root, id);
    if (!isAlive(rec.pid, rec.startTime)) return undefined;
    const fd = pidfdOpen(rec.pid);
    // The PID could have been reused between the check and the open: check again now that the fd pins it.
    if (isAlive(rec.pid, rec.startTime)) return fd;
    close(fd);
    return undefined;
  },
  async recreate(c, onWarning) {
    // What the command line gave over the config's annotations (--network, -p, update's network flags) stays.
    const { annotationOverrides } = readRecord(root, c.id);
    await deleteContainer(root, c.id, { force: true, journal }, onWarning);
    const created = await createContainer({
      root, id: c.id, bundle: c.bundle, journal, ...(annotationOverrides ? { annotations: annotationOverrides } : {}), ...(network ? { network } : {}),
    });
    startContainer(root, c.id, journal, onWarning);
    created.stage.channel.close();
    return { exited: created.exited() };
  },
});
