// containerd (Debian's 1.6) started by a test with its own root, state, sockets and plugin directory under `dir`,
// so that it shares nothing with a containerd the machine may run. Docker's tests hand it to dockerd as well.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Output, sh } from "./command.ts";
import { type Daemon, startDaemon } from "./daemon.ts";

export interface Containerd extends Daemon {
  readonly address: string;
  /** `ctr` against this containerd, in the tests' namespace. */
  ctr(args: string[], opts?: Parameters<typeof sh>[1]): Output;
  /** The argv of that `ctr` call, for callers that spawn it themselves (event streams, a pty). */
  ctrArgv(args: string[]): string[];
}

export const NAMESPACE = "engines";

export const startContainerd = async (dir: string): Promise<Containerd> => {
  mkdirSync(dir, { recursive: true });
  const address = join(dir, "containerd.sock");
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${join(dir, "root")}"`,
      `state = "${join(dir, "state")}"`,
      // The CRI and the snapshotters this machine has no use for would only slow the start and log errors.
      `disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]`,
      "[grpc]",
      `  address = "${address}"`,
      "[ttrpc]",
      `  address = "${address}.ttrpc"`,
      "[debug]",
      '  address = ""',
      "[metrics]",
      '  address = ""',
      // Without this containerd creates /opt/containerd.
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(dir, "opt")}"`,
      "",
    ].join("\n"),
  );
  const ctrArgv = (args: string[]): string[] => ["ctr", "--address", address, "--namespace", NAMESPACE, ...args];
  const ctr = (args: string[], opts?: Parameters<typeof sh>[1]): Output => sh(ctrArgv(args), opts);
  const daemon = await startDaemon("containerd", ["containerd", "--config", config], {
    log: join(dir, "containerd.log"),
    env: { TMPDIR: dir },
    ready: () => sh(["ctr", "--address", address, "version"], { timeoutMs: 5_000 }).code === 0,
  });
  return { ...daemon, address, ctr, ctrArgv };
};
