import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP rootfs: ${skip}`);

const mountinfo = (out: string): Map<string, { opts: string; optional: string }> =>
  new Map(
    out
      .trim()
      .split("\n")
      .map((l) => {
        const f = l.split(" ");
        const sep = f.indexOf("-");
        return [f[4]!, { opts: f[5]!, optional: f.slice(6, sep).join(" ") }];
      }),
  );

describe.skipIf(!!skip)("root filesystem", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("the configured mounts are there, the root is read-only, masked and read-only paths are applied", () => {
    const bundle = makeBundle(["sh", "-c", "cat /proc/self/mountinfo; echo ---; wc -c < /etc/group; ls /root | wc -l; touch /x 2>&1; echo 1 > /proc/sys/kernel/domainname 2>&1"], (c) => ({
      ...c,
      linux: { ...c.linux, maskedPaths: [...c.linux.maskedPaths, "/etc/group", "/root"] },
    }));
    const r = bunker(root, ["run", "--bundle", bundle, "mnt1"]);
    const [mi, rest] = r.stdout.split("---\n") as [string, string];
    const m = mountinfo(mi);
    for (const p of ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/tmp"]) expect(m.has(p)).toBe(true);
    expect(m.get("/")!.opts).toContain("ro");
    expect(m.get("/sys")!.opts).toContain("ro");
    expect(m.get("/proc/sys")!.opts).toContain("ro");
    expect(m.has("/etc/group")).toBe(true);
    expect(m.get("/root")!.opts).toContain("ro");
    expect(rest).toStartWith("0\n0\n");
    expect(rest).toContain("Read-only file system");
  });

  test("bind mounts honour ro, nosuid, nodev, noexec and their propagation flags", () => {
    const src = mkdtempSync(join(tmpdir(), "bind-src-"));
    writeFileSync(join(src, "file"), "from the host\n");
    const bundle = makeBundle(["sh", "-c", "cat /data/file; cat /proc/self/mountinfo"], (c) => ({
      ...c,
      mounts: [
        ...c.mounts,
        { destination: "/data", type: "bind", source: src, options: ["rbind", "ro", "nosuid", "nodev", "noexec", "rprivate"] },
        { destination: "/shared", type: "tmpfs", source: "tmpfs", options: ["shared"] },
      ],
      linux: { ...c.linux, rootfsPropagation: "private" },
    }));
    const r = bunker(root, ["run", "--bundle", bundle, "bind1"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toStartWith("from the host\n");
    const m = mountinfo(r.stdout.slice(r.stdout.indexOf("\n") + 1));
    expect(m.get("/data")!.opts.split(",")).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev", "noexec"]));
    expect(m.get("/data")!.optional).not.toContain("shared:");
    expect(m.get("/shared")!.optional).toContain("shared:");
    rmSync(src, { recursive: true });
  });

  test("the default devices and /dev symlinks exist", () => {
    const bundle = makeBundle(["sh", "-c", "ls /dev; readlink /dev/fd; readlink /dev/ptmx; echo x > /dev/null && head -c 4 /dev/zero | wc -c"]);
    const r = bunker(root, ["run", "--bundle", bundle, "dev1"]);
    expect(r.stderr).toBe("");
    for (const d of ["null", "zero", "full", "random", "urandom", "tty", "fd", "stdin", "stdout", "stderr", "ptmx", "pts", "shm", "mqueue"])
      expect(r.stdout.split("\n")).toContain(d);
    expect(r.stdout).toContain("/proc/self/fd\npts/ptmx\n4\n");
  });

  test("sysctls and the domain name are set in the container's namespaces", () => {
    const bundle = makeBundle(["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname"], (c) => ({
      ...c,
      domainname: "fleet.example",
      linux: { ...c.linux, sysctl: { "net.ipv4.ip_forward": "1" } },
    }));
    const r = bunker(root, ["run", "--bundle", bundle, "sysctl1"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("1\nfleet.example\n");
  });

  test("device nodes have exactly their configured mode, 0666 for the defaults, so a non-root user can write /dev/null", () => {
    const bundle = makeBundle(["sh", "-c", "echo x > /dev/null && echo written; stat -c '%n %a %u' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/mine"], (c) => ({
      ...c,
      process: { ...c.process, user: { uid: 65534, gid: 65534 } },
      linux: { ...c.linux, devices: [{ path: "/dev/mine", type: "c", major: 1, minor: 5, fileMode: 0o640, uid: 65534, gid: 0 }] },
    }));
    // The caller's umask must not reach the nodes.
    const umask = process.umask(0o027);
    try {
      const r = bunker(root, ["run", "--bundle", bundle, "devmode1"]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(
        ["written", ...["null", "zero", "full", "random", "urandom", "tty"].map((d) => `/dev/${d} 666 0`), "/dev/mine 640 65534", ""].join("\n"),
      );
    } finally {
      process.umask(umask);
      rmSync(bundle, { recursive: true, force: true });
    }
  });

  test("without a mount namespace, what needs one is refused naming the field, and the rest runs confined to root.path", () => {
    const withoutMountNs = (c: TestConfig) => ({ ...c, linux: { ...c.linux, namespaces: c.linux.namespaces.filter((n) => n.type !== "mount") } });
    const refused = makeBundle(["true"], withoutMountNs);
    const bare = makeBundle(["ls", "/"], (c) => {
      const { maskedPaths: _m, readonlyPaths: _r, ...linux } = withoutMountNs(c).linux;
      return { ...c, root: { path: "rootfs" }, mounts: [], linux };
    });
    try {
      const r = bunker(root, ["run", "--bundle", refused, "nomnt1"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("bunker: Invalid config.json: /root/readonly: Needs a 'mount' namespace in /linux/namespaces\n");
      expect(existsSync(join(root, "nomnt1"))).toBe(false);
      for (const [field, edit] of [
        ["/mounts", (c: TestConfig) => ({ ...c, root: { path: "rootfs" } })],
        ["/linux/maskedPaths", (c: TestConfig) => ({ ...c, root: { path: "rootfs" }, mounts: [] })],
      ] as const) {
        writeFileSync(join(refused, "config.json"), JSON.stringify(edit(withoutMountNs(JSON.parse(readFileSync(join(refused, "config.json"), "utf8"))))));
        expect(bunker(root, ["run", "--bundle", refused, "nomnt1"]).stderr).toStartWith(`bunker: Invalid config.json: ${field}: Needs a 'mount' namespace`);
      }
      const ok = bunker(root, ["run", "--bundle", bare, "nomnt2"]);
      expect(ok.stderr).toBe("");
      expect(ok.stdout.split("\n")).toEqual(["bin", "dev", "etc", "proc", "root", "state", "sys", "tmp", ""]);
    } finally {
      for (const b of [refused, bare]) rmSync(b, { recursive: true, force: true });
    }
  });

  test("recursive mount options reach the mounts below a bind (mount_setattr with AT_RECURSIVE)", () => {
    const src = mkdtempSync(join(tmpdir(), "rec-src-"));
    mkdirSync(join(src, "sub"));
    const bundle = makeBundle(["cat", "/proc/self/mountinfo"], (c) => ({
      ...c,
      mounts: [
        ...c.mounts,
        { destination: "/data", type: "bind", source: src, options: ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow", "rnoatime"] },
        { destination: "/atime", type: "bind", source: src, options: ["rbind", "rstrictatime"] },
        { destination: "/rw", type: "bind", source: src, options: ["rbind", "ro", "rrw", "rrelatime"] },
      ],
    }));
    try {
      // The submount exists only in a mount namespace of the test's own, so nothing is left on the host.
      const p = Bun.spawnSync(["unshare", "--mount", "sh", "-c", `mount -t tmpfs -o size=64k none ${src}/sub && exec "$@"`, "sh", BIN, "--root", root, "run", "--bundle", bundle, "recopts1"], { stdout: "pipe", stderr: "pipe" });
      expect(p.stderr.toString()).toBe("");
      const m = mountinfo(p.stdout.toString());
      for (const mp of ["/data", "/data/sub"]) expect(m.get(mp)!.opts.split(",")).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev", "noexec", "nosymfollow", "noatime"]));
      for (const mp of ["/atime", "/atime/sub"]) expect(m.get(mp)!.opts.split(",")).not.toContain("relatime");
      for (const mp of ["/rw", "/rw/sub"]) expect(m.get(mp)!.opts.split(",")).toEqual(expect.arrayContaining(["rw", "relatime"]));
    } finally {
      rmSync(src, { recursive: true, force: true });
      rmSync(bundle, { recursive: true, force: true });
    }
  });
});
