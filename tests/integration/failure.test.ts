import { afterAll, describe, expect, test } from "bun:test";
import { type Dirent, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { bunker, newRoot, skipReason, stagesRunning } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP failure: ${skip}`);

/** Every cgroup directory named `id` under the host's hierarchies (the memory one is nested on this host). */
const cgroupsNamed = (id: string): string[] => {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed meanwhile (another container's cgroup)
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name === id) found.push(p);
      walk(p, depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
};

const mountCount = (): number => readFileSync("/proc/self/mountinfo", "utf8").trim().split("\n").length;

describe.skipIf(!!skip)("a failure", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const expectNothingLeft = (id: string, mountsBefore: number, stagesBefore: number): void => {
    expect(existsSync(join(root, id))).toBe(false);
    expect(cgroupsNamed(id)).toEqual([]);
    expect(mountCount()).toBe(mountsBefore);
    expect(stagesRunning()).toBe(stagesBefore);
  };

  test("inside the setup stage is one line naming the step, the call, the errno and the path, and leaves nothing", () => {
    const mounts = mountCount();
    const stages = stagesRunning();
    const bundle = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/bogus", type: "nosuchfs", source: "none" }] }));
    const r = bunker(root, ["run", "--bundle", bundle, "fail-mount"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bunker: Setup stage failed at 'mount': Mount of '\/bogus' failed: mount '.*\/rootfs\/bogus' \(nosuchfs\): ENODEV\n$/);
    expectNothingLeft("fail-mount", mounts, stages);
  });

  test("of a mount target in a hostile rootfs (a symlink loop) is one line naming the mount and the path, and leaves nothing", () => {
    const mounts = mountCount();
    const stages = stagesRunning();
    const bundle = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/loop/x", type: "tmpfs", source: "tmpfs" }] }));
    symlinkSync("/loop", join(bundle, "rootfs/loop"));
    const r = bunker(root, ["create", "--bundle", bundle, "fail-loop"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`bunker: Setup stage failed at 'mount': Mount of '/loop/x' failed: openat2 '/loop/x' in '${bundle}/rootfs': ELOOP\n`);
    expectNothingLeft("fail-loop", mounts, stages);
    rmSync(bundle, { recursive: true, force: true });
  });

  test("to idmap a mount is one line naming the mount, and leaves nothing", () => {
    const mounts = mountCount();
    const stages = stagesRunning();
    const map = [{ containerID: 0, hostID: 1000, size: 1 }];
    const bundle = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/p", type: "bind", source: "/proc/sys", options: ["rbind"], uidMappings: map, gidMappings: map }] }));
    const r = bunker(root, ["create", "--bundle", bundle, "fail-idmap"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith("bunker: Mount of '/p' cannot be idmapped: ");
    expectNothingLeft("fail-idmap", mounts, stages);
    rmSync(bundle, { recursive: true, force: true });
  });

  test("of a prestart hook fails create and leaves nothing", () => {
    const mounts = mountCount();
    const stages = stagesRunning();
    const bundle = makeBundle(["true"], (c) => ({ ...c, hooks: { prestart: [{ path: "/bin/sh", args: ["sh", "-c", "echo no >&2; exit 3"] }] } }));
    const r = bunker(root, ["create", "--bundle", bundle, "fail-hook"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("bunker: prestart hook '/bin/sh' failed: exit status 3: no\n");
    expectNothingLeft("fail-hook", mounts, stages);
  });

  test("of config.json names the field, exit 1, and leaves nothing", () => {
    const bundle = makeBundle(["true"]);
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    config.process.args = "true";
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    const r = bunker(root, ["create", "--bundle", bundle, "fail-config"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("bunker: Invalid config.json: /process/args: Expected array\n");
    expect(existsSync(join(root, "fail-config"))).toBe(false);
  });

  test("--systemd-cgroup is refused by create and run, as runc refuses it where systemd does not run, and leaves nothing", () => {
    // containerd hands it over with cgroupsPath "slice:prefix:name", which bunker once took for a relative path.
    const bundle = makeBundle(["true"], (c) => ({ ...c, linux: { ...c.linux, cgroupsPath: "system.slice:ctr:sd" } }));
    const why = existsSync("/run/systemd/system")
      ? "--systemd-cgroup: bunker has no systemd cgroup driver (it writes cgroupfs itself); leave the flag out"
      : "--systemd-cgroup: systemd is not running on this host, so its cgroup driver cannot be used; leave the flag out";
    for (const cmd of [["create", "--bundle", bundle, "sd"], ["run", "--bundle", bundle, "sd"]]) {
      const r = bunker(root, ["--systemd-cgroup", ...cmd]);
      expect(r).toEqual({ code: 1, stdout: "", stderr: `bunker: ${why}\n` });
      expect(existsSync(join(root, "sd"))).toBe(false);
      expect(cgroupsNamed("system.slice:ctr:sd")).toEqual([]);
    }
  });

  test("of usage exits 2 with the command's usage", () => {
    const r = bunker(root, ["kill"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("bunker: 'kill' takes <container-id> [signal]\nusage: bunker kill <container-id> [signal]\n");
    expect(bunker(root, ["frobnicate"]).stderr).toBe("bunker: Unknown command: 'frobnicate' (see 'bunker --help')\n");
  });

  test("is also written to --log, as JSON with --log-format json", () => {
    const log = join(root, "log.json");
    bunker(root, ["--log", log, "--log-format", "json", "state", "nope"]);
    const line = JSON.parse(readFileSync(log, "utf8").trim());
    expect(line).toMatchObject({ level: "error", msg: "Container 'nope' does not exist" });
  });
});
