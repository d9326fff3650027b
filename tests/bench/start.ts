// Start time of bunker beside crun and runc, in one run, on the same busybox bundle (the config `runc spec` writes,
// running /bin/true). crun refuses this host's hybrid cgroup layout, so all three run inside one private mount
// namespace with /sys/fs/cgroup/unified unmounted (NOTES.md): the same conditions for each.
//   1. `run`, interleaved: each runtime right after another's container was torn down (that teardown's kernel work is
//      charged to the next runtime, which narrows the ratios);
//   2. `run` with `hyperfine -N`, one runtime after the other, with the Bun floor beside it (a compiled hello world,
//      `bunker --version`, `crun --version`): the figures to beat;
//   3. `create`, `start`, `delete` and `exec` one at a time (what containerd calls), hyperfine -N.
// A missing peer is reported with the reason, never dropped silently. Nothing here asserts a time.
//   usage: bun tests/bench/start.ts [runs=40]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "../../board/median.ts";
import { makeBundle } from "../support/bundle.ts";
import { BIN } from "../support/cli.ts";
import { buildHello, loadLine } from "./floor.ts";

const INNER = "BUNKER_BENCH_INNER";

if (!process.env[INNER]) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "--", process.execPath, import.meta.path, ...process.argv.slice(2)], {
    env: { ...process.env, [INNER]: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exit(p.exitCode ?? 1);
}

const runs = Number(process.argv[2] ?? 40);
if (existsSync("/sys/fs/cgroup/unified/cgroup.controllers")) Bun.spawnSync(["umount", "/sys/fs/cgroup/unified"]);
// crun 1.8 only takes ociVersion 1.0.x; runc 1.1 does not raise ambient capabilities (it ignores the set), crun
// ignores EPERM: without the ambient set the three do the same work.
const oneZero = (c: object) => ({ ...c, ociVersion: "1.0.2" });
const bundle = makeBundle(["/bin/true"], oneZero);
const sleeper = makeBundle(["/bin/sleep", "1000000"], oneZero);
const state = mkdtempSync(join(tmpdir(), "bench-state-"));
const hello = buildHello();

const BINARIES: Record<string, string> = { bunker: BIN, crun: "crun", runc: "runc" };
const cli = (r: string, ...args: string[]): string[] => [BINARIES[r]!, "--root", join(state, r), ...args];

/** Why a runtime cannot be measured here, or undefined: tried once, as the bench will run it. */
const problem = (r: string): string | undefined => {
  if (r !== "bunker" && !Bun.which(r)) return `not installed (apt-get install ${r})`;
  if (!existsSync(BINARIES[r]!) && r === "bunker") return `not built (${BIN}: run 'bun build.ts')`;
  const p = Bun.spawnSync(cli(r, "run", "--bundle", bundle, `${r}-probe`), { stdout: "ignore", stderr: "pipe" });
  return p.exitCode === 0 ? undefined : `'run' fails here (exit ${p.exitCode}): ${p.stderr.toString().trim().split("\n").at(-1)}`;
};

console.log(loadLine());
const available: string[] = [];
for (const r of Object.keys(BINARIES)) {
  const why = problem(r);
  if (why) console.log(`  ${r}: left out, ${why}`);
  else available.push(r);
}
if (!available.includes("bunker")) process.exit(1);

const ratios = (of: Record<string, number>, r: string): string =>
  available.filter((o) => o !== r && of[o] !== undefined).map((o) => `${(of[r]! / of[o]!).toFixed(2)}x ${o}`).join(", ");

// 1. Interleaved.
const times: Record<string, number[]> = Object.fromEntries(available.map((r) => [r, []]));
for (let i = -3; i < runs; i++) {
  for (const r of available) {
    const t0 = performance.now();
    const p = Bun.spawnSync(cli(r, "run", "--bundle", bundle, `${r}-${i + 3}`), { stdout: "ignore", stderr: "pipe" });
    const dt = performance.now() - t0;
    if (p.exitCode !== 0) throw new Error(`${r} run failed (exit ${p.exitCode}): ${p.stderr.toString().trim()}`);
    if (i >= 0) times[r]!.push(dt); // the first three rounds warm the page cache
  }
}
const interleaved = Object.fromEntries(available.map((r) => [r, median(times[r]!)!]));
console.log(`\n1. run of /bin/true, ${runs} interleaved runs each (median wall time)`);
for (const r of available) console.log(`  ${r.padEnd(7)} ${interleaved[r]!.toFixed(1).padStart(7)} ms   ${r === "bunker" ? ratios(interleaved, r) : ""}`);

interface Measured {
  median: number;
  cpu: number;
}

/** hyperfine -N of named commands (each with an optional prepare command); medians and user+system CPU, in ms. */
const hyperfine = (cases: { name: string; argv: string[]; prepare?: string[] }[]): Record<string, Measured> => {
  const out = join(state, "hyperfine.json");
  // hyperfine 1.15 runs no prepare command before a warm-up run: steps that need one are warmed by their prepare.
  const warmup = cases.some((c) => c.prepare) ? "0" : "3";
  const args = ["hyperfine", "-N", "--warmup", warmup, "--runs", String(runs), "--export-json", out, "--style", "none"];
  const quote = (a: string[]): string => a.map((x) => (/^[\w./=:,-]+$/.test(x) ? x : `'${x}'`)).join(" ");
  if (cases.some((c) => c.prepare)) for (const c of cases) args.push("--prepare", quote(c.prepare ?? ["true"]));
  for (const c of cases) args.push("--command-name", c.name, quote(c.argv));
  const p = Bun.spawnSync(args, { stdout: "ignore", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`hyperfine of ${cases.map((c) => c.name).join(", ")} failed: ${p.stderr.toString().trim()}`);
  const results = (JSON.parse(readFileSync(out, "utf8")) as { results: { command: string; median: number; user: number; system: number }[] }).results;
  return Object.fromEntries(results.map((r) => [r.command, { median: r.median * 1000, cpu: (r.user + r.system) * 1000 }]));
};

const table = (title: string, m: Record<string, Measured>, compare: string[][]): void => {
  console.log(`\n${title}`);
  for (const [name, v] of Object.entries(m)) {
    const group = compare.find((g) => g.includes(name));
    const medians = Object.fromEntries((group ?? []).map((n) => [n.split(" ")[0]!, m[n]?.median ?? NaN]));
    const own = name.split(" ")[0]!;
    const vs = group && own === "bunker" ? ratios(medians, own) : "";
    console.log(`  ${name.padEnd(18)} ${v.median.toFixed(1).padStart(7)} ms  (cpu ${v.cpu.toFixed(1).padStart(6)} ms)   ${vs}`);
  }
};

if (!Bun.which("hyperfine")) {
  console.log("\n2., 3.: left out, hyperfine is not installed (apt-get install hyperfine)");
} else {
  // 2. One runtime after the other, with the floor.
  const run = hyperfine([
    ...available.map((r) => ({ name: r, argv: cli(r, "run", "--bundle", bundle, "hf") })),
    { name: "bun hello world", argv: [hello.path] },
    ...available.filter((r) => r !== "runc").map((r) => ({ name: `${r} --version`, argv: [BINARIES[r]!, "--version"] })),
  ]);
  table(`2. run of /bin/true, hyperfine -N, ${runs} runs each (median wall time, user+system CPU)`, run, [available]);

  // 3. The steps an engine calls one at a time; each prepare leaves the container where the step needs it.
  const sh = (...cmds: string[][]): string[] => ["sh", "-c", cmds.map((c) => `${c.join(" ")} >/dev/null 2>&1`).join("; ")];
  const steps: Record<string, Measured> = {};
  for (const r of available) {
    const del = cli(r, "delete", "-f", "st");
    const create = cli(r, "create", "--bundle", bundle, "st");
    Object.assign(
      steps,
      hyperfine([
        { name: `${r} create`, argv: create, prepare: sh(del) },
        { name: `${r} start`, argv: cli(r, "start", "st"), prepare: sh(del, create) },
        { name: `${r} delete`, argv: cli(r, "delete", "st"), prepare: sh(del, create, cli(r, "start", "st"), ["sleep", "0.05"]) },
      ]),
    );
    Bun.spawnSync(del);
    // Not a pipe: a detached container keeps the caller's stdio (crun and runc), and would hold it open.
    const errFile = join(state, `${r}-run-d.err`);
    const up = Bun.spawnSync(cli(r, "run", "-d", "--bundle", sleeper, "ex"), { stdin: "ignore", stdout: "ignore", stderr: Bun.file(errFile) });
    const exec = cli(r, "exec", "ex", "/bin/true");
    const tried = up.exitCode === 0 ? Bun.spawnSync(exec, { stdin: "ignore", stdout: "ignore", stderr: "pipe" }) : undefined;
    if (up.exitCode !== 0 || tried?.exitCode !== 0) {
      const why = tried
        ? `exec failed (exit ${tried.exitCode}): ${tried.stderr.toString().trim()}`
        : `'run -d' of a sleeping container failed (exit ${up.exitCode}): ${readFileSync(errFile, "utf8").trim()}`;
      console.log(`  ${r} exec: left out, ${why}`);
    } else Object.assign(steps, hyperfine([{ name: `${r} exec`, argv: exec }]));
    Bun.spawnSync(cli(r, "delete", "-f", "ex"));
  }
  const groups = ["create", "start", "delete", "exec"].map((s) => available.map((r) => `${r} ${s}`));
  table(`3. one step at a time, hyperfine -N, ${runs} runs each`, steps, groups);
}
console.log(`\n${loadLine()}`);
hello.remove();
rmSync(state, { recursive: true, force: true });
rmSync(bundle, { recursive: true, force: true });
rmSync(sleeper, { recursive: true, force: true });
