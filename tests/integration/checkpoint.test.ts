// checkpoint / restore / resume through the compiled executable, with a container whose state is a bind mount.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";
import { until } from "../support/until.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP checkpoint: ${skip}`);
if (!Bun.which("strace")) console.log("SKIP checkpoint: the durable restore test needs strace (tests/setup/install.sh installs it)");

/** A container that keeps writing into /state, which the annotation marks as its state; `hooks` go into its config. */
const stateBundle = (hooks?: Record<string, { path: string }[]>): string => {
  const b = makeBundle(["sh", "-c", "echo started >> /state/log; while true; do sleep 1; done"], (c) => ({
    ...c,
    mounts: [...c.mounts, { destination: "/state", type: "bind", source: "state-data", options: ["rbind", "rw"] }],
    annotations: { "org.bunker.checkpoint.state": "/state" },
    ...(hooks ? { hooks } : {}),
  }));
  mkdirSync(join(b, "state-data"));
  return b;
};

const status = (root: string, id: string): string => JSON.parse(bunker(root, ["state", id]).stdout || "{}").status ?? "gone";

const read = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

/** Runs `id` from a state bundle, checkpoints it (which stops it) into `store`, and gives the checkpoint file. */
const checkpointedAndStopped = async (root: string, journal: string, store: string, bundle: string, id: string): Promise<string> => {
  expect(bunker(root, ["--journal", journal, "run", "-d", "--bundle", bundle, id]).code).toBe(0);
  await until(() => read(join(bundle, "state-data/log")).includes("started"), "the container to log");
  expect(bunker(root, ["--journal", journal, "checkpoint", "--store", store, id]).code).toBe(0);
  await until(() => status(root, id) === "stopped", "the container to stop");
  return join(store, readdirSync(store)[0]!);
};


describe.skipIf(!!skip)("checkpoint, restore and resume", () => {
  const dirs: string[] = [];
  const temp = (): string => {
    const d = mkdtempSync(join(tmpdir(), "bunker-ckpt-it-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("checkpoint --leave-running keeps it running; without, it stops; restore brings back the data and starts it", async () => {
    const [root, journal, store, bundle] = [newRoot(), temp(), temp(), stateBundle()];
    dirs.push(root, bundle);
    const log = join(bundle, "state-data/log");
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "keeper"]).code).toBe(0);
    await until(() => read(log).includes("started"), "the container to log");
    const first = bunker(root, ["checkpoint", "--leave-running", "--store", store, "--journal", journal, "--json", "keeper"]);
    expect(first.stderr).toBe("");
    expect(status(root, "keeper")).toBe("running");
    const file = JSON.parse(first.stdout).file as string;
    writeFileSync(log, "changed after the checkpoint\n");
    expect(bunker(root, ["checkpoint", "--store", store, "--journal", journal, "keeper"]).code).toBe(0);
    await until(() => status(root, "keeper") === "stopped", "the container to stop");
    expect(status(root, "keeper")).toBe("stopped");
    expect(readdirSync(store).length).toBe(2);

    const restored = bunker(root, ["restore", "--file", file, "--journal", journal, "keeper"]);
    expect(restored.stderr).toBe("");
    expect(status(root, "keeper")).toBe("running");
    await until(() => read(log).split("\n").length > 2, "the container to log");
    expect(read(log)).toBe("started\nstarted\n");
    const inspected = JSON.parse(bunker(root, ["checkpoint", "inspect", "--json", join(journal, "journal")]).stdout);
    expect(inspected.records.map((r: { type: string }) => r.type)).toEqual(["created", "started", "desired"]);
    bunker(root, ["delete", "--force", "keeper"]);
  });

  test("resume after a lost root brings back what should run, as left on disk or rolled back", async () => {
    const [root, journal, store, bundle] = [newRoot(), temp(), temp(), stateBundle()];
    dirs.push(root, bundle);
    const log = join(bundle, "state-data/log");
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "app"]).code).toBe(0);
    await until(() => read(log).includes("started"), "the container to log");
    expect(bunker(root, ["checkpoint", "--store", store, "--journal", journal, "app"]).code).toBe(0);
    expect(bunker(root, ["restore", "--file", join(store, readdirSync(store)[0]!), "--journal", journal, "app"]).code).toBe(0);
    // A power cut: the container dies, and the root (tmpfs) is empty after the boot.
    bunker(root, ["kill", "app", "KILL"]);
    const booted = newRoot();
    dirs.push(booted);
    const r = bunker(booted, ["resume", "--journal", journal, "--store", store]);
    expect(r.stdout).toContain("shutdown: power cut or crash");
    expect(r.stdout).toContain("app: started with its data as left on disk");
    expect(status(booted, "app")).toBe("running");
    await until(() => read(log) === "started\nstarted\nstarted\n", "the container to log");
    expect(read(log)).toBe("started\nstarted\nstarted\n");

    bunker(booted, ["kill", "app", "KILL"]);
    const again = newRoot();
    dirs.push(again);
    const rolled = bunker(again, ["resume", "--journal", journal, "--store", store, "--rollback", "app"]);
    expect(rolled.stdout).toMatch(/app: rolled back to '.*\.bnkc' and started/);
    await until(() => read(log) === "started\nstarted\n", "the container to log");
    expect(read(log)).toBe("started\nstarted\n");
    bunker(again, ["delete", "--force", "app"]);
  });

  test("--journal none journals nothing: checkpoint and restore write no journal, resume refuses", async () => {
    const [root, store, work, bundle] = [newRoot(), temp(), temp(), stateBundle()];
    dirs.push(root, bundle);
    const none = ["--journal", "none"];
    try {
      expect(bunker(root, [...none, "run", "-d", "--bundle", bundle, "quiet"]).code).toBe(0);
      await until(() => read(join(bundle, "state-data/log")).includes("started"), "the container to log");
      const ckpt = bunker(root, [...none, "checkpoint", "--journal", "none", "--store", store, "quiet"], { cwd: work });
      expect([ckpt.code, ckpt.stderr]).toEqual([0, ""]);
      const restored = bunker(root, [...none, "restore", "--journal", "none", "--file", join(store, readdirSync(store)[0]!), "quiet"], { cwd: work });
      expect([restored.code, restored.stderr]).toEqual([0, ""]);
      // Neither the root's journal nor a directory named after the flag's value.
      expect(existsSync(join(root, "journal"))).toBe(false);
      expect(readdirSync(work)).toEqual([]);
      const resumed = bunker(root, [...none, "resume"]);
      expect(resumed.code).toBe(2);
      expect(resumed.stderr).toContain("'resume' recovers the state journal: name it with --journal DIR");
    } finally {
      bunker(root, [...none, "delete", "--force", "quiet"]);
    }
  });

  // Found on the emulated board: a counter migrated into a new bundle, a power cut 11 s later, and at boot the bundle's
  // config.json was empty (written, renamed, never synced), so resume could not bring the container back.
  test.skipIf(!Bun.which("strace"))("restore writes the bundle's config.json durably: synced before its rename, the directory after", async () => {
    const [root, journal, store, bundle, trace] = [newRoot(), temp(), temp(), stateBundle(), temp()];
    dirs.push(root, bundle);
    try {
      const file = await checkpointedAndStopped(root, journal, store, bundle, "mover");
      const log = join(trace, "strace");
      const traced = Bun.spawnSync(["strace", "-qq", "-o", log, "-e", "trace=openat,fsync,fdatasync,rename,renameat,renameat2", BIN, "--root", root, "--journal", journal, "restore", "--file", file, "mover"], { stdout: "ignore", stderr: "pipe" });
      expect([traced.exitCode, traced.stderr.toString()]).toEqual([0, ""]);
      const calls = readFileSync(log, "utf8").split("\n");
      const config = join(bundle, "config.json");
      const open = calls.findIndex((l) => l.includes(`"${config}.tmp"`) && /openat\(/.test(l));
      const fd = /= (\d+)$/.exec(calls[open] ?? "")?.[1];
      const renamed = calls.findIndex((l) => /rename/.test(l) && l.includes(`"${config}.tmp"`) && l.includes(`"${config}"`));
      expect({ open: open >= 0, fd: fd !== undefined, renamed: renamed > open }).toEqual({ open: true, fd: true, renamed: true });
      const synced = calls.slice(open, renamed).some((l) => new RegExp(`f(data)?sync\\(${fd}\\)`).test(l));
      const dirFds = calls.slice(renamed).flatMap((l) => (l.includes(`"${bundle}"`) && /openat\(/.test(l) ? [/= (\d+)$/.exec(l)?.[1]] : []));
      const dirSynced = calls.slice(renamed).some((l) => dirFds.some((d) => d && new RegExp(`f(data)?sync\\(${d}\\)`).test(l)));
      expect({ synced, dirSynced }).toEqual({ synced: true, dirSynced: true });
      expect(status(root, "mover")).toBe("running");
    } finally {
      bunker(root, ["--journal", journal, "delete", "--force", "mover"]);
    }
  });

  test("restore's warnings reach stderr without --log", async () => {
    const [root, journal, store, bundle] = [newRoot(), temp(), temp(), stateBundle({ poststart: [{ path: "/bin/false" }] })];
    dirs.push(root, bundle);
    try {
      const file = await checkpointedAndStopped(root, journal, store, bundle, "hooked");
      const restored = bunker(root, ["--journal", journal, "restore", "--file", file, "hooked"]);
      expect(restored.code).toBe(0);
      expect(restored.stderr).toContain("bunker: warning: poststart hook '/bin/false' failed: exit status 1");
    } finally {
      bunker(root, ["--journal", journal, "delete", "--force", "hooked"]);
    }
  });
});
