// What every engine suite sets up on the host before its daemons start and takes down after they stop: a snapshot of
// the host, one temp directory for everything, the cgroup parent for the containers and the busybox image archive.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CgroupParent, cgroupParent } from "../support/engines/cgroups.ts";
import type { Daemon } from "../support/engines/daemon.ts";
import { buildBusyboxArchive, SKOPEO_BYPRODUCTS } from "../support/engines/image.ts";
import { snapshot, sweep, type Watch } from "../support/engines/leftovers.ts";

export interface TestHost {
  readonly base: string;
  readonly cgroups: CgroupParent;
  readonly archive: string;
  /** Stops `daemons` (last started first) and sweeps the host; returns what was left behind. Runs once. */
  teardown(daemons: Daemon[], watch?: Pick<Watch, "sharedCgroups" | "byproducts">): Promise<string[]>;
}

export const prepareHost = (engine: string): TestHost => {
  const before = snapshot();
  const base = mkdtempSync(join(tmpdir(), `bunker-${engine}-`));
  const cgroups = cgroupParent(engine);
  const sweepHost = (watch: Pick<Watch, "sharedCgroups" | "byproducts">): string[] =>
    sweep(before, { base, cgroups, ...watch, byproducts: [...SKOPEO_BYPRODUCTS, ...(watch.byproducts ?? [])] });
  let archive: string;
  try {
    archive = buildBusyboxArchive(join(base, "image"));
  } catch (e) {
    sweepHost({});
    throw e;
  }
  let done: Promise<string[]> | undefined;
  return {
    base,
    cgroups,
    archive,
    teardown: (daemons, watch = {}) =>
      (done ??= (async () => {
        for (const d of [...daemons].reverse()) await d.stop();
        return sweepHost(watch);
      })()),
  };
};
