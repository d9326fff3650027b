// The cgroup v2 driver: one directory in the unified hierarchy; controllers are enabled on the way down.
import type { LinuxResources } from "../../spec/resources.ts";
import type { CgroupManager } from "../manager.ts";
import type { CgroupFs } from "../fs.ts";
import { readFile, writeFile } from "../files.ts";
import { watchOomV2 } from "../oom.ts";
import type { Watch } from "../../watch/watch.ts";
import { v1OnlyField } from "./v1-only.ts";
import { addProcessTo, applyPlaced, createPath, freezeAndKill, pidsOf, removeAfterKill, statsPlaced, type Placed } from "../placement.ts";
import type { CgroupStats } from "../stats.ts";
import { V2_ALWAYS, V2_CONTROLLERS } from "./controllers.ts";
import { isFrozenV2, setFreezerV2 } from "./freezer.ts";
import { oomKillsV2 } from "./memory.ts";
import { psiStats } from "./psi.ts";

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

export class V2Manager implements CgroupManager {
  readonly layout: CgroupManager["layout"] = "v2";

  constructor(
    readonly path: string,
    private readonly mountpoint: string,
    private readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  /** Enables bunker's controllers in each ancestor's cgroup.subtree_control, from the hierarchy root down to the
   * parent, writing only what is missing. A controller the kernel refuses stays off; apply names it if wanted. */
  private enableControllers(): void {
    const drive = new Set(V2_CONTROLLERS.map((c) => c.name));
    const parts = this.dir.slice(this.mountpoint.length).split("/").filter(Boolean);
    let dir = this.mountpoint;
    for (const part of parts) {
      const enabled = new Set(words(readFile(this.fs, dir, "cgroup.subtree_control")));
      const missing = words(readFile(this.fs, dir, "cgroup.controllers")).filter((c) => drive.has(c) && !enabled.has(c));
      if (missing.length) {
        try {
          writeFile(this.fs, dir, "cgroup.subtree_control", missing.map((c) => `+${c}`).join(" "));
        } catch {
          for (const c of missing) {
            try {
              writeFile(this.fs, dir, "cgroup.subtree_control", `+${c}`);
            } catch {
              // Left disabled: an error follows only if the container asks for this controller.
            }
          }
        }
      }
      dir = `${dir}/${part}`;
    }
  }

  create(): void {
    createPath(this.fs, this.mountpoint, this.dir.slice(this.mountpoint.length));
    this.enableControllers();
  }

  /** Controllers enabled for the container's directory, and the ones that need none. */
  placed(): Placed[] {
    const enabled = new Set(words(readFile(this.fs, this.dir, "cgroup.controllers")));
    return [...V2_CONTROLLERS.filter((c) => enabled.has(c.name)), ...V2_ALWAYS].map((controller) => ({ controller, dir: this.dir }));
  }

  apply(r: LinuxResources): void {
    const v1Only = v1OnlyField(r);
    if (v1Only) throw new Error(`Applying linux.resources.${v1Only} to '${this.dir}': it needs cgroup v1, and this host's cgroups are v2`);
    applyPlaced(this.placed(), V2_CONTROLLERS, r, this.fs);
  }

  procsFiles(): string[] {
    return [this.fs.real(`${this.dir}/cgroup.procs`)];
  }

  dirs(): { hierarchy: string; dir: string }[] {
    return [{ hierarchy: "", dir: this.fs.real(this.dir) }];
  }

  addProcess(pid: number): void {
    addProcessTo(this.fs, [this.dir], pid);
  }

  pids(): number[] {
    return pidsOf(this.fs, [this.dir]);
  }

  freeze(): Promise<void> {
    return setFreezerV2(this.fs, this.dir, true);
  }

  thaw(): Promise<void> {
    return setFreezerV2(this.fs, this.dir, false);
  }

  frozen(): boolean {
    return this.fs.exists(this.dir) && isFrozenV2(this.fs, this.dir);
  }

  stats(): CgroupStats {
    const out = statsPlaced(this.placed(), this.fs);
    psiStats(this.dir, this.fs, out);
    return out;
  }

  /** PSI of the container's directory (the hybrid driver adds it to the v1 statistics). */
  psi(out: CgroupStats): void {
    if (this.fs.exists(this.dir)) psiStats(this.dir, this.fs, out);
  }

  oomKills(): number {
    return this.fs.exists(`${this.dir}/memory.events`) ? oomKillsV2(this.fs, this.dir) : 0;
  }

  watchOom(onOom: () => void): Watch {
    return watchOomV2(this.fs, this.dir, onOom);
  }

  async destroy(onWarning?: (msg: string) => void): Promise<void> {
    if (!this.fs.exists(this.dir)) return;
    let freezeError: Error | undefined;
    if (this.fs.exists(`${this.dir}/cgroup.kill`)) {
      if (this.pids().length) writeFile(this.fs, this.dir, "cgroup.kill", "1");
    } else if (this.pids().length) {
      ({ freezeError } = await freezeAndKill(this.fs, () => this.pids(), this));
    }
    await removeAfterKill(this.fs, [this.dir], freezeError, onWarning);
  }
}
