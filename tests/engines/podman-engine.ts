// The engine cases through podman: both runtimes registered by name in the suite's containers.conf, each with its
// default state root (podman passes none, and would not pass one to the cleanup process conmon starts).
import { join } from "node:path";
import { defaultJournalDir } from "../../runtime/container/journal-dir.ts";
import { QUALIFIED_IMAGE } from "../support/engines/image.ts";
import { podmanIn } from "../support/engines/podman.ts";
import { RUNTIMES } from "../support/engines/runtimes.ts";
import { cliEngine } from "./cli-engine.ts";
import type { Engine } from "./engine.ts";
import { prepareHost } from "./host.ts";

export const PODMAN_UNSUPPORTED = {
  // Measured with runc as with bunker: conmon creates "oom" relative to its working directory, which is podman's,
  // while podman looks for it in the container's bundle.
  oomReport: "podman 4.3 with conmon 2.1.6 never reports OOMKilled on cgroup v1 (conmon's marker file lands in podman's working directory)",
};

/** What podman leaves by design: conmon's cgroup below the parent, and bunker's journal of its default root. */
export const PODMAN_WATCH = {
  sharedCgroups: ["conmon"],
  byproducts: RUNTIMES.filter((r) => r.name === "bunker").flatMap((r) => defaultJournalDir(r.defaultRoot) ?? []),
};

export const podmanEngine = async (): Promise<Engine> => {
  const host = prepareHost("podman");
  const teardown = (): Promise<string[]> => host.teardown([], PODMAN_WATCH);
  const { podman } = podmanIn(join(host.base, "podman"), Object.fromEntries(RUNTIMES.map((r) => [r.name, r.path])));
  const loaded = podman(["load", "--input", host.archive]);
  if (loaded.code !== 0) {
    const left = await teardown();
    throw new Error(`podman load exited ${loaded.code}: ${loaded.stderr.trim()}${left.length ? ` (left behind: ${left.join("; ")})` : ""}`);
  }
  return cliEngine({
    name: "podman",
    cgroupParent: host.cgroups.path,
    image: QUALIFIED_IMAGE,
    cli: (rt, args) => podman(["--runtime", rt.name, ...args]),
    runOptions: () => ["--cgroup-parent", host.cgroups.path, "--network", "none"],
    removeCommand: ["rm", "--force", "--time", "0"],
    stats: async (rt, name) => {
      // The embedded struct's fields are the exact numbers; the top-level ones are formatted strings.
      const r = podman(["--runtime", rt.name, "stats", "--no-stream", "--format", "{{.ContainerStats.MemUsage}} {{.ContainerStats.MemLimit}} {{.ContainerStats.PIDs}}", name]);
      if (r.code !== 0) throw new Error(`podman stats ${name} exited ${r.code}: ${r.stderr.trim()}`);
      const [memoryUsage, memoryLimit, pids] = r.stdout.trim().split(" ").map(Number) as [number, number, number];
      return { memoryUsage, memoryLimit, pids };
    },
    stateDir: (rt, id) => join(rt.defaultRoot, id),
    teardown,
  });
};
