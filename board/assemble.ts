// Puts the board together from Debian's packages and the repo: kernel, initramfs, disk image. Everything lands in
// .cache/board/ (git-ignored); downloads and unpacked packages are reused, images are rebuilt per run.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CRIU_PACKAGES, Debian, TARGET_PACKAGES } from "./debian.ts";
import { buildDiskTree } from "./disk-tree.ts";
import { makeExt4Image } from "./disk-image.ts";
import { baseInitramfs, jobInitramfs } from "./initramfs.ts";
import { ModuleIndex } from "./kmod.ts";
import type { BoardProfile } from "./profile.ts";

export const REPO_ROOT = join(import.meta.dir, "..");
export const CACHE_DIR = join(REPO_ROOT, ".cache/board");
export const BUILD_DIR = join(CACHE_DIR, "build");

/**
 * What the board loads at boot: the virtio disk, its filesystem, what bunker's features use, and the driver of QEMU's
 * i6300esb watchdog and of a virtio network card (each binds only when a boot adds the device).
 */
export const BOOT_MODULES = [
  "virtio_pci", "virtio_blk", "ext4", "overlay", "zram", "lz4", "zstd", "squashfs", "erofs", "loop", "i6300esb", "virtio_net",
  // CRIU: the socket diag interfaces it collects sockets through, the netfilter tables it locks and dumps a network
  // namespace's firewall with, tun and veth (`criu check` tries each).
  "unix_diag", "inet_diag", "tcp_diag", "udp_diag", "netlink_diag", "af_packet_diag",
  "x_tables", "ip_tables", "iptable_filter", "xt_mark", "ip6_tables", "ip6table_filter",
  "nfnetlink", "nf_tables", "nf_conntrack", "nf_conntrack_netlink", "tun", "veth",
];

export type Log = (line: string) => void;

export interface BoardBase {
  kernel: string;
  release: string;
  /** The gzip'd initramfs without a job. */
  baseInitrd: string;
  packages: Record<(typeof TARGET_PACKAGES)[number], string>;
  /** CRIU, its tools and their libraries, unpacked (CRIU_PACKAGES and their library closure). */
  criuPackages: string[];
}

/** Host tools, the arm64 packages, the kernel and the base initramfs. */
export const prepareBase = (log: Log): BoardBase => {
  const debian = new Debian(CACHE_DIR, log);
  debian.installHostTools();
  const kernelDir = debian.unpack(debian.kernelPackage());
  // One apt call for every version: each costs seconds on a loaded machine.
  const unpacked = debian.unpackAll([...TARGET_PACKAGES, ...debian.closure(CRIU_PACKAGES)]);
  const packages = Object.fromEntries(TARGET_PACKAGES.map((p, i) => [p, unpacked[i]])) as BoardBase["packages"];
  const criuPackages = unpacked.slice(TARGET_PACKAGES.length);
  const version = readdirSync(join(kernelDir, "lib/modules"))[0];
  if (!version) throw new Error(`Prepare the board kernel: no lib/modules/<version> in '${kernelDir}'`);
  const modulesDir = join(kernelDir, "lib/modules", version);
  const modules = ModuleIndex.load(modulesDir).loadOrder(BOOT_MODULES);
  mkdirSync(BUILD_DIR, { recursive: true });
  const baseInitrd = join(BUILD_DIR, "initramfs-base.cpio.gz");
  writeFileSync(baseInitrd, baseInitramfs({ busybox: packages["busybox-static"], modulesDir, modules }));
  log(`kernel ${version}, ${modules.length} modules: ${modules.map((m) => m.name).join(" ")}`);
  return { kernel: join(kernelDir, "boot", `vmlinuz-${version}`), release: version, baseInitrd, packages, criuPackages };
};

/** The base initramfs with `script` appended as the board's job (and an inittab, see jobInitramfs); returns the file written. */
export const writeJobInitrd = (base: BoardBase, script: string, out: string, inittab?: string): string => {
  writeFileSync(out, Buffer.concat([readFileSync(base.baseInitrd), jobInitramfs(script, inittab)]));
  return out;
};

/**
 * The board's disk image, holding `executables` (name in /opt/bunker/bin -> file on the host); `extra` may add to the
 * tree before the image is made.
 */
export const buildDisk = (
  base: BoardBase,
  profile: BoardProfile,
  executables: Record<string, string>,
  image: string,
  extra: (tree: string) => void = () => {},
): number => {
  const tree = join(BUILD_DIR, "disk-tree");
  const p = base.packages;
  buildDiskTree(tree, {
    busybox: p["busybox-static"],
    libc6: p.libc6,
    musl: p.musl,
    muslDev: p["musl-dev"],
    libstdcxx: p["libstdc++6"],
    libgcc: p["libgcc-s1"],
    criu: base.criuPackages,
    executables,
    suiteDir: join(REPO_ROOT, "tests/board"),
    compatSource: join(import.meta.dir, "musl/compat.c"),
    kernelConfig: { release: base.release, file: join(dirname(base.kernel), `config-${base.release}`) },
  });
  extra(tree);
  return makeExt4Image(tree, image, profile.storage.sizeMiB);
};
