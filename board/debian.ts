// Debian packages for the lane: host tools installed with apt, arm64 target packages downloaded and unpacked into the
// cache (never installed on the host), so CI on a fresh machine gets everything from Debian's archive.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Host commands the lane runs, and the Debian package that provides each. */
export const HOST_TOOLS: Record<string, string> = {
  "qemu-system-aarch64": "qemu-system-arm",
  "mkfs.ext4": "e2fsprogs",
  "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",
  patchelf: "patchelf",
};

/** arm64 packages unpacked for the board; the kernel is resolved separately (its name carries the ABI number). */
export const TARGET_PACKAGES = ["busybox-static", "libc6", "musl", "musl-dev", "libstdc++6", "libgcc-s1"] as const;

const run = (argv: string[], cwd?: string): string => {
  const p = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (p.exitCode !== 0) throw new Error(`Run '${argv.join(" ")}': exit ${p.exitCode}: ${p.stderr.toString().trim().split("\n").pop()}`);
  return p.stdout.toString();
};

const onPath = (cmd: string): boolean => Bun.which(cmd, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }) !== null;

export class Debian {
  private updated = false;

  constructor(
    private readonly cacheDir: string,
    private readonly log: (line: string) => void,
  ) {}

  private update(): void {
    if (this.updated) return;
    this.log("apt-get update");
    run(["apt-get", "update", "-qq"]);
    this.updated = true;
  }

  /** Adds the arm64 architecture once (apt must then refresh its lists). */
  private ensureArm64(): void {
    if (run(["dpkg", "--print-foreign-architectures"]).split("\n").includes("arm64")) return;
    this.log("dpkg --add-architecture arm64");
    run(["dpkg", "--add-architecture", "arm64"]);
    this.updated = false;
    this.update();
  }

  installHostTools(): void {
    const missing = [...new Set(Object.entries(HOST_TOOLS).filter(([cmd]) => !onPath(cmd)).map(([, pkg]) => pkg))];
    if (!missing.length) return;
    this.update();
    this.log(`apt-get install ${missing.join(" ")}`);
    run(["apt-get", "install", "-y", "-qq", ...missing]);
  }

  private candidate(pkg: string): string | undefined {
    const m = /Candidate:\s*(\S+)/.exec(run(["apt-cache", "policy", pkg]));
    return m && m[1] !== "(none)" ? m[1] : undefined;
  }

  /** The installable arm64 kernel image package, e.g. "linux-image-6.1.0-57-arm64", as Debian's meta-package names it. */
  kernelPackage(): string {
    this.ensureArm64();
    const find = (): string | undefined =>
      /Depends:\s*(linux-image-[\d.]+-\d+-arm64)\b/.exec(run(["apt-cache", "depends", "linux-image-arm64:arm64"]))?.[1];
    let name = find();
    if (!name || !this.candidate(`${name}:arm64`)) {
      this.update();
      name = find();
    }
    if (!name) throw new Error("Resolve the arm64 kernel package: linux-image-arm64 names no linux-image-*-arm64");
    return name;
  }

  /**
   * Downloads (if needed) and unpacks an arm64 package into <cache>/pkg/<name>; returns that directory. When the package
   * lists are stale (no candidate, or the archive no longer has that version), they are refreshed once and it tries again.
   */
  unpack(pkg: string): string {
    this.ensureArm64();
    try {
      return this.fetch(pkg);
    } catch (err) {
      if (this.updated) throw err;
      this.update();
      return this.fetch(pkg);
    }
  }

  private fetch(pkg: string): string {
    const debs = join(this.cacheDir, "debs");
    const dest = join(this.cacheDir, "pkg", pkg);
    mkdirSync(debs, { recursive: true });
    const version = this.candidate(`${pkg}:arm64`);
    if (!version) throw new Error(`Download arm64 package: no installable candidate: '${pkg}'`);
    const stamp = join(dest, ".unpacked-version");
    if (existsSync(stamp) && readFileSync(stamp, "utf8") === version) return dest;
    // apt-get download names files <pkg>_<version with ':' as %3a>_arm64.deb.
    const deb = `${pkg}_${version.replaceAll(":", "%3a")}_arm64.deb`;
    if (!existsSync(join(debs, deb))) {
      this.log(`apt-get download ${pkg}:arm64=${version}`);
      run(["apt-get", "download", "-qq", `${pkg}:arm64=${version}`], debs);
    }
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    this.log(`dpkg -x ${deb}`);
    run(["dpkg", "-x", join(debs, deb), dest]);
    writeFileSync(stamp, version);
    return dest;
  }
}
