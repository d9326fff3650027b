// The in-root module against the real kernel, both resolvers (openat2 and the fallback walk), on hostile trees and
// under a concurrent attacker that swaps a directory and a symlink out of the root.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { O, S_IFCHR } from "../../ffi/constants.ts";
import { makedev, procFdPath } from "../../ffi/fd.ts";
import { realFsSyscalls } from "../../ffi/syscalls.ts";
import { lgetxattr } from "../../ffi/xattr.ts";
import { InRoot } from "../../runtime/rootfs/in-root.ts";

const skip = process.getuid?.() !== 0 ? "needs root (mknod, chown, trusted xattrs)" : undefined;
if (skip) console.log(`SKIP in-root: ${skip}`);

const RACE_ROUNDS = 3000;

/** Everything under `dir`, as relative paths (symlinks not followed). */
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();

describe.skipIf(!!skip)("in-root file-system operations on the real kernel", () => {
  const base = mkdtempSync(join(tmpdir(), "in-root-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const hostile = (name: string): { rootfs: string; victim: string } => {
    const rootfs = join(base, name, "bundle", "rootfs");
    const victim = join(base, name, "victim");
    mkdirSync(join(rootfs, "etc"), { recursive: true });
    mkdirSync(victim, { recursive: true });
    writeFileSync(join(victim, "null"), "host file\n");
    symlinkSync(victim, join(rootfs, "abs"));
    symlinkSync("../../victim", join(rootfs, "rel"));
    symlinkSync("../../../../../../../../../..", join(rootfs, "up"));
    symlinkSync("/loop2", join(rootfs, "loop1"));
    symlinkSync("loop1", join(rootfs, "loop2"));
    symlinkSync(join(victim, "null"), join(rootfs, "last"));
    return { rootfs, victim };
  };

  for (const walk of [false, true]) {
    const resolver = walk ? "walk" : "openat2";

    test(`[${resolver}] nothing lands outside the root through absolute, relative, looping or final symlinks`, () => {
      const { rootfs, victim } = hostile(`hostile-${resolver}`);
      const root = InRoot.open(realFsSyscalls, rootfs, { walk });
      expect(root.resolver).toBe(resolver);
      for (const p of ["abs/dir/sub", "rel/dir2", "up/dir3", "/../../dir4"]) root.release(root.mkdirAll(p));
      root.mknod("abs/null2", S_IFCHR | 0o666, makedev(1, 3));
      root.symlink("/proc/self/fd", "rel/fd");
      root.release(root.open("up/created", O.WRONLY | O.CREAT | O.EXCL, 0o600));
      root.release(root.open("abs/followed", O.WRONLY | O.CREAT, 0o600, true));
      expect(() => root.open("last", O.WRONLY | O.TRUNC)).toThrow("ELOOP");
      expect(() => root.resolve("loop1/x")).toThrow("ELOOP");
      root.lchown("last", 1234, 1234);
      root.setxattr("abs", "trusted.overlay.opaque", Buffer.from("y"));
      root.unlink("last");
      root.release(root.mountTarget("abs/mnt/file", "file"));
      root.removeAll("rel");
      root.close();

      expect(tree(victim)).toEqual(["null"]);
      expect(statSync(join(victim, "null")).uid).toBe(0);
      const inside = join(rootfs, victim);
      expect(statSync(join(inside, "dir/sub")).isDirectory()).toBe(true);
      expect(lstatSync(join(inside, "null2")).isCharacterDevice()).toBe(true);
      expect(existsSync(join(inside, "followed"))).toBe(true);
      expect(existsSync(join(inside, "mnt/file"))).toBe(true);
      for (const p of ["dir3", "dir4", "created"]) expect(existsSync(join(rootfs, p))).toBe(true);
      expect(lgetxattr(join(rootfs, "abs"), "trusted.overlay.opaque").toString()).toBe("y");
      expect(existsSync(join(rootfs, "last"))).toBe(false);
      expect(existsSync(join(rootfs, "rel"))).toBe(false);
      expect(readlinkSync(join(rootfs, "victim/fd"))).toBe("/proc/self/fd");
    });

    test(`[${resolver}] a directory swapped with a symlink out of the root, ${RACE_ROUNDS} times, never lets anything out`, async () => {
      const dir = join(base, `race-${resolver}`);
      const rootfs = join(dir, "rootfs");
      const victim = join(dir, "victim");
      mkdirSync(join(rootfs, "vol/a"), { recursive: true });
      mkdirSync(victim);
      symlinkSync(walk ? "../../../victim" : victim, join(rootfs, "vol/a.link"));
      const racer = Bun.spawn([process.execPath, join(import.meta.dir, "../support/swap-race.ts"), join(rootfs, "vol"), "a", "a.link"], { stdout: "pipe", stderr: "inherit" });
      const root = InRoot.open(realFsSyscalls, rootfs, { walk });
      let made = 0;
      try {
        // Wait until the attacker runs, bounded.
        const reader = racer.stdout.getReader();
        await reader.read();
        reader.releaseLock();
        for (let i = 0; i < RACE_ROUNDS; i++) {
          try {
            root.release(root.mkdirAll(`vol/a/d${i}/e`));
            root.release(root.open(`vol/a/f${i}`, O.WRONLY | O.CREAT | O.EXCL, 0o600));
            root.release(root.mountTarget(`vol/a/m${i}`, "file"));
            made++;
          } catch {
            // ENOENT, ELOOP, EEXIST and the like are what a lost race looks like; escaping is what must not happen.
          }
        }
      } finally {
        racer.kill(9);
        await racer.exited;
        root.close();
      }
      expect(tree(victim)).toEqual([]);
      expect(made).toBeGreaterThan(0);
      console.log(`[${resolver}] race: ${made} of ${RACE_ROUNDS} rounds created everything, none outside the root`);
    });
  }

  test("a mount target descriptor reaches exactly the object it names through /proc/self/fd", () => {
    const { rootfs } = hostile("fdpath");
    const root = InRoot.open(realFsSyscalls, rootfs);
    root.withMountTarget("abs/target", "dir", (p) => expect(readlinkSync(p)).toBe(join(rootfs, base, "fdpath/victim/target")));
    const fd = root.resolve("etc");
    expect(readlinkSync(procFdPath(fd))).toBe(join(rootfs, "etc"));
    root.release(fd);
    root.close();
  });
});
