// Concurrent deletes and creates of one container ID (issue 9): one command at a time acts on a container, a delete
// acts only on the container that was there when it began, and the loser of a race gets a clear answer.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason, type Result } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP delete-race: ${skip}`);

const TRIALS = 15;

describe.skipIf(!!skip)("a race on one container ID", () => {
  const root = newRoot();
  const work = mkdtempSync(join(tmpdir(), "bunker-race-"));
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  const dir = (name: string): string => {
    mkdirSync(join(work, name));
    return join(work, name);
  };
  let runs = 0;
  /** bunker without waiting, its stderr through a file: a created container's stage holds bunker's stdio. */
  const run = async (args: string[]): Promise<Result> => {
    const err = join(work, `stderr-${runs++}`);
    const fd = openSync(err, "w");
    try {
      const code = await Bun.spawn([BIN, "--root", root, ...args], { stdout: "ignore", stderr: fd, stdin: "ignore" }).exited;
      return { code, stdout: "", stderr: readFileSync(err, "utf8") };
    } finally {
      closeSync(fd);
      rmSync(err);
    }
  };
  /** What a delete that lost the race may say: done (a forced delete of nothing, as runc), or that it is gone. */
  const lostCleanly = (r: Result, id: string): boolean => r.code === 0 || (r.code === 1 && r.stderr === `bunker: Container '${id}' does not exist\n`);

  test("two concurrent delete --force: the container's poststop hooks run once, and the loser is told", async () => {
    const log = join(work, "poststop.log");
    const bundle = makeBundle(["sleep", "100"], (c) => ({ ...c, hooks: { poststop: [{ path: "/bin/sh", args: ["sh", "-c", `echo x >> ${log}`] }] } }), dir("hooked"));
    for (let i = 0; i < TRIALS; i++) {
      const id = `twice-${i}`;
      expect(bunker(root, ["create", "--bundle", bundle, id]).stderr).toBe("");
      const [a, b] = await Promise.all([run(["delete", "--force", id]), run(["delete", "--force", id])]);
      expect([a, b].filter((r) => r.code === 0 && r.stderr === "").length).toBeGreaterThanOrEqual(1);
      expect(lostCleanly(a, id) && lostCleanly(b, id)).toBe(true);
      expect(existsSync(join(root, id))).toBe(false);
    }
    expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toHaveLength(TRIALS);
  }, 120_000);

  /** The flocks on `path` in /proc/locks: how many are held and how many wait ("->" lines). */
  const flocksOn = (path: string): { held: number; waiting: number } => {
    if (!existsSync(path)) return { held: 0, waiting: 0 };
    const ino = String(statSync(path).ino);
    const lines = readFileSync("/proc/locks", "utf8").split("\n").filter((l) => l.split(/\s+/).some((f) => f.endsWith(`:${ino}`)));
    const waiting = lines.filter((l) => l.includes("->")).length;
    return { held: lines.length - waiting, waiting };
  };

  test("a delete racing another never tears down the container a create makes under the same ID right after", async () => {
    const id = "again";
    const fresh = makeBundle(["sleep", "100"], (c) => c, dir("fresh"));
    // The winner's poststop hook (run under its lock, after the state is gone) makes a new container under the same
    // ID: the loser, which read the old one before it waited for the lock, must leave the new one alone.
    const bundle = makeBundle(["sleep", "100"], (c) => ({ ...c, hooks: { poststop: [{ path: "/bin/sh", args: ["sh", "-c", `exec ${BIN} --root ${root} create --bundle ${fresh} ${id} </dev/null >/dev/null 2>&1`] }] } }), dir("stale"));
    expect(bunker(root, ["create", "--bundle", bundle, id]).stderr).toBe("");
    const lockFile = join(root, id, ".lock");
    // Hold the container's lock until both deletes have read the container and wait for it.
    const gate = join(work, "gate");
    const holder = Bun.spawn(["flock", lockFile, "sh", "-c", `i=0; until [ -e ${gate} ] || [ $i -ge 3000 ]; do sleep 0.01; i=$((i+1)); done`], { stdin: "ignore" });
    for (let i = 0; i < 1000 && flocksOn(lockFile).held < 1; i++) await Bun.sleep(10);
    const first = run(["delete", "--force", id]);
    const stale = run(["delete", "--force", id]);
    for (let i = 0; i < 3000 && flocksOn(lockFile).waiting < 2; i++) await Bun.sleep(10);
    expect(flocksOn(lockFile)).toEqual({ held: 1, waiting: 2 });
    closeSync(openSync(gate, "w"));
    await holder.exited;
    const [a, b] = await Promise.all([first, stale]);
    expect([a, b].filter((r) => r.code === 0 && r.stderr === "")).toHaveLength(2);
    const state = bunker(root, ["state", id]);
    expect(state.stderr).toBe("");
    expect(JSON.parse(state.stdout).status).toBe("created");
    expect(lostCleanly(await run(["delete", "--force", id]), id)).toBe(true);
  }, 120_000);

  test("a create whose --pid-file cannot be written leaves no created record in the journal", async () => {
    const journal = join(work, "journal");
    const r = bunker(root, ["--journal", journal, "create", "--pid-file", join(work, "no-such-dir", "pid"), "--bundle", makeBundle(["true"], (c) => c, dir("pidfile")), "pidfail"]);
    expect(r.code).toBe(1);
    expect(existsSync(join(root, "pidfail"))).toBe(false);
    const { openStateJournal } = await import("../../runtime/durable/journal.ts");
    const j = openStateJournal(journal);
    try {
      expect(j.state().containers.pidfail).toBeUndefined();
    } finally {
      j.close();
    }
  });
});
