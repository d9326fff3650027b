import { describe, expect, test } from "bun:test";
import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeExt4Image, treeBytes } from "../../../board/disk-image.ts";
import { tempDirs } from "../../support/temp.ts";

const temp = tempDirs();

const tools = Bun.which("mkfs.ext4", { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" }) && Bun.which("debugfs", { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" });
if (!tools) console.log("skip: makeExt4Image() tests need mkfs.ext4 and debugfs (Debian package e2fsprogs)");

const tree = (): string => {
  const dir = temp("disk-tree-");
  mkdirSync(join(dir, "opt/bunker"), { recursive: true });
  writeFileSync(join(dir, "opt/bunker/hello"), "hello board\n");
  symlinkSync("hello", join(dir, "opt/bunker/link"));
  return dir;
};

describe("treeBytes()", () => {
  test("counts each file and directory in whole 4 KiB blocks", () => {
    // Directories opt and opt/bunker, one file, one symlink.
    expect(treeBytes(tree())).toBe(4 * 4096);
  });
});

describe.skipIf(!tools)("makeExt4Image()", () => {
  test("writes a sparse ext4 image of the asked size that holds the tree", () => {
    const image = join(temp("disk-"), "disk.img");
    makeExt4Image(tree(), image, 96);
    expect(statSync(image).size).toBe(96 * 2 ** 20);
    const cat = Bun.spawnSync(["debugfs", "-R", "cat /opt/bunker/hello", image], { env: { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" } });
    expect(cat.stdout.toString()).toBe("hello board\n");
    const link = Bun.spawnSync(["debugfs", "-R", "stat /opt/bunker/link", image], { env: { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" } });
    expect(link.stdout.toString()).toContain('Fast link dest: "hello"');
  });

  test("refuses a size the tree does not fit in, naming both", () => {
    const image = join(temp("disk-"), "disk.img");
    expect(() => makeExt4Image(tree(), image, 60)).toThrow("1 MiB of files do not fit in 60 MiB");
  });
});
