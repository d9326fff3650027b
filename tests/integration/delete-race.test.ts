// Concurrent deletes and creates of one container ID (issue 9): one command at a time acts on a container, a delete
// acts only on the container that was there when it began, and the loser of a race gets a clear answer.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
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

  test("a delete racing another never tears down the container a create makes under the same ID right after", async () => {
    const bundle = makeBundle(["sleep", "100"], (c) => c, dir("plain"));
    let fresh = 0;
    for (let i = 0; i < TRIALS; i++) {
      const id = "again";
      expect(bunker(root, ["create", "--bundle", bundle, id]).stderr).toBe("");
      const first = run(["delete", "--force", id]);
      const stale = run(["delete", "--force", id]);
      // As soon as one delete is done, a fresh container under the same ID.
      const made = Promise.race([first, stale]).then(() => run(["create", "--bundle", bundle, id]));
      const [, , create] = await Promise.all([first, stale, made]);
      if (create.code === 0) {
        fresh++;
        const state = JSON.parse(bunker(root, ["state", id]).stdout);
        expect(state.status).toBe("created");
      }
      expect(lostCleanly(await run(["delete", "--force", id]), id)).toBe(true);
    }
    expect(fresh).toBeGreaterThan(0);
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
