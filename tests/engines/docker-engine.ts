// The engine cases through Docker: dockerd on the suite's own containerd, bunker added with --add-runtime, runc
// being Docker's built-in default; exact figures from the stats endpoint of Docker's API.
import { join } from "node:path";
import { startContainerd } from "../support/engines/containerd.ts";
import type { Daemon } from "../support/engines/daemon.ts";
import { startDockerd } from "../support/engines/dockerd.ts";
import { IMAGE } from "../support/engines/image.ts";
import { RUNTIMES } from "../support/engines/runtimes.ts";
import { cliEngine } from "./cli-engine.ts";
import type { Engine } from "./engine.ts";
import { prepareHost } from "./host.ts";

export const dockerEngine = async (): Promise<Engine> => {
  const host = prepareHost("docker");
  const daemons: Daemon[] = [];
  try {
    const containerd = await startContainerd(join(host.base, "containerd"));
    daemons.push(containerd);
    // "runc" is Docker's own name for the runc in PATH: it cannot be added again.
    const added = Object.fromEntries(RUNTIMES.filter((r) => r.name !== "runc").map((r) => [r.name, r.path]));
    const dockerd = await startDockerd(join(host.base, "docker"), { containerd, runtimes: added, cgroupParent: host.cgroups.path });
    daemons.push(dockerd);
    const loaded = dockerd.docker(["load", "--input", host.archive]);
    if (loaded.code !== 0) throw new Error(`docker load exited ${loaded.code}: ${loaded.stderr.trim()}`);
    return cliEngine({
      name: "docker",
      cgroupParent: host.cgroups.path,
      image: IMAGE,
      cli: (_rt, args) => dockerd.docker(args),
      runOptions: (rt) => ["--runtime", rt.name, "--network", "none"],
      removeCommand: ["rm", "--force"],
      stats: async (_rt, name) => {
        const r = await fetch(`http://docker/containers/${name}/stats?stream=false`, { unix: dockerd.socket });
        if (!r.ok) throw new Error(`GET /containers/${name}/stats: ${r.status} ${await r.text()}`);
        const s = (await r.json()) as { memory_stats?: { usage?: number; limit?: number }; pids_stats?: { current?: number } };
        return { memoryUsage: s.memory_stats?.usage ?? 0, memoryLimit: s.memory_stats?.limit ?? 0, pids: s.pids_stats?.current ?? 0 };
      },
      // Docker gives every runtime that uses containerd's runc shim the same root.
      stateDir: (_rt, id) => join(dockerd.execRoot, "runtime-runc", "moby", id),
      teardown: () => host.teardown(daemons),
    });
  } catch (e) {
    const left = await host.teardown(daemons);
    throw left.length ? new Error(`${(e as Error).message} (left behind: ${left.join("; ")})`) : e;
  }
};
