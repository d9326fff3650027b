// The CRIU driver's pure parts: its command lines, the stdio and mounts it is told about, its log's errors.
import { describe, expect, test } from "bun:test";
import { S_IFCHR, S_IFREG } from "../../../../ffi/constants.ts";
import { dumpArgs, restoreArgs } from "../../../../runtime/checkpoint/criu-args.ts";
import { externalMountCandidates, mountedExternals, restoreMounts } from "../../../../runtime/checkpoint/criu-mounts.ts";
import { dumpedNamespaces, joinedNamespaces } from "../../../../runtime/checkpoint/criu-namespaces.ts";
import { describeStdio, inheritedStdio } from "../../../../runtime/checkpoint/criu-stdio.ts";
import { logErrors } from "../../../../runtime/checkpoint/criu.ts";
import type { FileFacts, ProcessHost } from "../../../../runtime/checkpoint/process-host.ts";
import type { Config } from "../../../../runtime/spec/config.ts";

/** A host that answers only the /proc paths it is given and fails loudly on anything else. */
const procHost = (files: Record<string, string>, links: Record<string, string>, stats: Record<string, FileFacts> = {}): ProcessHost => {
  const unexpected = (what: string) => (): never => {
    throw new Error(`Unexpected call: ${what}`);
  };
  return {
    criu: { version: unexpected("criu --version"), check: unexpected("criu check"), run: unexpected("criu run") },
    read: (p) => files[p],
    readlink: (p) => links[p],
    stat: (p) => stats[p] ?? unexpected(`stat ${p}`)(),
    open: unexpected("open"),
    close: unexpected("close"),
    bindMount: unexpected("bind mount"),
    unmount: unexpected("unmount"),
    machine: "aarch64",
    kernel: "6.1.0-57-arm64",
  };
};

/** The init's mounts as the emulated board shows them for a board bundle (see board/bundles.ts). */
const MOUNTINFO = [
  "55 51 254:0 /opt/bunker/bundles/counter/rootfs / ro,noatime - ext4 /dev/vda rw",
  "57 55 0:34 / /proc rw,relatime - proc proc rw",
  "58 57 0:22 /bunker/counter/limits/meminfo /proc/meminfo ro,nosuid,nodev,noexec - tmpfs tmpfs rw",
  "59 55 0:35 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755",
  "60 55 0:36 / /tmp rw,nosuid,nodev,relatime - tmpfs tmpfs rw,size=8192k",
  "61 55 0:37 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro",
  "62 61 0:22 /bunker/counter/limits/cpu-online /sys/devices/system/cpu/online ro - tmpfs tmpfs rw",
  "63 57 0:5 /null /proc/kcore rw,nosuid - devtmpfs devtmpfs rw,size=100k",
  "64 61 0:38 / /sys/firmware ro,relatime - tmpfs tmpfs ro",
  "65 55 254:0 /srv/data /data rw,noatime - ext4 /dev/vda rw",
].join("\n");

const config = (over: Partial<Config> = {}): Config =>
  ({
    ociVersion: "1.2.0",
    root: { path: "rootfs", readonly: true },
    process: { args: ["/bin/sh"], cwd: "/" },
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/data", type: "none", source: "data", options: ["rbind", "rw"] },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs" },
    ],
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }], maskedPaths: ["/proc/kcore", "/sys/firmware", "/proc/keys"] },
    ...over,
  }) as Config;

describe("dumpArgs() and restoreArgs()", () => {
  test("dump the tree through its cgroup's freezer, leave it to bunker to stop, declare the mounts and files from outside", () => {
    expect(
      dumpArgs({ pid: 181, images: "/s/images", work: "/s/work", log: "/s/work/dump.log", freezer: "/sys/fs/cgroup/b/c", cgroupRoot: "/b/c", mounts: ["/proc/meminfo", "/data"], files: ["file[19:4]"], namespaces: ["net[4026532301]:extRootNetNS"] }),
    ).toEqual([
      "dump", "--tree", "181", "--images-dir", "/s/images", "--work-dir", "/s/work", "--log-file", "/s/work/dump.log", "-v2",
      "--manage-cgroups", "--cgroup-root", "/b/c", "--freeze-cgroup", "/sys/fs/cgroup/b/c", "--leave-running", "--file-locks",
      "--external", "mnt[/proc/meminfo]:/proc/meminfo", "--external", "mnt[/data]:/data", "--external", "file[19:4]",
      "--external", "net[4026532301]:extRootNetNS",
    ]);
  });

  test("restore detached below the new cgroup, the mounts from this host's paths, bunker's fds in place of the dumped ones", () => {
    const args = restoreArgs({
      images: "/s/images", work: "/s/work", log: "/s/work/restore.log", root: "/run/bunker/c/criu-root", pidFile: "/s/work/init.pid", cgroupRoot: "/b/c2",
      mounts: [{ key: "/data", source: "/srv/other" }], inherit: [{ fd: 1, key: "pipe:[77]" }, { fd: 3, key: "extRootNetNS" }], verbose: true,
    });
    expect(args).toEqual([
      "restore", "--images-dir", "/s/images", "--work-dir", "/s/work", "--log-file", "/s/work/restore.log", "-v4", "--root", "/run/bunker/c/criu-root",
      "--restore-detached", "--pidfile", "/s/work/init.pid", "--manage-cgroups", "--cgroup-root", "/b/c2", "--evasive-devices", "--file-locks",
      "--external", "mnt[/data]:/srv/other", "--inherit-fd", "fd[1]:pipe:[77]", "--inherit-fd", "fd[3]:extRootNetNS",
    ]);
  });
});

describe("joinedNamespaces() and dumpedNamespaces()", () => {
  const fail = (why: string): never => {
    throw new Error(why);
  };
  const joining = (namespaces: NonNullable<Config["linux"]>["namespaces"]) => config({ linux: { namespaces } });

  test("take the network and pid namespaces the config joins by path, under runc's keys, and leave its own to CRIU", () => {
    const joined = joinedNamespaces(joining([{ type: "pid", path: "/run/pod/pid" }, { type: "network", path: "/run/netns/cni-1" }, { type: "mount" }, { type: "uts" }]), fail);
    expect(joined).toEqual([
      { type: "pid", path: "/run/pod/pid", key: "extRootPidNS" },
      { type: "network", path: "/run/netns/cni-1", key: "extRootNetNS" },
    ]);
    const links: Record<string, string> = { pid: "pid:[4026532400]", network: "net:[4026532301]" };
    const inodes: Record<string, bigint> = { "/run/pod/pid": 4026532400n, "/run/netns/cni-1": 4026532301n };
    expect(dumpedNamespaces(joined, (t) => links[t], (p) => inodes[p], fail)).toEqual(["pid[4026532400]:extRootPidNS", "net[4026532301]:extRootNetNS"]);
    expect(joinedNamespaces(config(), fail)).toEqual([]);
  });

  test("refuse a joined namespace of another kind: CRIU would restore a private copy that nothing shares", () => {
    expect(() => joinedNamespaces(joining([{ type: "network" }, { type: "ipc", path: "/run/pod/ipc" }]), fail)).toThrow(
      "it joins the ipc namespace '/run/pod/ipc': CRIU takes only network and pid namespaces from outside the container",
    );
  });

  test("refuse when the init is not in the namespace the config names, or the path is gone", () => {
    const joined = joinedNamespaces(joining([{ type: "network", path: "/run/netns/cni-1" }]), fail);
    expect(() => dumpedNamespaces(joined, () => "net:[4026531840]", () => 4026532301n, fail)).toThrow(
      "its init is not in the network namespace '/run/netns/cni-1' its config joins (it is in net:[4026531840])",
    );
    expect(() => dumpedNamespaces(joined, () => "net:[4026532301]", () => undefined, fail)).toThrow("the network namespace '/run/netns/cni-1' its config joins is gone");
    expect(() => dumpedNamespaces(joined, () => undefined, () => 4026532301n, fail)).toThrow("its init has no net namespace to read");
  });
});

describe("externalMountCandidates() and mountedExternals()", () => {
  const candidates = externalMountCandidates(config(), "/srv/bundle", "/run/bunker/counter/limits");

  test("take the config's bind mounts, the limits view, masked paths and (in a user namespace) the device nodes", () => {
    expect(candidates).toEqual([
      { key: "/data", source: "/srv/bundle/data", kind: "bind" },
      { key: "/proc/meminfo", source: "/run/bunker/counter/limits/meminfo", kind: "bind" },
      { key: "/sys/devices/system/cpu/online", source: "/run/bunker/counter/limits/cpu-online", kind: "bind" },
      { key: "/proc/kcore", source: "/dev/null", kind: "mask" },
      { key: "/sys/firmware", source: "/dev/null", kind: "mask" },
      { key: "/proc/keys", source: "/dev/null", kind: "mask" },
    ]);
    const userns = externalMountCandidates(config({ linux: { namespaces: [{ type: "user" }] } } as Partial<Config>), "/b", "/l");
    expect(userns.filter((c) => c.key.startsWith("/dev/")).map((c) => c.key)).toEqual(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]);
  });

  test("keep what the init really has mounted: a masked file is a bind of /dev/null, a masked directory a tmpfs of its own", () => {
    expect(mountedExternals(candidates, MOUNTINFO).map((m) => m.key)).toEqual(["/data", "/proc/meminfo", "/sys/devices/system/cpu/online", "/proc/kcore"]);
  });

  test("map the dumped keys to the restoring container's paths, and refuse a key the config cannot provide", () => {
    const here = externalMountCandidates(config(), "/var/lib/migrated", "/run/bunker/c9/limits");
    expect(restoreMounts(here, ["/data", "/proc/meminfo"])).toEqual([
      { key: "/data", source: "/var/lib/migrated/data" },
      { key: "/proc/meminfo", source: "/run/bunker/c9/limits/meminfo" },
    ]);
    expect(() => restoreMounts(here, ["/gone"])).toThrow("the checkpoint's external mount '/gone' has no source in the container's config");
  });
});

describe("describeStdio()", () => {
  const host = (links: Record<string, string>, fdinfo: Record<number, number>, stats: Record<string, FileFacts> = {}) =>
    procHost(
      {
        "/proc/181/mountinfo": MOUNTINFO,
        ...Object.fromEntries(Object.entries(fdinfo).map(([fd, mnt]) => [`/proc/181/fdinfo/${fd}`, `pos:\t0\nflags:\t0100002\nmnt_id:\t${mnt}\nino:\t9\n`])),
      },
      Object.fromEntries(Object.entries(links).map(([fd, l]) => [`/proc/181/fd/${fd}`, l])),
      stats,
    );

  test("leaves the container's own files to CRIU, hands back pipes and outside files under CRIU's keys", () => {
    const h = host({ 0: "/dev/null", 1: "pipe:[4242]", 2: "/var/log/app.log" }, { 0: 59, 2: 25 }, { "/proc/181/fd/2": { ino: 0x1234n, mode: S_IFREG | 0o644, rdev: 0n } });
    const stdio = describeStdio(h, 181, "c");
    expect(stdio).toEqual([
      { fd: 0, kind: "inside" },
      { fd: 1, kind: "pipe", key: "pipe:[4242]" },
      { fd: 2, kind: "file", key: "file[19:1234]" },
    ]);
    expect(inheritedStdio(stdio)).toEqual([
      { fd: 1, key: "pipe:[4242]" },
      { fd: 2, key: "file[19:1234]" },
    ]);
  });

  test("takes the host's /dev/null (a run -d that passed the caller's fds) as an outside file, and skips closed fds", () => {
    const h = host({ 1: "/dev/null" }, { 1: 5 }, { "/proc/181/fd/1": { ino: 4n, mode: S_IFCHR | 0o666, rdev: (1n << 8n) | 3n } });
    expect(describeStdio(h, 181, "c")).toEqual([{ fd: 1, kind: "file", key: "file[5:4]" }]);
  });

  test("refuses sockets and terminals, naming the fd", () => {
    expect(() => describeStdio(host({ 0: "socket:[99]" }, {}), 181, "c")).toThrow("Checkpoint 'c': the init's fd 0 is 'socket:[99]': CRIU cannot hand it back at restore");
    const tty = host({ 2: "/dev/pts/3" }, { 2: 30 }, { "/proc/181/fd/2": { ino: 6n, mode: S_IFCHR | 0o620, rdev: (136n << 8n) | 3n } });
    expect(() => describeStdio(tty, 181, "c")).toThrow("the init's fd 2 is the terminal '/dev/pts/3'");
  });

  test("says when the init is gone", () => {
    expect(() => describeStdio(procHost({}, {}), 181, "c")).toThrow("Checkpoint 'c': its init (pid 181) is gone");
  });
});

describe("logErrors()", () => {
  test("keeps CRIU's own error lines, the last few, without their timestamps", () => {
    const log = [
      "(00.001234) Version: 3.17.1 (gitid 0)",
      "(00.020000) Error (criu/mount.c:1100): mnt: 25:./dev/null doesn't have a proper root mount",
      "(00.020100) Warn  (criu/net.c:3767): NSID isn't reported for network links",
      "Error (criu/cr-dump.c:2061): Dumping FAILED.",
    ].join("\n");
    expect(logErrors(log)).toEqual(["Error (criu/mount.c:1100): mnt: 25:./dev/null doesn't have a proper root mount", "Error (criu/cr-dump.c:2061): Dumping FAILED."]);
    expect(logErrors(log, 1)).toEqual(["Error (criu/cr-dump.c:2061): Dumping FAILED."]);
  });
});
