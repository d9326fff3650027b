// Attacks of a hostile image rootfs or volume on the host (issue 9, items 3 and 6), each against the compiled
// executable: nothing bunker creates, removes or mounts may land outside the container's root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { IN_ROOT_WALK_ENV } from "../../runtime/rootfs/in-root.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP hostile-rootfs: ${skip}`);

const DEV_NAMES = ["null", "zero", "full", "random", "urandom", "tty", "stdin", "stdout", "stderr", "fd", "ptmx", "core", "pts", "shm", "mqueue"];
const RACE_RUNS = 12;
const RACE_MOUNTS = 12;

/** A host directory holding one regular file per name, to see whether anything there is removed or replaced. */
const victimDir = (dir: string): string => {
  mkdirSync(dir, { recursive: true });
  for (const n of DEV_NAMES) writeFileSync(join(dir, n), `host file ${n}\n`);
  return dir;
};

/** What is in a directory: names with their type and, for files, content. */
const snapshot = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .map((n) => {
      const st = lstatSync(join(dir, n));
      return st.isFile() ? `${n}: ${readFileSync(join(dir, n), "utf8").trim()}` : `${n}: mode ${st.mode.toString(8)}`;
    });

describe.skipIf(!!skip)("a hostile rootfs cannot reach the host", () => {
  const root = newRoot();
  const base = mkdtempSync(join(tmpdir(), "hostile-"));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(base, { recursive: true, force: true });
  });

  test("the stage resolves by openat2 here, and by the component walk when the tests force it", () => {
    const bundle = makeBundle(["true"], (c) => c, join(base, "resolver"));
    expect(bunker(root, ["--debug", "run", "--bundle", bundle, "resolver1"]).stderr).toContain("paths in the rootfs resolved by openat2");
    process.env[IN_ROOT_WALK_ENV] = "1";
    try {
      expect(bunker(root, ["--debug", "run", "--bundle", bundle, "resolver2"]).stderr).toContain("paths in the rootfs resolved by walk");
    } finally {
      delete process.env[IN_ROOT_WALK_ENV];
    }
  });

  for (const resolver of ["openat2", "walk"] as const) {
    describe(`(${resolver})`, () => {
      beforeAll(() => {
        if (resolver === "walk") process.env[IN_ROOT_WALK_ENV] = "1";
      });
      afterAll(() => {
        delete process.env[IN_ROOT_WALK_ENV];
      });

      for (const kind of ["absolute", "relative"] as const) {
        test(`rootfs/dev as a ${kind} symlink to a host directory: a default run leaves that directory as it was`, () => {
          const dir = join(base, `dev-${kind}-${resolver}`);
          const victim = victimDir(join(dir, "victim"));
          const before = snapshot(victim);
          const bundle = makeBundle(["true"], (c) => c, join(dir, "bundle"));
          rmSync(join(bundle, "rootfs/dev"), { recursive: true });
          symlinkSync(kind === "absolute" ? victim : "../../victim", join(bundle, "rootfs/dev"));
          const r = bunker(root, ["run", "--bundle", bundle, `dev-${kind}-${resolver}`]);
          expect(snapshot(victim)).toEqual(before);
          expect(r.stderr).toBe("");
          expect(r.code).toBe(0);
        });
      }

      test("a volume holding a symlink to a host directory: a later mount below it is made inside the rootfs", () => {
        const dir = join(base, `volume-${resolver}`);
        const victim = victimDir(join(dir, "victim"));
        const before = snapshot(victim);
        const vol = join(dir, "vol");
        mkdirSync(vol);
        symlinkSync(victim, join(vol, "x"));
        const bundle = makeBundle(["sh", "-c", "cat /proc/self/mountinfo; echo ---; ls /v/x"], (c) => ({
          ...c,
          mounts: [
            ...c.mounts,
            { destination: "/v", type: "bind", source: vol, options: ["rbind"] },
            { destination: "/v/x/y", type: "tmpfs", source: "tmpfs", options: ["size=64k"] },
            { destination: "/v/x/file", type: "bind", source: join(dir, "victim/null"), options: ["bind", "ro"] },
          ],
        }), join(dir, "bundle"));
        const r = bunker(root, ["run", "--bundle", bundle, `volume-${resolver}`]);
        expect(snapshot(victim)).toEqual(before);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        // Inside the container the symlink resolves in its own root, where the mounts are.
        expect(r.stdout).toContain(` ${victim}/y `);
        expect(r.stdout.split("---\n")[1]).toBe("file\ny\n");
      });

      test("a missing cwd behind a symlink to a host directory is created inside the rootfs", () => {
        const dir = join(base, `cwd-${resolver}`);
        const victim = victimDir(join(dir, "victim"));
        const before = snapshot(victim);
        const bundle = makeBundle(["sh", "-c", "pwd"], (c) => ({ ...c, process: { ...c.process, cwd: "/work/app" } }), join(dir, "bundle"));
        symlinkSync(victim, join(bundle, "rootfs/work"));
        const r = bunker(root, ["run", "--bundle", bundle, `cwd-${resolver}`]);
        expect(r.stderr).toBe("");
        // The container sees the link resolved in its own root: the host path, inside the rootfs.
        expect(r.stdout).toBe(`${victim}/app\n`);
        expect(snapshot(victim)).toEqual(before);
      });

      test("linux.devices[].path leaving /dev is refused, naming the field and index, and creates nothing", () => {
        const dir = join(base, `devpath-${resolver}`);
        const bundle = makeBundle(["true"], (c) => ({
          ...c,
          linux: { ...c.linux, devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }, { path: "/dev/../../x", type: "c", major: 1, minor: 3 }] },
        }), join(dir, "bundle"));
        const r = bunker(root, ["run", "--bundle", bundle, `devpath-${resolver}`]);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe("bunker: Invalid config.json: /linux/devices/1/path: Must be under /dev: '/dev/../../x'\n");
        expect(readdirSync(bundle).sort()).toEqual(["config.json", "rootfs"]);
        expect(readdirSync(dir)).toEqual(["bundle"]);
      });

      test(`a directory and a symlink swapped while the stage mounts (CVE-2021-30465 pattern), ${RACE_RUNS} runs x ${RACE_MOUNTS} mounts: nothing outside the rootfs`, async () => {
        const dir = join(base, `race-${resolver}`);
        const victim = join(dir, "victim");
        mkdirSync(victim, { recursive: true });
        const vol = join(dir, "vol");
        mkdirSync(join(vol, "a"), { recursive: true });
        symlinkSync(victim, join(vol, "a.link"));
        const src = join(dir, "src");
        mkdirSync(src);
        writeFileSync(join(src, "file"), "volume file\n");
        const mounts = Array.from({ length: RACE_MOUNTS }, (_, i) =>
          i % 2 ? { destination: `/v/a/m${i}`, type: "tmpfs", source: "tmpfs", options: ["size=16k"] } : { destination: `/v/a/f${i}`, type: "bind", source: join(src, "file"), options: ["bind"] },
        );
        const bundle = makeBundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/v", type: "bind", source: vol, options: ["rbind"] }, ...mounts] }), join(dir, "bundle"));
        const racer = Bun.spawn([process.execPath, join(import.meta.dir, "../support/swap-race.ts"), vol, "a", "a.link"], { stdout: "pipe", stderr: "inherit" });
        const outcomes = { ok: 0, failed: 0 };
      const lost = new Set<string>();
        try {
          const reader = racer.stdout.getReader();
          await reader.read();
          reader.releaseLock();
          for (let i = 0; i < RACE_RUNS; i++) {
            const r = bunker(root, ["run", "--bundle", bundle, `race${i}-${resolver}`]);
            outcomes[r.code === 0 ? "ok" : "failed"]++;
          if (r.code !== 0) lost.add(r.stderr.replace(/\d+/g, "N").trim());
            bunker(root, ["delete", "--force", `race${i}-${resolver}`]);
          }
        } finally {
          racer.kill(9);
          await racer.exited;
        }
        console.log(`race (${resolver}): ${outcomes.ok} runs succeeded, ${outcomes.failed} failed (a lost race may fail a run; it must never escape)`, [...lost]);
        expect(readdirSync(victim)).toEqual([]);
      });
    });
  }
});
