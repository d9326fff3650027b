// Debian packages for the lane: host tools installed with apt, arm64 target packages downloaded and unpacked into the
// cache (never installed on the host), so CI on a fresh machine gets everything from Debian's archive.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/** CRIU and the tools it runs itself (GNU tar for tmpfs contents, ip and iptables for a network namespace), installed
 * on the board with the shared libraries they need (see `libraryClosure`). */
export const CRIU_PACKAGES = ["criu", "iproute2", "iptables", "tar"] as const;

/** Packages every board disk already holds: not pulled in again as a dependency. */
const ON_EVERY_BOARD = new Set<string>(["libc6", "libgcc-s1"]);

/**
 * `roots` and, transitively, the shared-library packages they depend on: Debian names those lib* (and zlib1g), so
 * following only such names keeps out the interpreters and maintainer-script tools (python3, perl, debconf) that a
 * board running the programs does not need. `depends` answers for many packages at once (one apt call per level).
 */
export const libraryClosure = (roots: readonly string[], depends: (pkgs: string[]) => Map<string, string[]>): string[] => {
  const seen = new Set<string>(roots);
  for (let level = [...roots]; level.length; ) {
    const found = depends(level);
    level = [...new Set(level.flatMap((p) => found.get(p) ?? []))].filter((d) => /^(lib|zlib)/.test(d) && !ON_EVERY_BOARD.has(d) && !seen.has(d));
    for (const d of level) seen.add(d);
  }
  return [...seen];
};

/** Parses `apt-cache depends` output: each package's Depends and PreDepends (first alternative included, virtual names skipped). */
export const parseDepends = (text: string): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) out.set(line.trim().replace(/:arm64$/, ""), (current = []));
    const m = /^\s+\|?(?:Pre)?Depends: ([^<\s]+)/.exec(line);
    if (m && current) current.push(m[1]!.replace(/:arm64$/, ""));
  }
  return out;
};

const run = (argv: string[], cwd?: string): string => {
  const p = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (p.exitCode !== 0) throw new Error(`Run '${argv.join(" ")}': exit ${p.exitCode}: ${p.stderr.toString().trim().split("\n").pop()}`);
  return p.stdout.toString();
};

/** apt's package lists: `apt-get update` rewrites them. */
const APT_LISTS = "/var/lib/apt/lists";

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

  /**
   * `libraryClosure` of `roots` over apt's arm64 dependencies, kept in the cache until apt's package lists change (each
   * apt call costs seconds on a loaded machine).
   */
  closure(roots: readonly string[]): string[] {
    const file = join(this.cacheDir, "closure.json");
    const stamp = `${statSync(APT_LISTS).mtimeMs} ${roots.join(" ")}`;
    try {
      const cached = JSON.parse(readFileSync(file, "utf8")) as { stamp: string; packages: string[] };
      if (cached.stamp === stamp) return cached.packages;
    } catch {
      // No cache yet, or an unreadable one: resolve again.
    }
    const packages = libraryClosure(roots, (pkgs) => this.depends(pkgs));
    writeFileSync(file, JSON.stringify({ stamp, packages }));
    return packages;
  }

  /** The arm64 dependencies of each of `pkgs`, in one apt call. */
  depends(pkgs: string[]): Map<string, string[]> {
    this.ensureArm64();
    const flags = ["--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"];
    return parseDepends(run(["apt-cache", "depends", ...flags, ...pkgs.map((p) => `${p}:arm64`)]));
  }

  /** The candidate version of each package (names with their architecture), in one apt call; none: not installable. */
  private candidates(pkgs: readonly string[]): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    let current: string | undefined;
    for (const line of run(["apt-cache", "policy", ...pkgs]).split("\n")) {
      if (/^\S.*:$/.test(line)) current = line.slice(0, -1);
      const m = /^\s+Candidate:\s*(\S+)/.exec(line);
      if (m && current !== undefined) out.set(current, m[1] === "(none)" ? undefined : m[1]);
    }
    return out;
  }

  private candidate(pkg: string): string | undefined {
    return this.candidates([pkg]).get(pkg);
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
   * Downloads (if needed) and unpacks arm64 packages into <cache>/pkg/<name>; returns those directories, in order. When
   * the package lists are stale (no candidate, or the archive no longer has that version), they are refreshed once and
   * it tries again. Versions are asked and missing packages downloaded in one apt call each.
   */
  unpackAll(pkgs: readonly string[]): string[] {
    this.ensureArm64();
    try {
      return this.fetch(pkgs);
    } catch (err) {
      if (this.updated) throw err;
      this.update();
      return this.fetch(pkgs);
    }
  }

  unpack(pkg: string): string {
    return this.unpackAll([pkg])[0]!;
  }

  private fetch(pkgs: readonly string[]): string[] {
    const debs = join(this.cacheDir, "debs");
    mkdirSync(debs, { recursive: true });
    const versions = this.candidates(pkgs.map((p) => `${p}:arm64`));
    const wanted = pkgs.map((pkg) => {
      const version = versions.get(`${pkg}:arm64`);
      if (!version) throw new Error(`Download arm64 package: no installable candidate: '${pkg}'`);
      // apt-get download names files <pkg>_<version with ':' as %3a>_arm64.deb.
      return { pkg, version, dest: join(this.cacheDir, "pkg", pkg), deb: `${pkg}_${version.replaceAll(":", "%3a")}_arm64.deb` };
    });
    const stale = wanted.filter((w) => !existsSync(join(w.dest, ".unpacked-version")) || readFileSync(join(w.dest, ".unpacked-version"), "utf8") !== w.version);
    const missing = stale.filter((w) => !existsSync(join(debs, w.deb)));
    if (missing.length) {
      this.log(`apt-get download ${missing.map((w) => `${w.pkg}:arm64=${w.version}`).join(" ")}`);
      run(["apt-get", "download", "-qq", ...missing.map((w) => `${w.pkg}:arm64=${w.version}`)], debs);
    }
    for (const { dest, deb, version } of stale) {
      rmSync(dest, { recursive: true, force: true });
      mkdirSync(dest, { recursive: true });
      this.log(`dpkg -x ${deb}`);
      run(["dpkg", "-x", join(debs, deb), dest]);
      writeFileSync(join(dest, ".unpacked-version"), version);
    }
    return wanted.map((w) => w.dest);
  }
}
