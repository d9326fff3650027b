// The board's root filesystem as a directory tree, later written into the ext4 disk image: busybox, the glibc and musl
// loaders and libraries, CRIU with its tools, both arm64 bunker executables, the board suite, the test bundles and
// persistent state.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOTFS_APPLETS, writeBundles } from "./bundles.ts";
import { installCriu } from "./criu-userland.ts";
import { installMuslCxx, type MuslPackages } from "./musl-userland.ts";

export interface DiskTreeInputs extends MuslPackages {
  busybox: string;
  libc6: string;
  musl: string;
  /** CRIU's packages, unpacked (assemble.ts). */
  criu: readonly string[];
  /** Executables to put in /opt/bunker/bin, by their name there. */
  executables: Record<string, string>;
  suiteDir: string;
  compatSource: string;
  /** The kernel's build configuration, installed as /boot/config-<release> as Debian does (board check reads it). */
  kernelConfig: { release: string; file: string };
}

/** Where things are inside the board; the guest scripts and the suite use the same paths. */
export const BOARD_PATHS = {
  bin: "/opt/bunker/bin",
  suite: "/opt/bunker/tests",
  bundles: "/opt/bunker/bundles",
  state: "/var/lib/bunker",
} as const;

const rel = (p: string): string => p.replace(/^\/+/, "");

/** busybox in `<root>/bin` with `links` to it, and a root account in `<root>/etc`. */
const placeBusybox = (root: string, busybox: string, links: readonly string[], home: string): void => {
  for (const d of ["bin", "etc"]) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(busybox, join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  for (const a of links) symlinkSync("busybox", join(root, "bin", a));
  writeFileSync(join(root, "etc/passwd"), `root:x:0:0:root:${home}:/bin/sh\n`);
  writeFileSync(join(root, "etc/group"), "root:x:0:\n");
};

const fillBusyboxRootfs = (busybox: string) => (rootfs: string): void => {
  for (const d of ["proc", "sys", "dev", "tmp"]) mkdirSync(join(rootfs, d), { recursive: true });
  placeBusybox(rootfs, busybox, ROOTFS_APPLETS, "/");
};

/** The smallest bootable tree: what stage 2 of the boot needs (busybox and the mount points), nothing of bunker. */
export const buildMinimalTree = (dir: string, busyboxPkg: string): void => {
  rmSync(dir, { recursive: true, force: true });
  for (const d of ["proc", "sys", "dev", "run", "tmp", "mnt", "root", rel(BOARD_PATHS.state)]) mkdirSync(join(dir, d), { recursive: true });
  // Stage 2 installs the other applets into /run (RAM), so that nothing is written to the flash at boot.
  placeBusybox(dir, join(busyboxPkg, "bin/busybox"), ["sh"], "/root");
  writeFileSync(join(dir, "etc/hostname"), "board\n");
};

/** Builds the full tree at `dir` from scratch. */
export const buildDiskTree = (dir: string, inputs: DiskTreeInputs): void => {
  buildMinimalTree(dir, inputs.busybox);
  mkdirSync(join(dir, rel(BOARD_PATHS.bin)), { recursive: true });
  // Loaders and libraries keep Debian's layout, so PT_INTERP paths and the default search paths hold.
  for (const pkg of [inputs.libc6, inputs.musl]) cpSync(join(pkg, "lib"), join(dir, "lib"), { recursive: true, verbatimSymlinks: true });
  cpSync(join(inputs.musl, "etc"), join(dir, "etc"), { recursive: true });
  installMuslCxx(inputs, dir, inputs.compatSource);
  installCriu(dir, inputs.criu);
  for (const [name, src] of Object.entries(inputs.executables)) {
    if (!existsSync(src)) throw new Error(`Stage the board disk: executable missing: '${src}'`);
    copyFileSync(src, join(dir, rel(BOARD_PATHS.bin), name));
    chmodSync(join(dir, rel(BOARD_PATHS.bin), name), 0o755);
  }
  mkdirSync(join(dir, "boot"));
  copyFileSync(inputs.kernelConfig.file, join(dir, "boot", `config-${inputs.kernelConfig.release}`));
  cpSync(inputs.suiteDir, join(dir, rel(BOARD_PATHS.suite)), { recursive: true, filter: (src) => !src.endsWith(".ts") });
  writeBundles(join(dir, rel(BOARD_PATHS.bundles)), fillBusyboxRootfs(join(inputs.busybox, "bin/busybox")));
};
