// Containers from images: N containers of one image on one copy of its layers, the image config with the command
// line's overrides, a failed create that leaves nothing, the flattened fallback without overlayfs, gc against
// names, pins and containers, roots mounted again by `resume` after a reboot, and bundles for runc.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { busyboxLayout, imageToolsMissing, tempDir, tool } from "../support/images.ts";

const skip = skipReason() ?? imageToolsMissing(["umoci"]);
if (skip) console.log(`SKIP image containers: ${skip}`);

describe.skipIf(!!skip)("containers from images", () => {
  let work: string;
  let root: string;
  const store = () => join(work, "store");
  const b = (args: string[], env?: Record<string, string>) => bunker(root, ["--journal", "none", "--images", store(), ...args], { env });
  const mounts = () => readFileSync("/proc/self/mountinfo", "utf8");
  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await Bun.sleep(10);
    return cond();
  };

  beforeAll(() => {
    work = tempDir();
    root = newRoot();
    const layout = busyboxLayout(work);
    expect(b(["image", "import", layout, "--name", "app:1"]).code).toBe(0);
  });
  afterAll(() => {
    for (const id of ["n0", "n1", "n2", "over", "flat"]) b(["delete", "-f", id]);
    tool(["sh", "-c", `grep -o ' ${work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l || true`]);
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("three containers of one image share its layer directories; each writes only to its own upper", async () => {
    for (const id of ["n0", "n1", "n2"]) expect(b(["run", "-d", "--image", "app:1", id, "-c", `echo ${id} > /work/mine; sleep 1000`]).stderr).toBe("");
    const layers = readdirSync(join(store(), "layers"));
    expect(layers).toHaveLength(4);
    expect(await waitFor(() => ["n0", "n1", "n2"].every((id) => existsSync(join(store(), "containers", id, "upper/work/mine"))))).toBe(true);
    for (const id of ["n0", "n1", "n2"]) expect(readFileSync(join(store(), "containers", id, "upper/work/mine"), "utf8")).toBe(`${id}\n`);
    for (const l of layers) expect(existsSync(join(store(), "layers", l, "work/mine"))).toBe(false);
    expect(JSON.parse(b(["image", "ls", "--json"]).stdout)[0].containers.sort()).toEqual(["n0", "n1", "n2"]);
    // gc leaves what running containers use, even with no name left.
    expect(b(["image", "rm", "app:1"]).code).toBe(0);
    expect(JSON.parse(b(["image", "gc", "--json"]).stdout)).toMatchObject({ blobs: [], layers: [], containers: [] });
    for (const id of ["n0", "n1", "n2"]) expect(b(["delete", "-f", id]).code).toBe(0);
    expect(readdirSync(join(store(), "containers"))).toEqual([]);
    expect(mounts()).not.toContain(join(store(), "containers"));
    const gc = JSON.parse(b(["image", "gc", "--json"]).stdout);
    expect(gc.layers).toHaveLength(4);
    expect(readdirSync(join(store(), "blobs/sha256"))).toEqual([]);
    expect(b(["image", "import", join(work, "layout"), "--name", "app:1"]).code).toBe(0);
  });

  test("the image config with overrides: args, env, memory; labels and the stop signal as annotations", async () => {
    expect(b(["run", "-d", "--image", "app:1", "-e", "GREETING=hey", "-e", "EXTRA=1", "-m", "64M", "over", "-c", "echo $GREETING $EXTRA > /work/out; sleep 1000"]).stderr).toBe("");
    const state = JSON.parse(b(["state", "over"]).stdout);
    expect(state.annotations).toMatchObject({ "org.example.team": "edge", "org.opencontainers.image.stopSignal": "SIGINT", "org.bunker.image.name": "docker.io/library/app:1" });
    const config = JSON.parse(readFileSync(join(store(), "containers/over/config.json"), "utf8"));
    expect(config.process).toMatchObject({ args: ["/bin/sh", "-c", "echo $GREETING $EXTRA > /work/out; sleep 1000"], cwd: "/app", user: { uid: 1000, gid: 1000, additionalGids: [2000] } });
    expect(config.process.env).toContain("GREETING=hey");
    expect(config.linux.resources.memory.limit).toBe(64 * 1024 * 1024);
    expect(config.mounts.at(-1)).toMatchObject({ destination: "/vol", type: "bind" });
    expect(readFileSync(join(store(), "containers/over/volumes/0/seed"), "utf8")).toBe("from the image\n");
    expect(await waitFor(() => existsSync(join(store(), "containers/over/upper/work/out")))).toBe(true);
    expect(readFileSync(join(store(), "containers/over/upper/work/out"), "utf8")).toBe("hey 1\n");
    expect(b(["delete", "-f", "over"]).code).toBe(0);
  });

  test("a create --image that fails leaves no mount, upper directory, bundle, use or state", () => {
    const other = join(work, "other-store");
    expect(b(["create", "--image", "app:1", "dup"]).code).toBe(0);
    const r = bunker(root, ["--journal", "none", "--images", other, "image", "import", join(work, "layout"), "--name", "app:1"]);
    expect(r.code).toBe(0);
    const failed = bunker(root, ["--journal", "none", "--images", other, "create", "--image", "app:1", "dup"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe("bunker: Container 'dup' already exists");
    expect(readdirSync(join(other, "containers"))).toEqual([]);
    expect(mounts()).not.toContain(other);
    expect(JSON.parse(bunker(root, ["--images", other, "image", "ls", "--json"]).stdout)[0].containers).toEqual([]);
    expect(b(["delete", "-f", "dup"]).code).toBe(0);
    expect(b(["run", "--image", "app:1", "--bundle", ".", "x"]).stderr).toContain("--image makes the bundle: it does not go with --bundle");
    expect(b(["run", "--image", "nope:1", "x"]).stderr.trim()).toBe(`bunker: Image 'nope:1' is not in the image store '${store()}' (see 'bunker image ls')`);
    expect(readdirSync(join(store(), "containers"))).toEqual([]);
  });

  test("without overlayfs the root is a flattened copy, said so, and removed with the container", () => {
    const env = { BUNKER_TEST_NO_OVERLAY: "1" };
    const r = b(["run", "-d", "--image", "app:1", "flat", "-c", "ls /data; sleep 1000"], env);
    expect(r.stderr).toBe("bunker: overlayfs is not available here: the root of 'flat' is a copy of the image\n");
    expect(mounts()).not.toContain(join(store(), "containers/flat"));
    expect(readdirSync(join(store(), "containers/flat/rootfs/data"))).toEqual(["new"]);
    expect(existsSync(join(store(), "containers/flat/rootfs/etc/motd"))).toBe(false);
    expect(b(["delete", "-f", "flat"]).code).toBe(0);
    expect(existsSync(join(store(), "containers/flat"))).toBe(false);
  });

  test("pinned images (running, last-known-good) are never collected; unpinned and unnamed, they are", () => {
    const digest = JSON.parse(b(["image", "inspect", "--json", "app:1"]).stdout).digest;
    expect(b(["image", "pin", "running", "app:1"]).code).toBe(0);
    expect(b(["image", "pin", "last-known-good", digest]).code).toBe(0);
    expect(b(["image", "rm", "app:1"]).code).toBe(0);
    expect(JSON.parse(b(["image", "gc", "--json"]).stdout).blobs).toEqual([]);
    expect(b(["run", "--image", digest, "pinned"]).stdout.trim()).toBe("hi from 1000:1000 in /app");
    expect(b(["image", "unpin", "running"]).code).toBe(0);
    expect(JSON.parse(b(["image", "gc", "--json"]).stdout).blobs).toEqual([]);
    expect(b(["image", "unpin", "last-known-good", digest]).code).toBe(0);
    expect(JSON.parse(b(["image", "gc", "--json"]).stdout).blobs.length).toBeGreaterThan(0);
    expect(b(["image", "import", join(work, "layout"), "--name", "app:1"]).code).toBe(0);
  });

  test("after a reboot, resume mounts the roots again and brings the container back with its data", async () => {
    const journal = join(work, "journal");
    const j = (args: string[]) => bunker(root, ["--journal", journal, "--images", store(), ...args]);
    expect(j(["run", "-d", "--image", "app:1", "boot", "-c", "[ -f /work/seen ] && echo again >> /work/seen || echo first > /work/seen; sleep 1000"]).code).toBe(0);
    const upper = join(store(), "containers/boot/upper/work/seen");
    expect(await waitFor(() => existsSync(upper))).toBe(true);
    // The reboot: the processes and the overlay mount are gone, and so is the state root (tmpfs).
    tool(["kill", "-9", String(JSON.parse(j(["state", "boot"]).stdout).pid)]);
    tool(["umount", "-l", join(store(), "containers/boot/rootfs")]);
    rmSync(join(root, "boot"), { recursive: true, force: true });
    const r = j(["resume"]);
    expect(r.stdout).toContain("boot: started with its data as left on disk");
    expect(mounts()).toContain(join(store(), "containers/boot/rootfs"));
    expect(await waitFor(() => readFileSync(upper, "utf8") === "first\nagain\n")).toBe(true);
    expect(j(["delete", "-f", "boot"]).code).toBe(0);
    expect(existsSync(join(store(), "containers/boot"))).toBe(false);
  });

  test("image bundle writes a bundle runc runs", () => {
    const dir = join(work, "for-runc");
    expect(b(["image", "bundle", "app:1", dir, "-c", "echo from runc as $(id -u)"]).code).toBe(0);
    const p = Bun.spawnSync(["runc", "--root", join(work, "runc"), "run", `bunker-bundle-${process.pid}`], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    expect(p.stdout.toString()).toBe("from runc as 1000\n");
    expect(b(["image", "bundle", "app:1", dir]).stderr).toContain("is not empty");
  });
});
