// The fuzz harness (`npm run fuzz`; tests/run.sh runs a small count): mutants of real configs, container IDs and
// command lines, checked in-process for volume and through the compiled executable as root: every accepted mutant
// that changes something in a way no earlier executable case did (a field to a new class of value, shape.ts), and a
// sample of the refused ones. Prints a table per input kind and ends with "N passed, N failed".
//
//   bun tests/fuzz/fuzz.ts [--cases N] [--seed S] [--kinds a,b] [--sample R] [--max-exec M]
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { skipReason } from "../support/cli.ts";
import { mutateArgv, loadCommands } from "./mutate-argv.ts";
import { mutateConfig } from "./mutate-config.ts";
import { mutateId } from "./mutate-id.ts";
import { checkArgv, checkConfig, checkContainerId, type Outcome } from "./oracle.ts";
import { randomSeed, Rng } from "./rng.ts";
import { NOT_THROUGH_EXECUTABLE, Sandbox, type ExecResult } from "./sandbox.ts";
import { changeShape } from "./shape.ts";
import { printTable, Tally } from "./tally.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/configs");

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};

const cases = Number(option("cases") ?? 100_000);
const seed = Number(option("seed") ?? randomSeed()) >>> 0;
/** The share of refused mutants that also go through the executable (all accepted ones do). */
const sample = Number(option("sample") ?? 0.002);
const maxExec = Number(option("max-exec") ?? Infinity);
/** An in-process case slower than this counts as a hang. */
const HANG_MS = 2000;

const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).map((f) => basename(f, ".json")).sort();
const allKinds = [...fixtureNames.map((f) => `config:${f}`), "id", "argv"];
const kinds = option("kinds")?.split(",") ?? allKinds;

const skip = skipReason();
if (skip) {
  console.log(`SKIP fuzz: ${skip}`);
  process.exit(0);
}

console.log(`fuzz seed: ${seed} (rerun with --seed ${seed}); ${cases} cases per input kind: ${kinds.join(", ")}`);
const rng = new Rng(seed);
const sandbox = new Sandbox(`bkfz${seed.toString(36)}`);

/**
 * A real config made runnable here: its rootfs is the sandbox's busybox, and the files an engine bind-mounts from its
 * own state (/tmp/capture/... in the fixtures: hostname, hosts, resolv.conf, shm) become the sandbox's bind source.
 */
const fixture = (name: string): Record<string, unknown> => {
  const text = readFileSync(join(FIXTURES, `${name}.json`), "utf8").replace(/"\/tmp\/capture\/[^"]*"/g, (m) => (m.endsWith('merged"') ? JSON.stringify(sandbox.rootfs) : JSON.stringify(`${sandbox.dir}/bind-src`)));
  const c = JSON.parse(text) as { root?: { path: string } };
  c.root = { ...c.root, path: sandbox.rootfs };
  return c;
};

/** A filter that passes a case when one of its entries is new (and remembers them all). */
const novelty = (): ((entries: readonly string[]) => boolean) => {
  const seen = new Set<string>();
  return (entries) => {
    const fresh = entries.some((e) => !seen.has(e));
    for (const e of entries) seen.add(e);
    return fresh;
  };
};

/** What an ID looks like to the executable: the same shape gives the same paths, names and flags. */
const idShape = (id: string): string => {
  const cls = (c: string | undefined) => (c === undefined ? "" : /[a-z0-9]/i.test(c) ? "w" : c);
  const len = id.length <= 1 ? "1" : id.length <= 16 ? "16" : id.length <= 64 ? "64" : id.length <= 200 ? "200" : id.length <= 255 ? "255" : ">255";
  return `${len}|${cls(id[0])}|${cls(id[id.length - 1])}|${[...new Set([...id].map(cls))].sort().join("")}`;
};

const tallies: Tally[] = [];
const examples: string[] = [];
/** A finding, printed as it happens (a long run shows its problems early) and kept for the summary (8 per kind). */
const note = (kind: string, what: string, input: string, line: string): void => {
  const text = `${kind}: ${what}: ${JSON.stringify(input).slice(0, 240)} -> ${line.slice(0, 300)}`;
  console.log(`  finding: ${text}`);
  if (examples.filter((e) => e.startsWith(`${kind}:`)).length < 8) examples.push(text);
};

const inProcess = (kind: string, tally: Tally, input: string, o: Outcome, ms: number): void => {
  tally.inProcess.count(o.kind === "crash" ? "crash" : o.kind === "accepted" ? "accepted" : "error", o.kind === "crash" && o.line.includes("internal error"), ms > HANG_MS);
  if (o.kind === "crash") note(kind, "in-process crash", input, o.line);
  if (ms > HANG_MS) note(kind, `in-process case took ${ms.toFixed(0)} ms`, input, "");
};

const throughExecutable = (kind: string, tally: Tally, input: string, r: ExecResult, expected: Outcome): void => {
  // The executable accepting what its own validation refused is a field accepted and ignored.
  const mismatch = expected.kind === "error" && r.outcome === "accepted";
  tally.executable.count(mismatch ? "silent" : r.outcome, r.internal, false, r.leftovers.length);
  if (mismatch) note(kind, "executable accepted what validation refused", input, expected.kind === "error" ? expected.line : "");
  else if (r.outcome !== "accepted" && r.outcome !== "error") note(kind, `executable ${r.outcome}`, input, r.line);
  if (r.internal) note(kind, "internal error", input, r.line);
  if (r.leftovers.length) note(kind, "left behind", input, r.leftovers.join("; "));
};

/** A failure of the harness itself on one case is reported with its input, and the run goes on. */
let harnessErrors = 0;
const guarded = (kind: string, input: string, fn: () => void): void => {
  try {
    fn();
  } catch (err) {
    harnessErrors++;
    note(kind, "harness error", input, String((err as Error).stack ?? err));
  }
};

const timed = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
};

const runConfigs = (name: string): void => {
  const kind = `config:${name}`;
  const tally = new Tally(kind);
  tallies.push(tally);
  const base = fixture(name);
  const bundle = join(sandbox.dir, "bundle");
  const validBase = checkConfig(JSON.stringify(base), bundle);
  if (validBase.kind !== "accepted") throw new Error(`The fixture ${name}.json itself is refused: ${validBase.line}`);
  const baseDoc: unknown = JSON.parse(validBase.canonical);
  const novel = novelty();
  for (let i = 0; i < cases; i++) {
    const text = mutateConfig(rng, base);
    const [o, ms] = timed(() => checkConfig(text, bundle));
    inProcess(kind, tally, text, o, ms);
    if (tally.executable.cases >= maxExec) continue;
    if (!(o.kind === "accepted" && novel(changeShape(baseDoc, JSON.parse(o.canonical)))) && !rng.chance(sample)) continue;
    guarded(kind, text, () => {
      const { result, text: ran } = sandbox.config(text);
      throughExecutable(kind, tally, ran, result, ran === text ? o : checkConfig(ran, bundle));
    });
  }
};

const runIds = (): void => {
  const tally = new Tally("id");
  tallies.push(tally);
  const base = fixture("runc-spec") as { process: Record<string, unknown> };
  const config = JSON.stringify({ ...base, process: { ...base.process, terminal: false } });
  const novel = novelty();
  for (let i = 0; i < cases; i++) {
    const id = mutateId(rng, sandbox.marker);
    const [o, ms] = timed(() => checkContainerId(id));
    inProcess("id", tally, id, o, ms);
    if (tally.executable.cases >= maxExec) continue;
    // An argument cannot hold a NUL byte: such an ID reaches only the in-process check.
    if (id.includes("\0") || (!(o.kind === "accepted" && novel([idShape(id)])) && !rng.chance(sample))) continue;
    guarded("id", id, () => throughExecutable("id", tally, id, sandbox.id(id, config), o));
  }
};

const runArgv = async (): Promise<void> => {
  const tally = new Tally("argv");
  tallies.push(tally);
  const table = await loadCommands();
  const novel = novelty();
  for (let i = 0; i < cases; i++) {
    const argv = mutateArgv(rng, table, () => (rng.chance(0.8) ? sandbox.nextId() : mutateId(rng, sandbox.marker)));
    const t0 = performance.now();
    const o = await checkArgv(argv);
    inProcess("argv", tally, argv.join(" "), o, performance.now() - t0);
    if (tally.executable.cases >= maxExec) continue;
    // A refused line never gets as far as running its command, whichever word names it.
    const command = o.kind === "accepted" ? (o.command ?? "help") : "refused";
    if (NOT_THROUGH_EXECUTABLE.has(command)) continue;
    // A command with a flag (values aside) or a number of arguments no earlier executable case used.
    const words = argv.map((a) => (a.startsWith("-") ? a.split("=")[0]! : "v"));
    const entries = [command, `${command} #${words.filter((w) => w === "v").length}`, ...words.filter((w) => w !== "v").map((w) => `${command} ${w}`)];
    if (!(o.kind === "accepted" && novel(entries)) && !rng.chance(sample)) continue;
    guarded("argv", argv.join(" "), () => {
      const { result, argv: ran } = sandbox.argv(argv);
      throughExecutable("argv", tally, ran.join(" "), result, o);
    });
  }
};

const started = performance.now();
try {
  for (const kind of kinds) {
    if (kind.startsWith("config:")) runConfigs(kind.slice("config:".length));
    else if (kind === "id") runIds();
    else if (kind === "argv") await runArgv();
    else throw new Error(`Unknown input kind '${kind}' (known: ${allKinds.join(", ")})`);
    console.log(`  ${kind}: done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    printTable(tallies.slice(-1), sandbox.journalLeftovers.length, false);
  }
  sandbox.closeBatch();
} finally {
  sandbox.close();
}

for (const j of sandbox.journalLeftovers) examples.push(`journal: ${j}`);
printTable(tallies, sandbox.journalLeftovers.length);
if (examples.length) console.log(`\nfindings:\n${examples.map((e) => `  ${e}`).join("\n")}`);
if (harnessErrors) console.log(`\nharness errors (cases the harness itself could not run): ${harnessErrors}`);
const failures = tallies.reduce((n, t) => n + t.failures(), 0) + sandbox.journalLeftovers.length + harnessErrors;
const total = tallies.reduce((n, t) => n + t.inProcess.cases + t.executable.cases, 0);
console.log(`\nfuzz seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`${total - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
