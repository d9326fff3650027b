// zram swap for a board: compressed swap in RAM (optionally writing idle or incompressible pages back to a block
// device), configured through sysfs in the order the kernel requires, formatted and enabled without mkswap(8).
import { Type, type Static } from "@sinclair/typebox";
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { pageSize, swapoff, swapon } from "../ffi/swap.ts";
import type { CgroupFs } from "../runtime/cgroups/fs.ts";
import { parseSize } from "../runtime/units.ts";
import { decode } from "../runtime/spec/validate.ts";
import type { BoardProfile } from "./profile.ts";

export const ZramConfigSchema = Type.Object(
  {
    device: Type.Optional(Type.String({ pattern: "^zram\\d+$", description: "Device to use; default: the first unused one, or a new one" })),
    sizeBytes: Type.Integer({ minimum: 1 << 20, description: "Uncompressed capacity (disksize)" }),
    algorithm: Type.String({ default: "lzo-rle", description: "Compression algorithm; must be one the kernel offers in comp_algorithm" }),
    memLimitBytes: Type.Optional(Type.Integer({ minimum: 0, description: "Most RAM the compressed pages may take (mem_limit); 0: no limit" })),
    writeback: Type.Optional(Type.String({ description: "Block device for written-back pages (backing_dev; needs CONFIG_ZRAM_WRITEBACK)" })),
    priority: Type.Integer({ minimum: -1, maximum: 32767, default: 100, description: "Swap priority; above any swap on flash" }),
    swappiness: Type.Optional(Type.Integer({ minimum: 0, maximum: 200, description: "vm.swappiness; zram favours high values" })),
  },
  { additionalProperties: false },
);
export type ZramConfig = Static<typeof ZramConfigSchema>;

export const ZramStatusSchema = Type.Object({
  device: Type.String(),
  sizeBytes: Type.Integer(),
  algorithm: Type.String(),
  memLimitBytes: Type.Integer(),
  writeback: Type.Optional(Type.String()),
  /** From mm_stat: data stored, its compressed size, and RAM used including allocator overhead. */
  origDataBytes: Type.Integer(),
  comprDataBytes: Type.Integer(),
  memUsedBytes: Type.Integer(),
  /** From /proc/swaps; absent when the device is not an active swap. */
  swap: Type.Optional(Type.Object({ usedBytes: Type.Integer(), priority: Type.Integer() })),
});
export type ZramStatus = Static<typeof ZramStatusSchema>;

export interface SwapOps {
  swapon(path: string, priority: number): void;
  swapoff(path: string): void;
  pageSize: number;
}

interface ActiveSwap {
  path: string;
  sizeBytes: number;
  usedBytes: number;
  priority: number;
}

/** /proc/swaps: "Filename Type Size Used Priority", sizes in KiB. */
export const activeSwaps = (text: string): ActiveSwap[] =>
  text
    .split("\n")
    .slice(1)
    .flatMap((line) => {
      const f = line.trim().split(/\s+/);
      if (f.length < 5) return [];
      return [{ path: f[0]!, sizeBytes: Number(f[2]) * 1024, usedBytes: Number(f[3]) * 1024, priority: Number(f[4]) }];
    });

/** "[lzo-rle] lzo lz4" -> the offered algorithms and the selected one. */
export const parseAlgorithms = (text: string): { offered: string[]; selected: string | undefined } => {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return { offered: words.map((w) => w.replace(/^\[|\]$/g, "")), selected: words.find((w) => w.startsWith("["))?.slice(1, -1) };
};

/** The swap header of mkswap(8): version 1, the last usable page, a UUID, a label and the SWAPSPACE2 magic. */
export const swapHeader = (sizeBytes: number, pageSize: number, uuid: Uint8Array = randomBytes(16)): Buffer => {
  const page = Buffer.alloc(pageSize);
  page.writeUInt32LE(1, 1024);
  page.writeUInt32LE(Math.floor(sizeBytes / pageSize) - 1, 1028);
  page.writeUInt32LE(0, 1032);
  page.set(uuid.subarray(0, 16), 1036);
  page.write("bunker-zram", 1052, 16, "latin1");
  page.write("SWAPSPACE2", pageSize - 10, "latin1");
  return page;
};

const sys = (dev: string, file: string): string => `/sys/block/${dev}/${file}`;

const pickDevice = (fs: CgroupFs): string => {
  const unused = fs
    .list("/sys/block")
    .filter((n) => /^zram\d+$/.test(n))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .find((n) => fs.read(sys(n, "disksize")).trim() === "0");
  if (unused) return unused;
  if (fs.exists("/sys/class/zram-control/hot_add")) return `zram${fs.read("/sys/class/zram-control/hot_add").trim()}`;
  throw new Error("Configuring zram: no zram device and no zram-control (load the module: modprobe zram)");
};

/** Stops using `dev` as swap if it is one, and resets it so it can be sized again. */
export const resetZram = (fs: CgroupFs, ops: SwapOps, dev: string): void => {
  if (activeSwaps(fs.read("/proc/swaps")).some((s) => s.path === `/dev/${dev}`)) ops.swapoff(`/dev/${dev}`);
  fs.write(sys(dev, "reset"), "1");
};

const formatSwap = (fs: CgroupFs, dev: string, sizeBytes: number, pageSize: number): void => {
  const fd = openSync(fs.real(`/dev/${dev}`), "r+");
  try {
    writeSync(fd, swapHeader(sizeBytes, pageSize), 0, pageSize, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

export const zramStatus = (fs: CgroupFs, dev: string): ZramStatus => {
  const mm = fs.read(sys(dev, "mm_stat")).trim().split(/\s+/).map(Number);
  const backing = fs.exists(sys(dev, "backing_dev")) ? fs.read(sys(dev, "backing_dev")).trim() : "none";
  const swap = activeSwaps(fs.read("/proc/swaps")).find((s) => s.path === `/dev/${dev}`);
  return {
    device: dev,
    sizeBytes: Number(fs.read(sys(dev, "disksize")).trim()),
    algorithm: parseAlgorithms(fs.read(sys(dev, "comp_algorithm"))).selected ?? "",
    memLimitBytes: mm[3] ?? 0,
    ...(backing !== "none" ? { writeback: backing } : {}),
    origDataBytes: mm[0] ?? 0,
    comprDataBytes: mm[1] ?? 0,
    memUsedBytes: mm[2] ?? 0,
    ...(swap ? { swap: { usedBytes: swap.usedBytes, priority: swap.priority } } : {}),
  };
};

/** Sets the device up in the kernel's order (algorithm and backing device before disksize) and enables it as swap. */
export const configureZram = (fs: CgroupFs, ops: SwapOps, c: ZramConfig): ZramStatus => {
  const dev = c.device ?? pickDevice(fs);
  const step = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (cause) {
      throw new Error(`Configuring ${dev}: ${what}`, { cause });
    }
  };
  if (!fs.exists(sys(dev, "disksize"))) throw new Error(`Configuring ${dev}: no such zram device ('/sys/block/${dev}' is missing)`);
  if (fs.read(sys(dev, "disksize")).trim() !== "0") step("resetting the device in use", () => resetZram(fs, ops, dev));
  const { offered } = parseAlgorithms(fs.read(sys(dev, "comp_algorithm")));
  if (!offered.includes(c.algorithm))
    throw new Error(`Configuring ${dev}: compression algorithm '${c.algorithm}' is not offered by this kernel (offered: ${offered.join(", ")})`);
  step(`setting comp_algorithm to '${c.algorithm}'`, () => fs.write(sys(dev, "comp_algorithm"), c.algorithm));
  if (c.writeback !== undefined) {
    if (!fs.exists(sys(dev, "backing_dev"))) throw new Error(`Configuring ${dev}: writeback needs a kernel with CONFIG_ZRAM_WRITEBACK (no backing_dev)`);
    step(`setting backing_dev to '${c.writeback}'`, () => fs.write(sys(dev, "backing_dev"), c.writeback!));
  }
  step(`setting disksize to ${c.sizeBytes}`, () => fs.write(sys(dev, "disksize"), String(c.sizeBytes)));
  if (c.memLimitBytes !== undefined) step(`setting mem_limit to ${c.memLimitBytes}`, () => fs.write(sys(dev, "mem_limit"), String(c.memLimitBytes)));
  step("writing the swap header", () => formatSwap(fs, dev, c.sizeBytes, ops.pageSize));
  step("enabling swap", () => ops.swapon(`/dev/${dev}`, c.priority));
  if (c.swappiness !== undefined) step(`setting vm.swappiness to ${c.swappiness}`, () => fs.write("/proc/sys/vm/swappiness", String(c.swappiness)));
  return zramStatus(fs, dev);
};

/** The swap settings as the command line gives them; unset ones come from the board profile. */
export interface SwapRequest {
  device?: string;
  size?: string;
  algorithm?: string;
  memLimit?: string;
  writeback?: string;
  priority?: number;
  swappiness?: number;
}

export const zramConfig = (r: SwapRequest, profile: BoardProfile | undefined): ZramConfig => {
  const size = r.size !== undefined ? parseSize(r.size) : profile ? profile.swap.zramMiB * 2 ** 20 : undefined;
  if (size === undefined) throw new Error("Configuring zram: give --size or --profile (the profile's swap.zramMiB)");
  if (size === 0) throw new Error(`Configuring zram: the size is 0${r.size === undefined ? ` (profile '${profile!.name}' has no zram)` : ""}`);
  const config = {
    ...(r.device !== undefined ? { device: r.device } : {}),
    sizeBytes: size,
    algorithm: r.algorithm ?? profile?.swap.zramAlgorithm ?? "lzo-rle",
    ...(r.memLimit !== undefined ? { memLimitBytes: parseSize(r.memLimit) } : {}),
    ...(r.writeback !== undefined ? { writeback: r.writeback } : {}),
    priority: r.priority ?? 100,
    ...(r.swappiness !== undefined || profile ? { swappiness: r.swappiness ?? profile!.swap.swappiness } : {}),
  };
  return decode(ZramConfigSchema, config, "zram settings");
};

export const hostSwapOps = (): SwapOps => ({ swapon, swapoff, pageSize: pageSize() });

/** A few lines for people: device, capacity, algorithm, how well it compresses, swap use. */
export const renderZram = (s: ZramStatus): string => {
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const ratio = s.comprDataBytes > 0 ? (s.origDataBytes / s.comprDataBytes).toFixed(2) : "-";
  return [
    `${s.device}: ${mib(s.sizeBytes)} ${s.algorithm}${s.memLimitBytes ? `, mem_limit ${mib(s.memLimitBytes)}` : ""}${s.writeback ? `, writeback to ${s.writeback}` : ""}`,
    `stored ${mib(s.origDataBytes)} in ${mib(s.memUsedBytes)} of RAM (ratio ${ratio})`,
    s.swap ? `swap on, priority ${s.swap.priority}, ${mib(s.swap.usedBytes)} used` : "swap off",
  ].join("\n");
};
