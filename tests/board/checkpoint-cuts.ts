// Real power cuts on the emulated board (issue 5): boot on a disk image, run a journal-heavy or checkpoint-writing
// workload, kill -9 QEMU at a random moment, boot again, run `bunker resume` and the workload's own check, and hold
// the recovered state to the invariants of the unit tests: every commit the console announced is present, and the
// state is one that existed (the state after its own change number, replayed on the host) plus exactly what resume
// itself recorded (its one `resumed` record: nothing in this workload should run).
// usage: bun tests/board/checkpoint-cuts.ts [--journal-cuts N] [--ckpt-cuts N] [--seed S]
// tests/run.sh runs 3 + 2 cuts with a fresh seed; `npm run test:power-cuts` the full count (20 + 10).
import { copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { BUILD_DIR, prepareBase } from "../../board/assemble.ts";
import { makeExt4Image } from "../../board/disk-image.ts";
import { buildMinimalTree } from "../../board/disk-tree.ts";
import { runJob } from "../../board/job.ts";
import { loadProfile } from "../../board/profile.ts";
import { rng } from "../../runtime/durable/fault-storage.ts";
import { applyChange, deviceState, emptyModel, type DeviceState } from "../../runtime/durable/lifecycle.ts";
import { changeAt } from "./checkpoint-cut-workload.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const journalCuts = opt("--journal-cuts", 20);
const ckptCuts = opt("--ckpt-cuts", 10);
const seed = opt("--seed", Date.now() % 100000);
const rand = rng(seed);

const WORK = join(BUILD_DIR, "checkpoint-cuts");
const BIN = "/opt/bunker/bin";
const JOURNAL = "/var/lib/bunker/cut-journal";
const STORE = "/var/lib/bunker/cut-store";
const log = (line: string): void => console.error(`checkpoint-cuts: ${line}`);

const compile = (entry: string, out: string): void => {
  const p = Bun.spawnSync([process.execPath, "build", "--compile", "--minify", "--target=bun-linux-arm64", entry, "--outfile", out], { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`Compile '${entry}' for arm64: ${p.stderr.toString().trim()}`);
};

/** Change numbers that `bunker resume` took for its own `resumed` record; the guest's workload skips them. */
const resumedAt = new Set<number>();

/** The state after change `n` of the journal: the guest's sequence, with resume's records where they fell. */
const expectedState = (n: number): DeviceState => {
  const model = emptyModel();
  for (let i = 1; i <= n; i++) if (!resumedAt.has(i)) applyChange(model, changeAt(i));
  return deviceState(n, model);
};

const lastNumber = (lines: { text: string }[], re: RegExp): number =>
  lines.reduce((n, l) => {
    const m = re.exec(l.text);
    return m ? Number(m[1]) : n;
  }, 0);

const payload = (lines: { text: string }[], tag: string): unknown => {
  const l = lines.find((x) => x.text.startsWith(`${tag} `));
  if (!l) throw new Error(`the check printed no '${tag}' line`);
  return JSON.parse(l.text.slice(tag.length + 1));
};

const main = async (): Promise<void> => {
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  rmSync(WORK, { recursive: true, force: true });
  const tree = join(WORK, "tree");
  buildMinimalTree(tree, base.packages["busybox-static"]);
  cpSync(join(base.packages.libc6, "lib"), join(tree, "lib"), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(tree, BIN.slice(1)), { recursive: true });
  log("compiling bunker and the workload for arm64");
  compile(join(import.meta.dir, "../../runtime/entry.ts"), join(tree, BIN.slice(1), "bunker"));
  compile(join(import.meta.dir, "checkpoint-cut-guest.ts"), join(tree, BIN.slice(1), "cut-guest"));
  const disk = join(WORK, "disk.img");
  makeExt4Image(tree, disk, profile.storage.sizeMiB);
  copyFileSync(disk, `${disk}.pristine`);

  log(`seed ${seed} (--seed ${seed} repeats this run's cut moments)`);
  const failures: string[] = [];
  /** No recovery may come back below a change some earlier boot announced or recovered. */
  let floor = 0;
  let cuts = 0;
  let boot = 0;
  const cutOnce = async (kind: "journal" | "ckpt", i: number): Promise<void> => {
    const run = kind === "journal" ? `cut-guest journal-run ${JOURNAL}` : `cut-guest ckpt-run ${STORE} /var/lib/bunker/cut-tree`;
    const ready = kind === "journal" ? /^CUT-RECOVERED/ : /^CUT-CKPT-START/;
    const delayMs = Math.floor(rand() * (kind === "journal" ? 4000 : 6000));
    const first = await runJob({ profile, base, disk, script: run, name: `ckpt-cut-${++boot}`, cut: { line: ready, delayMs } });
    if (!first.cut) throw new Error(`${kind} cut ${i}: the workload ended by itself`);
    cuts++;
    const check =
      kind === "journal"
        ? `bunker resume --journal ${JOURNAL}; cut-guest journal-check ${JOURNAL}`
        : `cut-guest ckpt-check ${STORE}`;
    const second = await runJob({ profile, base, disk, script: check, name: `ckpt-cut-${++boot}` });
    if (process.env.CUT_DEBUG) for (const l of second.lines) log(`boot ${boot}: ${l.text}`);
    const resumeOut = second.lines.filter((l) => /^(shutdown|journal):/.test(l.text)).map((l) => l.text);
    if (kind === "journal") {
      const announced = lastNumber(first.lines, /^CUT-COMMITTED (\d+)/);
      const found = payload(second.lines, "CUT-STATE") as { state: DeviceState; recovery: { dropped?: { bytes: number } } };
      // What resume recovered (its report's last change), and the state after its own record.
      const recovered = lastNumber(second.lines, /^journal: .*, last change #(\d+)\s*$/);
      const seq = found.state.seq;
      floor = Math.max(floor, announced);
      const existed = expectedState(recovered);
      const problem =
        recovered < floor
          ? `change ${floor} was committed, recovery found only ${recovered}`
          : seq !== recovered + 1
            ? `bunker resume recovered #${recovered} and left #${seq}: it must record exactly its own 'resumed' change`
            : !isDeepStrictEqual(found.state.containers, existed.containers)
              ? `the state at ${recovered} never existed (or resume changed a container)`
              : undefined;
      resumedAt.add(recovered + 1);
      floor = Math.max(floor, seq);
      log(`journal cut ${i}: cut ${first.cutAtMs} ms into the boot, last announced #${announced}, recovered #${recovered}, after resume #${seq}; bunker resume: ${resumeOut.join(" | ")}${problem ? `: FAILED: ${problem}` : ""}`);
      if (problem) failures.push(`journal cut ${i}: ${problem}`);
    } else {
      const done = lastNumber(first.lines, /^CUT-CKPT-DONE (\d+)/);
      const files = payload(second.lines, "CUT-CKPTS") as { n: number; ok: boolean; why?: string }[];
      const bad = files.filter((f) => !f.ok);
      const missing = Array.from({ length: done }, (_, k) => k + 1).filter((n) => !files.some((f) => f.n === n));
      const problem = bad.length ? `unreadable checkpoints: ${JSON.stringify(bad)}` : missing.length ? `announced checkpoints missing: ${missing.join(",")}` : undefined;
      log(`checkpoint cut ${i}: cut ${first.cutAtMs} ms into the boot, last announced #${done}, ${files.length} files all readable${problem ? `: FAILED: ${problem}` : ""}`);
      if (problem) failures.push(`checkpoint cut ${i}: ${problem}`);
    }
  };
  for (let i = 1; i <= journalCuts; i++) await cutOnce("journal", i);
  for (let i = 1; i <= ckptCuts; i++) await cutOnce("ckpt", i);
  console.log(`board power cuts: ${cuts} (journal ${journalCuts}, checkpoint ${ckptCuts}, seed ${seed}), failures ${failures.length}`);
  for (const f of failures) console.log(`  ${f}`);
  console.log(`${cuts - failures.length} passed, ${failures.length} failed`);
  process.exitCode = failures.length ? 1 : 0;
};

await main();
