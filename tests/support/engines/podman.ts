// podman (Debian's 4.3, no daemon) with its own storage, run root, tmp dir, locks, events log and network config
// under `dir`, through a containers.conf of its own (CONTAINERS_CONF replaces the system's). The runtimes under test
// are registered by name, so that the cleanup process conmon starts (`podman container cleanup`) uses the same one.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Output, sh } from "./command.ts";

export interface Podman {
  podman(args: string[], opts?: Parameters<typeof sh>[1]): Output;
}

/**
 * podman's default ulimits (nofile and nproc 1048576) exceed this machine's hard limits, and without
 * CAP_SYS_RESOURCE every runtime fails to set them: give containers what the caller itself may have.
 */
const ulimits = (): string[] => {
  const hard = (name: string): number => {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith(name));
    const value = line?.trim().split(/\s+/).at(-2);
    return value === undefined || value === "unlimited" ? 1024 : Math.min(1024, Number(value));
  };
  return [`nofile=${hard("Max open files")}:${hard("Max open files")}`, `nproc=${hard("Max processes")}:${hard("Max processes")}`];
};

export const podmanIn = (dir: string, runtimes: Record<string, string>): Podman => {
  for (const d of ["tmp", "net"]) mkdirSync(join(dir, d), { recursive: true });
  const conf = join(dir, "containers.conf");
  const q = (s: string): string => JSON.stringify(s);
  writeFileSync(
    conf,
    [
      "[containers]",
      `default_ulimits = [${ulimits().map(q).join(", ")}]`,
      'netns = "none"',
      "[engine]",
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${q(join(dir, "events.log"))}`,
      `tmp_dir = ${q(join(dir, "tmp"))}`,
      // The default shm lock table is /dev/shm/libpod_lock.
      'lock_type = "file"',
      "[engine.runtimes]",
      ...Object.entries(runtimes).map(([name, path]) => `${name} = [${q(path)}]`),
      "[network]",
      `network_config_dir = ${q(join(dir, "net"))}`,
      "",
    ].join("\n"),
  );
  // podman refuses a run root longer than 50 characters.
  const global = ["--root", join(dir, "root"), "--runroot", join(dir, "run"), "--storage-driver", "overlay"];
  return {
    // In a working directory of its own: conmon creates its OOM marker file in podman's working directory.
    podman: (args, opts) => sh(["podman", ...global, ...args], { cwd: dir, ...opts, env: { CONTAINERS_CONF: conf, TMPDIR: join(dir, "tmp"), ...opts?.env } }),
  };
};
