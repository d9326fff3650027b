// The cgroup v1 driver: one directory per mounted hierarchy, each carrying its controllers.
import type { LinuxResources } from "../../spec/resources.ts";
import type { CgroupManager } from "../manager.ts";
import type { CgroupFs } from "../fs.ts";
import { readFile, writeFile } from "../files.ts";
import { watchOomV1 } from "../oom.ts";
import type { Watch } from "../../watch/watch.ts";
import { addProcessTo, applyPlaced, createPath, freezeAndKill, pidsOf, removeAfterKill, statsPlaced, type Placed } from "../placement.ts";
import type { CgroupStats } from "../stats.ts";
import { unifiedV2 } from "../unified.ts";
import { V1_CONTROLLERS } from "./controllers.ts";
import { freezerState, setFreezerV1 } from "./freezer.ts";
import { oomKillsV1 } from "./memory.ts";

export interface V1Dir {
  /** The mount's directory name, as /sys/fs/cgroup shows it ("memory", "cpu,cpuacct"). */
  hierarchy: string;
  controllers: string[];
  mountpoint: string;
  dir: string;
}

export class V1Manager implements CgroupManager {
  readonly layout: CgroupManager["layout"] = "v1";

  constructor(
    readonly path: string,
    private readonly hs: readonly V1Dir[],
    private readonly fs: CgroupFs,
  ) {}

  private dirOf(controller: string): string | undefined {
    return this.hs.find((h) => h.controllers.includes(controller))?.dir;
  }

  private get allDirs(): string[] {
    return this.hs.map((h) => h.dir);
  }

  placed(): Placed[] {
    return V1_CONTROLLERS.flatMap((controller) => {
      const dir = this.dirOf(controller.name);
      return dir ? [{ controller, dir }] : [];
    });
  }

  create(): void {
    for (const h of this.hs) {
      // A new cpuset cgroup starts with no CPUs and no memory nodes and refuses tasks until it gets some.
      const inherit = h.controllers.includes("cpuset") ? this.inheritCpuset : undefined;
      createPath(this.fs, h.mountpoint, h.dir.slice(h.mountpoint.length), inherit);
    }
  }

  private readonly inheritCpuset = (dir: string, parent: string): void => {
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      if (!readFile(this.fs, dir, file)) writeFile(this.fs, dir, file, readFile(this.fs, parent, file));
    }
  };

  apply(r: LinuxResources): void {
    // `unified` is known so that asking for it is an error here, not silently dropped.
    applyPlaced(this.placed(), [...V1_CONTROLLERS, unifiedV2], r, this.fs);
  }

  procsFiles(): string[] {
    return this.allDirs.map((d) => this.fs.real(`${d}/cgroup.procs`));
  }

  dirs(): { hierarchy: string; dir: string }[] {
    return this.hs.map((h) => ({ hierarchy: h.hierarchy, dir: this.fs.real(h.dir) }));
  }

  addProcess(pid: number): void {
    addProcessTo(this.fs, this.allDirs, pid);
  }

  pids(): number[] {
    return pidsOf(this.fs, this.allDirs);
  }

  hasFreezer(): boolean {
    return this.dirOf("freezer") !== undefined;
  }

  private freezer(action: string): string {
    const dir = this.dirOf("freezer");
    if (!dir) throw new Error(`Cannot ${action} container cgroup '${this.path}': the freezer controller is not mounted`);
    return dir;
  }

  freeze(): Promise<void> {
    return setFreezerV1(this.fs, this.freezer("freeze"), "FROZEN");
  }

  thaw(): Promise<void> {
    return setFreezerV1(this.fs, this.freezer("thaw"), "THAWED");
  }

  frozen(): boolean {
    const dir = this.dirOf("freezer");
    return !!dir && this.fs.exists(dir) && freezerState(this.fs, dir) === "FROZEN";
  }

  stats(): CgroupStats {
    return statsPlaced(this.placed(), this.fs);
  }

  oomKills(): number {
    const dir = this.dirOf("memory");
    return dir ? oomKillsV1(this.fs, dir) : 0;
  }

  watchOom(onOom: () => void): Watch {
    const dir = this.dirOf("memory");
    if (!dir) throw new Error(`Watching container cgroup '${this.path}' for OOM: the memory controller is not mounted`);
    return watchOomV1(this.fs, dir, onOom);
  }

  async destroy(onWarning?: (msg: string) => void): Promise<void> {
    let freezeError: Error | undefined;
    if (this.pids().length) {
      const freezer = this.dirOf("freezer");
      ({ freezeError } = await freezeAndKill(this.fs, () => this.pids(), freezer !== undefined && this.fs.exists(freezer) ? this : undefined));
    }
    await removeAfterKill(this.fs, this.allDirs, freezeError, onWarning);
  }
}
