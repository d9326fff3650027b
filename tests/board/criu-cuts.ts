// Many power cuts in the middle of process checkpoints (`npm run test:board:criu-cuts -- --cuts N [--max-delay MS]
// [--seed S]`): on one board disk, each boot resumes the counter after the last cut, checks that it came back from
// the newest checkpoint that completed (the same counter: its token; its count not behind that checkpoint's), then
// checkpoints it once and cuts the next checkpoint short at a random moment after it starts (CRIU's dump, bunker's
// packing, or just after the write). N cuts take N + 1 boots (two to four minutes each on a loaded 2-core machine).
import { rng } from "../../runtime/durable/fault-storage.ts";
import { Boards, cannotRun, outcome, type Phase, reading } from "./criu-boards.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const cuts = opt("--cuts", 5);
const maxDelay = opt("--max-delay", 12_000);
const seed = opt("--seed", Date.now() % 100_000);
const log = (l: string): void => console.error(`criu-cuts: ${l}`);

const why = cannotRun();
if (why) {
  console.log(`criu-cuts: cannot run: ${why}`);
  process.exit(1);
}

const boards = new Boards(log);
const disk = boards.disk("cuts");
const rand = rng(seed);
const failures: string[] = [];
let token: string | undefined;
let previous: Phase | undefined;

/** What the boot after a cut must have found: the counter back from the newest checkpoint that completed. */
const check = (i: number, p: Phase, before: Phase): void => {
  const done = before.all("checkpoint2", "c1").length > 0;
  const newest = outcome<{ file: string }>(before.one(done ? "checkpoint2" : "checkpoint1", "c1")).json.file;
  const resumed = JSON.parse(p.one("resume", "-")) as { containers: { id: string; action: string; error?: string }[]; leftovers: string[] };
  const c1 = resumed.containers.find((c) => c.id === "c1");
  const counts = p.all("count", "c1").map(reading);
  const problem =
    c1?.action !== `processes restored from '${newest}'` ? `resume did: ${JSON.stringify(c1)} (wanted it back from '${newest}')`
    : counts.length < 2 || counts.some((c) => c.token !== token) ? `the counter is not the same one: ${JSON.stringify(counts)} (token ${token})`
    : counts.at(-1)!.n <= counts[0]!.n ? "the counter does not count on"
    : undefined;
  log(`cut ${i}: ${done ? "after the second checkpoint was written" : "in mid-checkpoint"}; resume removed ${resumed.leftovers.length ? resumed.leftovers.join(", ") : "nothing"}${problem ? `: FAILED: ${problem}` : ": ok"}`);
  if (problem) failures.push(`cut ${i}: ${problem}`);
};

for (let i = 1; i <= cuts; i++) {
  const delayMs = Math.floor(rand() * maxDelay);
  log(`seed ${seed}, cut ${i}/${cuts}: ${delayMs} ms into the checkpoint`);
  const p = await boards.phase(disk, i === 1 ? "cycle first" : "cycle", { line: /^CRIU cut-point /, delayMs });
  if (i === 1) token = reading(p.all("count", "c1")[0]!).token;
  if (previous) check(i - 1, p, previous);
  if (!p.job.cut) failures.push(`boot ${i}: the board finished before the cut (${p.all("no-cut-point", "c1").length ? "no checkpoint started" : "too late"})`);
  previous = p;
}
check(cuts, await boards.phase(disk, "b2"), previous!);
console.log(`process checkpoint power cuts: ${cuts}, failures ${failures.length}${failures.length ? `\n  ${failures.join("\n  ")}` : ""}`);
process.exitCode = failures.length ? 1 : 0;
