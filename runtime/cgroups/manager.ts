// The one interface the rest of bunker uses for a container's cgroup; host-manager.ts picks the driver that
// implements it for this machine's layout.
import type { LinuxResources } from "../spec/resources.ts";
import type { Layout } from "./mounts.ts";
import type { Watch } from "../watch/watch.ts";
import type { CgroupStats } from "./stats.ts";

export interface CgroupManager {
  readonly layout: Layout;
  /** What to pass back as cgroupsPath to reach the same cgroups (see host-manager.ts). */
  readonly path: string;
  /** mkdir -p in every hierarchy used; on v2 enables controllers in the ancestors' cgroup.subtree_control. */
  create(): void;
  /** Writes every resource; throws a one-line error naming the file and value. */
  apply(r: LinuxResources): void;
  /** Absolute cgroup.procs paths; the setup stage opens them and writes "0" right before execve. */
  procsFiles(): string[];
  /** The container's directory per hierarchy ("" is the unified one), for cgroup mounts inside the container. */
  dirs(): { hierarchy: string; dir: string }[];
  /** Places a pid in every hierarchy (exec). */
  addProcess(pid: number): void;
  pids(): number[];
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  frozen(): boolean;
  /** runc's `events` "stats" data. */
  stats(): CgroupStats;
  /** OOM kills in the container's memory cgroup so far (0 without a memory controller). */
  oomKills(): number;
  /** Calls `onOom` each time the kernel OOM-kills in the container, without polling. */
  watchOom(onOom: () => void): Watch;
  /** Kills what is left (cgroup.kill where present, else SIGKILL each pid, frozen), waits until empty, removes every
   * directory. Idempotent. A freeze that failed before the kill goes to `onWarning` (or beside a removal's error). */
  destroy(onWarning?: (msg: string) => void): Promise<void>;
}
