import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configureZram, swapHeader, zramConfig, type SwapOps } from "../../../board/zram.ts";
import { loadProfile } from "../../../board/profile.ts";
import { FakeCgroupFs } from "../fakes/cgroupfs.ts";

const MiB = 2 ** 20;
let f: FakeCgroupFs;
let calls: string[];
let ops: SwapOps;

/** A 6.1 kernel's zram0 in sysfs, unused, and the swap list of a board without swap. */
const putZram = (dev: string, x: { disksize?: number; algorithms?: string; writeback?: boolean } = {}) => {
  f.set(`/sys/block/${dev}/disksize`, `${x.disksize ?? 0}\n`);
  f.set(`/sys/block/${dev}/comp_algorithm`, `${x.algorithms ?? "lzo [lzo-rle] lz4 lz4hc 842 zstd"}\n`);
  f.set(`/sys/block/${dev}/mem_limit`, "0\n");
  f.set(`/sys/block/${dev}/reset`, "");
  f.set(`/sys/block/${dev}/mm_stat`, "    4096       74     4096        0     4096        0        0        0        0\n");
  if (x.writeback !== false) f.set(`/sys/block/${dev}/backing_dev`, "none\n");
  f.set(`/dev/${dev}`, "");
};

beforeEach(() => {
  f = new FakeCgroupFs();
  calls = [];
  ops = { swapon: (p, prio) => void calls.push(`swapon ${p} ${prio}`), swapoff: (p) => void calls.push(`swapoff ${p}`), pageSize: 4096 };
  f.set("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  f.set("/proc/sys/vm/swappiness", "60\n");
});
afterEach(() => f.cleanup());

describe("configureZram()", () => {
  test("sets an unused device up in the kernel's order, formats it and enables it with the priority", () => {
    putZram("zram0");
    const status = configureZram(f, ops, { sizeBytes: 128 * MiB, algorithm: "zstd", memLimitBytes: 48 * MiB, writeback: "/dev/vdb", priority: 100, swappiness: 100 });
    expect(f.get("/sys/block/zram0/comp_algorithm")).toBe("zstd");
    expect(f.get("/sys/block/zram0/backing_dev")).toBe("/dev/vdb");
    expect(f.get("/sys/block/zram0/disksize")).toBe(String(128 * MiB));
    expect(f.get("/sys/block/zram0/mem_limit")).toBe(String(48 * MiB));
    expect(f.get("/proc/sys/vm/swappiness")).toBe("100");
    expect(calls).toEqual(["swapon /dev/zram0 100"]);
    const header = readFileSync(join(f.root, "/dev/zram0"));
    expect(header.subarray(4086, 4096).toString("latin1")).toBe("SWAPSPACE2");
    expect(header.readUInt32LE(1028)).toBe(128 * MiB / 4096 - 1);
    expect(status.device).toBe("zram0");
    expect(status.writeback).toBe("/dev/vdb");
  });

  test("turns off and resets a device that is already swap before sizing it again", () => {
    putZram("zram0", { disksize: 64 * MiB });
    f.set("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t65532\t\t0\t\t100\n");
    configureZram(f, ops, { device: "zram0", sizeBytes: 32 * MiB, algorithm: "lz4", priority: 5 });
    expect(calls).toEqual(["swapoff /dev/zram0", "swapon /dev/zram0 5"]);
    expect(f.get("/sys/block/zram0/reset")).toBe("1");
  });

  test("picks the first unused device", () => {
    putZram("zram0", { disksize: 64 * MiB });
    putZram("zram1");
    expect(configureZram(f, ops, { sizeBytes: 32 * MiB, algorithm: "lz4", priority: 100 }).device).toBe("zram1");
  });

  test("refuses an algorithm the kernel does not offer, naming those it does", () => {
    putZram("zram0", { algorithms: "lzo [lzo-rle] lz4" });
    expect(() => configureZram(f, ops, { sizeBytes: 32 * MiB, algorithm: "zstd", priority: 100 })).toThrow(
      "Configuring zram0: compression algorithm 'zstd' is not offered by this kernel (offered: lzo, lzo-rle, lz4)",
    );
    expect(calls).toEqual([]);
  });

  test("refuses writeback on a kernel without it", () => {
    putZram("zram0", { writeback: false });
    expect(() => configureZram(f, ops, { sizeBytes: 32 * MiB, algorithm: "lz4", writeback: "/dev/vdb", priority: 100 })).toThrow(
      "Configuring zram0: writeback needs a kernel with CONFIG_ZRAM_WRITEBACK (no backing_dev)",
    );
  });
});

describe("swapHeader()", () => {
  test("lays out version, last page, label and magic as mkswap does", () => {
    const h = swapHeader(8 * MiB, 4096, new Uint8Array(16).fill(7));
    expect(h.length).toBe(4096);
    expect(h.readUInt32LE(1024)).toBe(1);
    expect(h.readUInt32LE(1028)).toBe(2047);
    expect(h[1036]).toBe(7);
    expect(h.subarray(1052, 1063).toString("latin1")).toBe("bunker-zram");
  });
});

describe("zramConfig()", () => {
  const profile = loadProfile("qemu-virt-a53");

  test("takes size, algorithm and swappiness from the board profile when the command line leaves them out", () => {
    expect(zramConfig({}, profile)).toEqual({ sizeBytes: profile.swap.zramMiB * MiB, algorithm: profile.swap.zramAlgorithm, priority: 100, swappiness: profile.swap.swappiness });
  });

  test("lets the command line override the profile", () => {
    expect(zramConfig({ size: "64M", algorithm: "zstd", memLimit: "16M", priority: 5, swappiness: 180 }, profile)).toEqual({
      sizeBytes: 64 * MiB, algorithm: "zstd", memLimitBytes: 16 * MiB, priority: 5, swappiness: 180,
    });
  });

  test("needs a size from somewhere", () => {
    expect(() => zramConfig({}, undefined)).toThrow("Configuring zram: give --size or --profile (the profile's swap.zramMiB)");
    expect(() => zramConfig({ size: "lots" }, undefined)).toThrow("Cannot read size: 'lots'");
  });

  test("checks the settings against the schema", () => {
    expect(() => zramConfig({ size: "64M", priority: 40_000 }, undefined)).toThrow("Invalid zram settings: /priority");
  });
});
