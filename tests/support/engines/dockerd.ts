// dockerd (Debian's 20.10) started by a test: data, exec root, socket, pid file and trust key under `dir`, no
// iptables rules and no bridge, the runtimes under test registered with --add-runtime, and the test's own containerd.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Output, sh } from "./command.ts";
import type { Containerd } from "./containerd.ts";
import { type Daemon, startDaemon } from "./daemon.ts";

/** Debian's docker.io client (another `docker` may come first in PATH). */
export const DOCKER_CLI = "/usr/bin/docker";

export interface Dockerd extends Daemon {
  readonly socket: string;
  readonly execRoot: string;
  docker(args: string[], opts?: Parameters<typeof sh>[1]): Output;
}

export const startDockerd = async (
  dir: string,
  opts: { containerd: Containerd; runtimes: Record<string, string>; cgroupParent: string },
): Promise<Dockerd> => {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "docker.sock");
  const execRoot = join(dir, "exec");
  const config = join(dir, "daemon.json");
  // The trust key has no flag in 20.10: without this dockerd writes /etc/docker/key.json.
  writeFileSync(config, JSON.stringify({ "deprecated-key-path": join(dir, "key.json") }));
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, "client") };
  const docker = (args: string[], o?: Parameters<typeof sh>[1]): Output => sh([DOCKER_CLI, ...args], { ...o, env: { ...env, ...o?.env } });
  const daemon = await startDaemon(
    "dockerd",
    [
      "dockerd",
      "--config-file", config,
      "--data-root", join(dir, "data"),
      "--exec-root", execRoot,
      "-H", `unix://${socket}`,
      "--pidfile", join(dir, "docker.pid"),
      "--containerd", opts.containerd.address,
      "--iptables=false",
      "--ip-masq=false",
      "--bridge=none",
      "--cgroup-parent", opts.cgroupParent,
      ...Object.entries(opts.runtimes).flatMap(([name, path]) => ["--add-runtime", `${name}=${path}`]),
    ],
    { log: join(dir, "dockerd.log"), env: { TMPDIR: dir }, ready: () => docker(["version"], { timeoutMs: 5_000 }).code === 0 },
  );
  return { ...daemon, socket, execRoot, docker };
};
