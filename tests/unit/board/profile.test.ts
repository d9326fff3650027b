import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadProfile, parseProfile, profileNames } from "../../../board/profile.ts";
import { tempDirs } from "../../support/temp.ts";

const temp = tempDirs();

describe("board profiles", () => {
  test("every profile in board/profiles is valid and named after its file", () => {
    expect(profileNames()).toContain("qemu-virt-a53");
    for (const name of profileNames()) expect(loadProfile(name).name).toBe(name);
  });

  test("qemu-virt-a53 is the lane's 256 MiB, two-core Cortex-A53 board", () => {
    const p = loadProfile("qemu-virt-a53");
    expect(p).toMatchObject({ memoryMiB: 256, cpu: { model: "cortex-a53", cores: 2, isa: "armv8.0-a" }, qemu: { machine: "virt" } });
  });

  test("parseProfile() applies the swap defaults", () => {
    const p = parseProfile(
      JSON.stringify({ name: "b", description: "d", cpu: { model: "cortex-a55", cores: 4, isa: "armv8.2-a" }, memoryMiB: 512, storage: { kind: "emmc", sizeMiB: 4096 }, swap: {} }),
      "b.json",
    );
    expect(p.swap).toEqual({ zramMiB: 0, zramAlgorithm: "lzo-rle", fileMiB: 0, swappiness: 60 });
    expect(p.storage.filesystem).toBe("ext4");
  });

  test("parseProfile() names the field that is wrong", () => {
    const bad = { name: "b", description: "d", cpu: { model: "x", cores: 0, isa: "armv8.0-a" }, memoryMiB: 256, storage: { kind: "emmc", sizeMiB: 64 }, swap: {} };
    expect(() => parseProfile(JSON.stringify(bad), "b.json")).toThrow("Invalid b.json: /cpu/cores:");
  });

  test("loadProfile() refuses a profile whose name differs from its file", () => {
    const dir = temp("profiles-");
    writeFileSync(join(dir, "one.json"), JSON.stringify({ ...loadProfile("qemu-virt-a53"), name: "two" }));
    expect(() => loadProfile("one", dir)).toThrow("name: 'two' differs from the file name");
  });

  test("loadProfile() lists the known profiles when one is not found", () => {
    expect(() => loadProfile("no-such-board")).toThrow("known: qemu-virt-a53");
  });
});
