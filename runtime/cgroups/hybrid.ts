// The hybrid driver (v1 controllers plus the unified hierarchy, like this build machine): the container gets a
// directory in every v1 hierarchy and one in the unified hierarchy. Each resource goes to the v1 controller where
// one is mounted, else to the v2 controller where the unified hierarchy offers it (hugetlb here); `unified` keys
// go to v2. crun refuses this layout; runc joins both, as bunker does.
import type { LinuxResources } from "../spec/resources.ts";
import type { Controller } from "./controller.ts";
import type { CgroupFs } from "./fs.ts";
import type { CgroupManager } from "./manager.ts";
import type { Watch } from "../watch/watch.ts";
import { applyPlaced, statsPlaced, type Placed } from "./placement.ts";
import type { CgroupStats } from "./stats.ts";
import { V1_CONTROLLERS } from "./v1/controllers.ts";
import type { V1Manager } from "./v1/manager.ts";
import { V2_CONTROLLERS } from "./v2/controllers.ts";
import type { V2Manager } from "./v2/manager.ts";

const KNOWN: readonly Controller[] = [...V1_CONTROLLERS, ...V2_CONTROLLERS.filter((c) => !V1_CONTROLLERS.some((v) => v.resource === c.resource))];

export class HybridManager implements CgroupManager {
  readonly layout: CgroupManager["layout"] = "hybrid";

  constructor(
    readonly path: string,
    private readonly v1: V1Manager,
    private readonly v2: V2Manager,
    private readonly fs: CgroupFs,
  ) {}

  private placed(): Placed[] {
    const v1 = this.v1.placed();
    const inV1 = new Set(v1.map((p) => p.controller.resource));
    return [...v1, ...this.v2.placed().filter((p) => !inV1.has(p.controller.resource))];
  }

  create(): void {
    this.v1.create();
    this.v2.create();
  }

  apply(r: LinuxResources): void {
    applyPlaced(this.placed(), KNOWN, r, this.fs);
  }

  procsFiles(): string[] {
    return [...this.v1.procsFiles(), ...this.v2.procsFiles()];
  }

  dirs(): { hierarchy: string; dir: string }[] {
    return [...this.v1.dirs(), ...this.v2.dirs()];
  }

  addProcess(pid: number): void {
    this.v1.addProcess(pid);
    this.v2.addProcess(pid);
  }

  pids(): number[] {
    return this.v1.pids();
  }

  private get freezer(): V1Manager | V2Manager {
    return this.v1.hasFreezer() ? this.v1 : this.v2;
  }

  freeze(): Promise<void> {
    return this.freezer.freeze();
  }

  thaw(): Promise<void> {
    return this.freezer.thaw();
  }

  frozen(): boolean {
    return this.freezer.frozen();
  }

  stats(): CgroupStats {
    const out = statsPlaced(this.placed(), this.fs);
    this.v2.psi(out);
    return out;
  }

  oomKills(): number {
    return this.v1.oomKills();
  }

  watchOom(onOom: () => void): Watch {
    return this.v1.watchOom(onOom);
  }

  async destroy(onWarning?: (msg: string) => void): Promise<void> {
    await this.v1.destroy(onWarning);
    await this.v2.destroy(onWarning);
  }
}
