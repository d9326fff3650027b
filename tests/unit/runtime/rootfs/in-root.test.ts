import { describe, expect, test } from "bun:test";
import { O, O_NOFOLLOW, RESOLVE, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../../../ffi/constants.ts";
import { InRoot } from "../../../../runtime/rootfs/in-root.ts";
import { fakeFs, type FakeFs } from "../../fakes/fs-tree.ts";

const ROOT = "/b/rootfs";

/** A hostile rootfs: links out by absolute path and by "..", a loop, a dangling link, a link as a last component. */
const hostile = (): FakeFs => {
  const fs = fakeFs();
  fs.dir("/etc");
  fs.file("/etc/passwd");
  fs.dir(`${ROOT}/etc`);
  fs.file(`${ROOT}/etc/passwd`);
  fs.symlink(`${ROOT}/abs`, "/etc");
  fs.symlink(`${ROOT}/dir/up`, "../../..");
  fs.symlink(`${ROOT}/loop1`, "loop2");
  fs.symlink(`${ROOT}/loop2`, "/loop1");
  fs.symlink(`${ROOT}/dangling`, "/run/missing/file");
  fs.symlink(`${ROOT}/passwd-link`, "etc/passwd");
  return fs;
};

const typeOf = (fs: FakeFs, path: string): number | undefined => {
  const n = fs.get(path);
  return n && n.mode & S_IFMT;
};

for (const walk of [false, true]) {
  const resolver = walk ? "walk" : "openat2";
  describe(`InRoot (${resolver})`, () => {
    const open = (fs: FakeFs): InRoot => InRoot.open(fs.sys, ROOT, { walk });

    test("an absolute symlink out of the root leads to the root's own directory of that name", () => {
      const fs = hostile();
      const root = open(fs);
      root.release(root.mkdirAll("/abs/x/y"));
      expect(typeOf(fs, `${ROOT}/etc/x/y`)).toBe(S_IFDIR);
      expect(fs.get("/etc/x")).toBeUndefined();
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("'..' through a relative symlink stops at the root", () => {
      const fs = hostile();
      const root = open(fs);
      root.release(root.mkdirAll("dir/up/q"));
      root.release(root.mkdirAll("../../../r"));
      expect(typeOf(fs, `${ROOT}/q`)).toBe(S_IFDIR);
      expect(typeOf(fs, `${ROOT}/r`)).toBe(S_IFDIR);
      expect(fs.get("/q")).toBeUndefined();
      expect(fs.get("/r")).toBeUndefined();
      root.close();
    });

    test("a symlink loop ends in ELOOP naming the path and the root", () => {
      const fs = hostile();
      const root = open(fs);
      expect(() => root.resolve("loop1/x")).toThrow(`'loop1/x' in '${ROOT}': ELOOP`);
      expect(() => root.mkdirAll("loop1/x")).toThrow("ELOOP");
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("a symlink as the last component is not followed unless asked, and followed inside the root when asked", () => {
      const fs = hostile();
      const root = open(fs);
      expect(() => root.open("passwd-link", O.WRONLY | O.TRUNC)).toThrow("ELOOP");
      const fd = root.open("passwd-link", O.RDONLY, 0, true);
      root.release(fd);
      expect(() => root.open("abs", O.WRONLY | O.CREAT, 0o600)).toThrow("ELOOP");
      root.release(root.open("abs/shadow", O.WRONLY | O.CREAT, 0o600, true));
      expect(typeOf(fs, `${ROOT}/etc/shadow`)).toBe(S_IFREG);
      expect(fs.get("/etc/shadow")).toBeUndefined();
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("metadata calls change the entry itself, never a final symlink's target", () => {
      const fs = hostile();
      const root = open(fs);
      root.lchown("abs", 1000, 1000);
      expect(fs.get(`${ROOT}/abs`)!.uid).toBe(1000);
      expect(fs.get("/etc")!.uid).toBe(0);
      expect(() => root.chmod("abs", 0o777)).toThrow("EOPNOTSUPP");
      root.chmod("etc/passwd", 0o600);
      expect(fs.get(`${ROOT}/etc/passwd`)!.mode & 0o7777).toBe(0o600);
      root.setxattr("abs", "user.x", Buffer.from("1"));
      expect(fs.get(`${ROOT}/abs`)!.xattrs.get("user.x")).toBe("1");
      expect(fs.get("/etc")!.xattrs.size).toBe(0);
      root.utimes("abs", { sec: 1n, nsec: 0 }, { sec: 7n, nsec: 0 });
      expect(fs.get(`${ROOT}/abs`)!.mtime).toBe(7n);
      expect(root.lstat("abs").mode & S_IFMT).toBe(S_IFLNK);
      expect(root.readlink("abs")).toBe("/etc");
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("a mount target is created when missing, through a dangling symlink inside the root", () => {
      const fs = hostile();
      const root = open(fs);
      root.release(root.mountTarget("dangling", "file"));
      expect(typeOf(fs, `${ROOT}/run/missing/file`)).toBe(S_IFREG);
      expect(fs.get("/run")).toBeUndefined();
      root.release(root.mountTarget("abs/mnt/point", "dir"));
      expect(typeOf(fs, `${ROOT}/etc/mnt/point`)).toBe(S_IFDIR);
      let seen = "";
      root.withMountTarget("/passwd-link", "file", (p) => (seen = p));
      expect(seen).toMatch(/^\/proc\/self\/fd\/\d+$/);
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("mknod, symlink, link, rename, unlink and rmdir act on the final name under the resolved parent", () => {
      const fs = hostile();
      const root = open(fs);
      root.mknod("abs/null", S_IFCHR | 0o666, 0x103n);
      expect(typeOf(fs, `${ROOT}/etc/null`)).toBe(S_IFCHR);
      root.symlink("/proc/self/fd", "abs/fd");
      expect(fs.get(`${ROOT}/etc/fd`)!.target).toBe("/proc/self/fd");
      root.link("abs/passwd", "dir/up/hard");
      expect(fs.get(`${ROOT}/hard`)).toBe(fs.get(`${ROOT}/etc/passwd`));
      root.rename("hard", "abs/moved");
      expect(fs.get(`${ROOT}/etc/moved`)).toBe(fs.get(`${ROOT}/etc/passwd`));
      root.unlink("abs");
      expect(fs.get(`${ROOT}/abs`)).toBeUndefined();
      expect(typeOf(fs, "/etc")).toBe(S_IFDIR);
      root.mkdir("empty");
      root.rmdir("empty");
      expect(fs.get(`${ROOT}/empty`)).toBeUndefined();
      expect(() => root.unlink("/")).toThrow("EINVAL");
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("removeAll removes a tree and the symlinks in it, not what they point to", () => {
      const fs = hostile();
      fs.file(`${ROOT}/tree/a/b/file`);
      fs.symlink(`${ROOT}/tree/a/out`, "/etc");
      const root = open(fs);
      root.removeAll("tree");
      root.removeAll("not-there");
      expect(fs.get(`${ROOT}/tree`)).toBeUndefined();
      expect(fs.get("/etc/passwd")).toBeDefined();
      root.removeAll("abs");
      expect(fs.get("/etc/passwd")).toBeDefined();
      root.close();
      expect(fs.openFds()).toEqual([]);
    });

    test("'..' after a symlink goes up from the link's target, as the kernel does", () => {
      const fs = hostile();
      fs.dir(`${ROOT}/dir/sub`);
      fs.symlink(`${ROOT}/deep`, "dir/sub");
      const root = open(fs);
      root.release(root.mkdirAll("deep/../made"));
      expect(typeOf(fs, `${ROOT}/dir/made`)).toBe(S_IFDIR);
      root.close();
      if (walk) expect(fs.names()).not.toContain("openat2");
    });

    test("a NUL in a path is refused before it reaches the kernel", () => {
      const fs = hostile();
      const root = open(fs);
      expect(() => root.mkdirAll("a\0b")).toThrow("'a\\0b'");
      root.close();
    });
  });
}

describe("InRoot's resolver choice", () => {
  test("uses openat2 with RESOLVE_IN_ROOT and no magic links, O_NOFOLLOW unless following", () => {
    const fs = hostile();
    const root = InRoot.open(fs.sys, ROOT);
    expect(root.resolver).toBe("openat2");
    root.release(root.resolve("abs", false));
    const call = fs.calls.filter((c) => c.name === "openat2").at(-1)!;
    expect(call.args.slice(1, 3)).toEqual(["abs", O.PATH | O_NOFOLLOW | O.CLOEXEC]);
    expect(call.args[4]).toBe(RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS);
    root.close();
  });

  test("falls back to the walk once openat2 says ENOSYS, and never asks for openat2 again", () => {
    const fs = hostile();
    fs.failNext("openat2", "ENOSYS");
    const root = InRoot.open(fs.sys, ROOT);
    expect(root.resolver).toBe("walk");
    root.release(root.mkdirAll("abs/x"));
    root.release(root.mountTarget("dangling", "file"));
    expect(fs.names().filter((n) => n === "openat2")).toHaveLength(1);
    root.close();
  });

  test("retries openat2 when a concurrent rename makes it say EAGAIN", () => {
    const fs = hostile();
    const root = InRoot.open(fs.sys, ROOT);
    fs.failNext("openat2", "EAGAIN", 3);
    root.release(root.resolve("etc/passwd"));
    expect(fs.names().filter((n) => n === "openat2")).toHaveLength(1 + 4);
    root.close();
  });

  test("another openat2 error at the probe is not taken for a missing openat2", () => {
    const fs = hostile();
    fs.failNext("openat2", "EACCES");
    expect(() => InRoot.open(fs.sys, ROOT)).toThrow("EACCES");
    expect(fs.openFds()).toEqual([]);
  });
});
