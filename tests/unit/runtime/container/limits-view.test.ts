import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allowedCpus, formatCpuList, limitsOf, parseCpuList, renderLimitsView, renderMeminfo, writeLimitsView } from "../../../../runtime/container/limits-view.ts";

const MiB = 2 ** 20;
// Recorded from this project's build host (6.18 kernel), trimmed.
const HOST = [
  "MemTotal:       24683656 kB",
  "MemFree:        21071028 kB",
  "MemAvailable:   24108584 kB",
  "Buffers:           13920 kB",
  "Cached:          3167908 kB",
  "SwapCached:            0 kB",
  "Shmem:              8780 kB",
  "SwapTotal:       1048576 kB",
  "SwapFree:        1048576 kB",
  "VmallocTotal:   34359738367 kB",
  "HugePages_Total:       0",
  "Hugepagesize:       2048 kB",
  "",
].join("\n");

const field = (text: string, key: string): string => text.split("\n").find((l) => l.startsWith(`${key}:`))!;

describe("renderMeminfo()", () => {
  test("shows the memory limit as MemTotal and what is left of it as MemFree, in the kernel's layout", () => {
    const out = renderMeminfo(HOST, { memoryLimit: 64 * MiB, usage: { current: 24 * MiB, file: 8 * MiB, shmem: MiB, swap: 0 } });
    expect(field(out, "MemTotal")).toBe("MemTotal:          65536 kB");
    expect(field(out, "MemFree")).toBe("MemFree:           40960 kB");
    expect(field(out, "MemAvailable")).toBe("MemAvailable:      49152 kB");
    expect(field(out, "Cached")).toBe("Cached:             8192 kB");
    expect(field(out, "Buffers")).toBe("Buffers:               0 kB");
  });

  test("caps host-wide fields at MemTotal and leaves counts without a unit alone", () => {
    const out = renderMeminfo(HOST, { memoryLimit: 64 * MiB });
    expect(field(out, "VmallocTotal")).toBe("VmallocTotal:      65536 kB");
    expect(field(out, "HugePages_Total")).toBe("HugePages_Total:       0");
    expect(out.split("\n")).toHaveLength(HOST.split("\n").length);
  });

  test("shows the swap allowance as SwapTotal, never more than the host has", () => {
    expect(field(renderMeminfo(HOST, { memoryLimit: 64 * MiB, swapLimit: 32 * MiB }), "SwapTotal")).toBe("SwapTotal:         32768 kB");
    expect(field(renderMeminfo(HOST, { memoryLimit: 64 * MiB, swapLimit: 4096 * MiB }), "SwapTotal")).toBe("SwapTotal:       1048576 kB");
  });

  test("keeps the host's MemTotal when the container has no limit", () => {
    expect(field(renderMeminfo(HOST, {}), "MemTotal")).toBe("MemTotal:       24683656 kB");
  });
});

describe("CPU lists", () => {
  test("parseCpuList() and formatCpuList() read and write the kernel's list format", () => {
    expect(parseCpuList("0-2,4\n")).toEqual([0, 1, 2, 4]);
    expect(formatCpuList([4, 0, 2, 1])).toBe("0-2,4");
    expect(() => parseCpuList("zero")).toThrow("Cannot read CPU list: 'zero'");
  });

  test("allowedCpus() keeps the cpuset within the online CPUs and cuts it to the quota", () => {
    expect(allowedCpus("0-3", { cpus: "1,3,7" })).toEqual([1, 3]);
    expect(allowedCpus("0-3", { quota: 150_000, period: 100_000 })).toEqual([0, 1]);
    expect(allowedCpus("0-3", { quota: 10_000, period: 100_000 })).toEqual([0]);
    expect(allowedCpus("0-3", {})).toEqual([0, 1, 2, 3]);
  });
});

describe("limitsOf()", () => {
  test("turns linux.resources into limits, with swap as memsw minus the limit", () => {
    expect(limitsOf({ memory: { limit: 64 * MiB, swap: 96 * MiB }, cpu: { cpus: "0", quota: 50_000 } })).toEqual({
      memoryLimit: 64 * MiB, swapLimit: 32 * MiB, cpus: "0", quota: 50_000, period: 100_000,
    });
    expect(limitsOf({ memory: { limit: -1 } })).toEqual({});
  });
});

describe("writeLimitsView()", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "bunker-view-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("re-renders in place, so a bind mount of the file sees the update", () => {
    const host = { meminfo: HOST, cpuOnline: "0-1\n" };
    writeLimitsView(join(dir, "limits"), host, { memoryLimit: 64 * MiB, cpus: "1" });
    const inode = statSync(join(dir, "limits", "meminfo")).ino;
    writeLimitsView(join(dir, "limits"), host, { memoryLimit: 128 * MiB });
    expect(statSync(join(dir, "limits", "meminfo")).ino).toBe(inode);
    expect(field(readFileSync(join(dir, "limits", "meminfo"), "utf8"), "MemTotal")).toBe("MemTotal:         131072 kB");
    expect(readFileSync(join(dir, "limits", "cpu-online"), "utf8")).toBe("0-1\n");
  });
});

describe("renderLimitsView()", () => {
  test("renders this host's files for the resources and returns the read-only bind mounts to add", () => {
    const dir = mkdtempSync(join(tmpdir(), "bunker-view-"));
    try {
      const mounts = renderLimitsView(dir, { memory: { limit: 32 * MiB }, cpu: { cpus: "0" } });
      expect(mounts.map((m) => [m.destination, m.source, m.type])).toEqual([
        ["/proc/meminfo", join(dir, "meminfo"), "bind"],
        ["/sys/devices/system/cpu/online", join(dir, "cpu-online"), "bind"],
      ]);
      expect(field(readFileSync(join(dir, "meminfo"), "utf8"), "MemTotal")).toBe("MemTotal:          32768 kB");
      expect(readFileSync(join(dir, "cpu-online"), "utf8")).toBe("0\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
