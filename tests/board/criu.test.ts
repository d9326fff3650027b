// Process checkpoints on the emulated board, four scenarios over four boots of two boards (about 8 minutes; more cuts:
// `npm run test:board:criu-cuts`). Board A: a counter checkpointed and stopped, another checkpointed and left running;
// the board reboots (the kernel-upgrade case: same disk, new boot); `resume` brings back the second by its policy and
// the first is restored by hand. Board B, booted from another disk: the first counter's checkpoint, carried over,
// restores there; then a checkpoint of it completes and the power is cut in the middle of the next one; after the
// boot the completed one is intact and `resume` brings the counter back from it. On board A, a counter in a network
// namespace made outside it is checkpointed and restored into that namespace.
// A counter reading is "TOKEN N": the token is drawn at the counter's first start and lives only in its memory.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFromImage, writeToImage } from "../../board/disk-files.ts";
import { rng } from "../../runtime/durable/fault-storage.ts";
import { Boards, breakCheckpoint, CARRIED, cannotRun, outcome, type Phase, reading } from "./criu-boards.ts";

const why = cannotRun();
if (why) console.log(`skip: process checkpoint scenarios: ${why}`);

const BOOTS_MS = 40 * 60_000;

interface Written {
  file: string;
  processes?: { dumpMs: number; imageBytes: number };
}
interface Restored {
  pid: number;
  processes: boolean;
}
interface Resumed {
  containers: { id: string; action: string; error?: string }[];
  leftovers: string[];
}

/** The readings of a container in a phase, in order. */
const readings = (p: Phase, id: string) => p.all("count", id).map(reading);

/** The counter goes on: every reading has `token`, none is below `from`, and the last is above the first. */
const expectGoesOn = (p: Phase, id: string, token: string, from: number): void => {
  const seen = readings(p, id);
  expect(seen.length).toBeGreaterThanOrEqual(2);
  for (const r of seen) expect(r).toMatchObject({ token });
  expect(seen[0]!.n).toBeGreaterThanOrEqual(from);
  expect(seen.at(-1)!.n).toBeGreaterThan(seen[0]!.n);
};

describe.skipIf(why !== undefined)("process checkpoints on the emulated board", () => {
  const boards = why ? undefined! : new Boards((l) => console.log(`criu: ${l}`));
  const host = mkdtempSync(join(tmpdir(), "bunker-criu-"));
  afterAll(() => rmSync(host, { recursive: true, force: true }));
  const seed = Number(process.env.CRIU_SEED ?? Date.now() % 100_000);
  console.log(`criu: seed ${seed} (CRIU_SEED=${seed} repeats this run's power cut moment)`);
  let a1: Phase, a2: Phase, b1: Phase;
  let diskB: string;

  test("(1) a counter checkpointed, the board rebooted (kernel-upgrade case), restored: it counts on in a container bunker owns", async () => {
    const diskA = boards.disk("a");
    a1 = await boards.phase(diskA, "a1");
    // Beside the good checkpoint, a copy whose process tree image is garbage: its restore must fail without a trace.
    readFromImage(diskA, CARRIED, join(host, "c1.bnkc"));
    breakCheckpoint(join(host, "c1.bnkc"), join(host, "broken.bnkc"));
    writeToImage(diskA, join(host, "broken.bnkc"), CARRIED.replace("c1.bnkc", "broken.bnkc"));
    a2 = await boards.phase(diskA, "a2");
    const before = reading(a1.one("count", "c1"));
    const written = outcome<Written>(a1.one("checkpoint", "c1"));
    expect(written.rc).toBe(0);
    expect(written.json.processes!.imageBytes).toBeGreaterThan(0);
    expect(a1.one("status", "c1")).toBe("stopped");
    const broken = a2.one("restore", "broken");
    expect(broken).toStartWith("1 bunker: ");
    expect(broken).toContain("criu restore exited");
    expect(a2.one("left", "broken")).toBe("nothing");
    const restored = outcome<Restored>(a2.one("restore", "c1"));
    expect(restored).toMatchObject({ rc: 0, json: { processes: true } });
    const state = JSON.parse(a2.one("state", "c1"));
    expect(state).toMatchObject({ status: "running", pid: restored.json.pid });
    expect(state.pid).not.toBe(Number(a1.one("pid", "c1")));
    expectGoesOn(a2, "c1", before.token, before.n);
    // exec, kill and delete work on it, and the journal has it with its new pid.
    expect(reading(a2.one("exec", "c1")).token).toBe(before.token);
    expect(a2.one("kill", "c1")).toBe("0");
    expect(a2.one("status", "c1")).toBe("stopped");
    expect(a2.one("delete", "c1")).toBe("0");
    const journal = a2.one("journal", "c1");
    expect(journal).toContain(`{"kind":"started","id":"c1","pid":${restored.json.pid},`);
    expect(journal).toContain(`{"kind":"deleted","id":"c1"}`);
  }, BOOTS_MS);

  test("(3) resume at boot restores the latest process checkpoint of a container whose policy asks for it", () => {
    if (!a2) throw new Error("board A's boots did not run (see test 1)");
    const before = reading(a1.all("count", "c3")[0]!);
    expect(outcome<Written>(a1.one("checkpoint", "c3")).rc).toBe(0);
    expect(a1.one("status", "c3")).toBe("running");
    const resumed = JSON.parse(a2.one("resume", "-")) as Resumed;
    expect(resumed.containers.find((c) => c.id === "c3")).toMatchObject({ action: expect.stringMatching(/^processes restored from '\/var\/lib\/bunker\/checkpoints\/c3-\d+\.bnkc'$/) });
    expect(resumed.containers.find((c) => c.id === "c3")!.error).toBeUndefined();
    expect(a2.one("status", "c3")).toBe("running");
    expectGoesOn(a2, "c3", before.token, before.n);
  });

  test("a counter in a network namespace its config joins (as CNI makes them) is restored into that namespace", () => {
    if (!a2) throw new Error("board A's boots did not run (see test 1)");
    expect(a2.one("netns-made", "c4")).toBe("0");
    const before = reading(a2.one("count", "c4"));
    expect(outcome<Written>(a2.one("checkpoint", "c4")).rc).toBe(0);
    expect(a2.one("status", "c4")).toBe("stopped");
    expect(outcome<Restored>(a2.one("restore", "c4"))).toMatchObject({ rc: 0, json: { processes: true } });
    expectGoesOn(a2, "c4", before.token, before.n);
    const [inside, joined] = a2.one("netns", "c4").split(" ");
    expect(inside).toMatch(/^net:\[\d+\]$/);
    expect(inside).toBe(joined);
  });

  test("(2) migration: the checkpoint file copied to a second board booted from another disk restores there", async () => {
    if (!a1) throw new Error("board A's first boot did not run (see test 1)");
    diskB = boards.disk("b");
    writeToImage(diskB, join(host, "c1.bnkc"), CARRIED);
    // The power goes a moment after the second checkpoint starts (test 4 checks what it left).
    const delayMs = Math.floor(rng(seed)() * 1500);
    console.log(`criu: power cut ${delayMs} ms into the second checkpoint`);
    b1 = await boards.phase(diskB, "b1", { line: /^CRIU cut-point /, delayMs });
    const before = reading(a1.one("count", "c1"));
    const restored = outcome<Restored>(b1.one("restore", "c1"));
    expect(restored).toMatchObject({ rc: 0, json: { processes: true } });
    expect(JSON.parse(b1.one("state", "c1"))).toMatchObject({ status: "running", bundle: "/var/lib/bunker/migrated/counter" });
    expectGoesOn(b1, "c1", before.token, before.n);
  }, BOOTS_MS);

  test("(4) a power cut in the middle of a process checkpoint: after the boot the previous one is intact and resume restores it", async () => {
    if (!b1) throw new Error("board B's first boot did not run (see test 2)");
    expect(b1.job.cut).toBe(true);
    // The cut came before the second checkpoint returned.
    expect(b1.all("checkpoint2", "c1")).toEqual([]);
    const first = outcome<Written>(b1.one("checkpoint1", "c1"));
    expect(first.rc).toBe(0);
    const b2 = await boards.phase(diskB, "b2");
    const resumed = JSON.parse(b2.one("resume", "-")) as Resumed;
    expect(resumed.containers.find((c) => c.id === "c1")).toEqual({ id: "c1", action: `processes restored from '${first.json.file}'` });
    // What the cut left half-written (if its directory entries reached the disk before the cut) is gone.
    console.log(`criu: the store after the cut: ${b2.one("files", "-")}; resume removed: ${resumed.leftovers.join(", ") || "nothing"}`);
    expect(resumed.leftovers.every((l) => /\.bnkc\.(criu|tmp)$/.test(l))).toBe(true);
    expect(b2.one("status", "c1")).toBe("running");
    const token = reading(b1.all("count", "c1")[0]!).token;
    expectGoesOn(b2, "c1", token, reading(b1.all("count", "c1")[1]!).n);
    expect(reading(b2.one("exec", "c1")).token).toBe(token);
  }, BOOTS_MS);
});
