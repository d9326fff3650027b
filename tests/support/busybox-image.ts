// A busybox image made with the ecosystem's tools, for the engines the benches compare with: an OCI layout (umoci),
// then a docker-archive (skopeo) that `docker load` and `ctr images import` both take.
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";

export const BUSYBOX_IMAGE = "bunker-bench/busybox:latest";

const run = (cmd: string[]): void => {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`Make the busybox image: ${cmd.join(" ")}: ${p.stderr.toString().trim()}`);
};

/** Returns the docker-archive's path, in `dir`. */
export const busyboxImage = (dir: string, applets: readonly string[] = ["sh", "sleep", "echo"]): string => {
  const layout = join(dir, "oci");
  run(["umoci", "init", "--layout", layout]);
  run(["umoci", "new", "--image", `${layout}:bb`]);
  const bundle = join(dir, "bb-bundle");
  run(["umoci", "unpack", "--image", `${layout}:bb`, bundle]);
  mkdirSync(join(bundle, "rootfs/bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(bundle, "rootfs/bin/busybox"));
  chmodSync(join(bundle, "rootfs/bin/busybox"), 0o755);
  for (const a of applets) symlinkSync("busybox", join(bundle, "rootfs/bin", a));
  run(["umoci", "repack", "--image", `${layout}:bb`, bundle]);
  run(["umoci", "config", "--image", `${layout}:bb`, "--config.cmd", "/bin/sh"]);
  const archive = join(dir, "bb.tar");
  run(["skopeo", "copy", `oci:${layout}:bb`, `docker-archive:${archive}:${BUSYBOX_IMAGE}`]);
  return archive;
};
