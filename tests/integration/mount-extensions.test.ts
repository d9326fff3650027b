// Mount features beyond mount(2)'s flags, against the compiled executable: idmapped bind mounts (the mount's own
// maps or the container's, idmap and ridmap), their refusal where the file system cannot, and tmpcopyup.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason, stagesRunning } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP mount-extensions: ${skip}`);

const MAP = [{ containerID: 0, hostID: 1234, size: 1 }];
const USERNS_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

/** A directory reachable by any uid (a mapped container root too), holding a root-owned file and directory. */
const source = (base: string, name: string): string => {
  const dir = join(base, name);
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "file"), "data\n");
  chmodSync(dir, 0o777);
  return dir;
};

describe.skipIf(!!skip)("idmapped mounts and tmpcopyup", () => {
  const root = newRoot();
  const base = mkdtempSync(join(tmpdir(), "mount-ext-"));
  chmodSync(base, 0o755);
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(base, { recursive: true, force: true });
  });

  test("a bind mount with its own uidMappings/gidMappings shows the files under the mapped ids", () => {
    const src = source(base, "own");
    const bundle = makeBundle(["stat", "-c", "%u %g", "/data/file", "/plain/file"], (c) => ({
      ...c,
      mounts: [
        ...c.mounts,
        { destination: "/data", type: "bind", source: src, options: ["bind"], uidMappings: MAP, gidMappings: MAP },
        { destination: "/plain", type: "bind", source: src, options: ["bind"] },
      ],
    }), join(base, "b-own"));
    const r = bunker(root, ["run", "--bundle", bundle, "idmap-own"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("1234 1234\n0 0\n");
  });

  test("ridmap idmaps the mounts below a recursive bind too; idmap only the top one", () => {
    const src = source(base, "rec");
    const bundle = makeBundle(["stat", "-c", "%u", "/top/sub/x", "/rec/sub/x"], (c) => ({
      ...c,
      mounts: [
        ...c.mounts,
        { destination: "/top", type: "bind", source: src, options: ["rbind", "idmap"], uidMappings: MAP, gidMappings: MAP },
        { destination: "/rec", type: "bind", source: src, options: ["rbind", "ridmap"], uidMappings: MAP, gidMappings: MAP },
      ],
    }), join(base, "b-rec"));
    // The submount (a tmpfs, idmappable since Linux 6.3) lives only in this test's own mount namespace.
    const p = Bun.spawnSync(["unshare", "--mount", "sh", "-c", `mount -t tmpfs -o size=64k none ${src}/sub && touch ${src}/sub/x && exec "$@"`, "sh", BIN, "--root", root, "run", "--bundle", bundle, "idmap-rec"], { stdout: "pipe", stderr: "pipe" });
    expect(p.stderr.toString()).toBe("");
    expect(p.stdout.toString()).toBe("0\n1234\n");
  });

  test("'idmap' without maps of its own uses the container's user namespace maps: its root writes files as the host's root", () => {
    const src = source(base, "userns");
    const withUserns = (c: TestConfig) => ({
      ...c,
      mounts: [...c.mounts, { destination: "/data", type: "bind", source: src, options: ["bind", "idmap"] }],
      linux: { ...c.linux, namespaces: [...c.linux.namespaces, { type: "user" }], uidMappings: USERNS_MAP, gidMappings: USERNS_MAP },
    });
    const bundle = makeBundle(["sh", "-c", "stat -c %u /data/file && touch /data/made-inside"], withUserns, join(base, "b-userns"));
    // The container's root is 100000 on the host: the mount point must be there already in a root-owned rootfs.
    mkdirSync(join(bundle, "rootfs/data"));
    const r = bunker(root, ["run", "--bundle", bundle, "idmap-userns"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0\n");
    expect(statSync(join(src, "made-inside")).uid).toBe(0);
  });

  test("a file system that cannot be idmapped is refused in one line naming the mount, and nothing is left", () => {
    const stages = stagesRunning();
    const bundle = makeBundle(["true"], (c) => ({
      ...c,
      mounts: [...c.mounts, { destination: "/sysdata", type: "bind", source: "/proc/sys", options: ["rbind"], uidMappings: MAP, gidMappings: MAP }],
    }), join(base, "b-refused"));
    const r = bunker(root, ["run", "--bundle", bundle, "idmap-refused"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bunker: Mount of '\/sysdata' cannot be idmapped: the file system of '\/proc\/sys' \(or a mount below it\) does not support idmapped mounts: mount_setattr fd \d+: EINVAL\n$/);
    expect(readdirSync(root)).not.toContain("idmap-refused");
    expect(stagesRunning()).toBe(stages);
  });

  test("an idmapped mount that is no bind, or has no maps anywhere, is refused naming the field", () => {
    const bundle = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/t", type: "tmpfs", source: "tmpfs", options: ["idmap"], uidMappings: MAP, gidMappings: MAP }] }), join(base, "b-nobind"));
    expect(bunker(root, ["run", "--bundle", bundle, "idmap-nobind"]).stderr).toBe(`bunker: Invalid config.json: /mounts/7: An idmapped mount must be a bind mount\n`);
    const nomaps = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/t", type: "bind", source: base, options: ["rbind", "idmap"] }] }), join(base, "b-nomaps"));
    expect(bunker(root, ["run", "--bundle", nomaps, "idmap-nomaps"]).stderr).toBe(
      "bunker: Invalid config.json: /mounts/7: An idmapped mount needs uidMappings and gidMappings, its own or the container's in /linux\n",
    );
  });

  test("tmpcopyup fills the tmpfs with what the directory below held: contents, modes, owners, links", () => {
    const bundle = makeBundle(["sh", "-c", "stat -c '%n %a %u %g' /run/app /run/app/conf /run/app/dir; readlink /run/app/link; cat /run/app/conf; mount | grep -c ' /run/app '"], (c) => ({
      ...c,
      mounts: [...c.mounts, { destination: "/run/app", type: "tmpfs", source: "tmpfs", options: ["nosuid", "tmpcopyup", "size=64k"] }],
    }), join(base, "b-copyup"));
    const below = join(bundle, "rootfs/run/app");
    mkdirSync(join(below, "dir"), { recursive: true });
    writeFileSync(join(below, "conf"), "from the image\n");
    chmodSync(join(below, "conf"), 0o604);
    chownSync(join(below, "conf"), 7, 8);
    chmodSync(join(below, "dir"), 0o1777);
    symlinkSync("conf", join(below, "link"));
    const r = bunker(root, ["run", "--bundle", bundle, "copyup"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("/run/app 755 0 0\n/run/app/conf 604 7 8\n/run/app/dir 1777 0 0\nconf\nfrom the image\n1\n");
    const tmpfsWithoutCopy = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/x", type: "bind", source: base, options: ["rbind", "tmpcopyup"] }] }), join(base, "b-copyup-bind"));
    expect(bunker(root, ["run", "--bundle", tmpfsWithoutCopy, "copyup2"]).stderr).toBe("bunker: Invalid config.json: /mounts/7/options: tmpcopyup is for tmpfs mounts\n");
  });
});
