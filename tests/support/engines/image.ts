// The busybox image every engine test runs, built here from Debian's busybox-static with umoci and turned into a
// `docker save` archive with skopeo: no registry, the same bytes for Docker, containerd and podman.
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUSYBOX } from "../bundle.ts";
import { ok } from "./command.ts";

/** The name the archive carries; engines that qualify names see it as docker.io/library/busybox:latest. */
export const IMAGE = "busybox:latest";
export const QUALIFIED_IMAGE = `docker.io/library/${IMAGE}`;

/** skopeo keeps its blob info cache here for root, whatever the source and destination. */
export const SKOPEO_BYPRODUCTS = ["/var/lib/containers/cache"];

/** Builds the image under `dir` and returns the path of its docker-archive. */
export const buildBusyboxArchive = (dir: string): string => {
  const stage = join(dir, "stage");
  for (const d of ["bin", "etc", "tmp", "proc", "sys", "dev"]) mkdirSync(join(stage, d), { recursive: true });
  copyFileSync(BUSYBOX, join(stage, "bin/busybox"));
  for (const applet of ok([BUSYBOX, "--list"]).split("\n").filter((a) => a && a !== "busybox")) symlinkSync("busybox", join(stage, "bin", applet));
  writeFileSync(join(stage, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
  writeFileSync(join(stage, "etc/group"), "root:x:0:\nnobody:x:65534:\n");
  const layout = join(dir, "oci");
  ok(["umoci", "init", "--layout", layout]);
  ok(["umoci", "new", "--image", `${layout}:busybox`]);
  ok(["umoci", "insert", "--image", `${layout}:busybox`, stage, "/"]);
  ok(["umoci", "config", "--image", `${layout}:busybox`, "--config.cmd", "sh", "--config.env", "PATH=/bin"]);
  const archive = join(dir, "busybox.tar");
  ok(["skopeo", "copy", "--quiet", `oci:${layout}:busybox`, `docker-archive:${archive}:${IMAGE}`], { env: { TMPDIR: dir } });
  return archive;
};
