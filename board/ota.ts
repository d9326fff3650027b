// Over-the-air updates on the emulated board: a 3-service set (bundles carried on the disk) installed by a signed
// update, then a signed version 2 (two services changed, one unchanged) applied while QEMU is killed (-9) at a random
// moment; the next boot's daemon resumes or rolls the update back. Each run's outcome must be exactly version 1 or
// version 2 as the journal's update record says, with the unchanged service never restarted in the cut boot and every
// service started once in the recovering boot. Also the time from `bunker ota apply` to commit of the uncut update.
// usage: bun board/ota.ts [--cuts N] [--seed N] [--no-build]      (CI: --cuts 2; the issue's count: npm run test:board:ota)
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, buildDisk, CACHE_DIR, prepareBase, REPO_ROOT } from "./assemble.ts";
import { loadProfile } from "./profile.ts";
import { at, B, boot, bootId, QUIET, random, service, startsOf, SVC, type Ctx } from "./services.ts";
import { generateKey, signPayload } from "../runtime/supervisor/ota-keys.ts";

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

const NAMES = ["db", "api", "web"] as const;

/** Version 2 changes api (env) and web (strategy start-then-stop, a health check); db is the same. */
const target = (version: "1" | "2") => ({
  device: "board",
  version,
  services: {
    db: service("db", "1", QUIET, { healthCheck: { exec: ["cat", "/data/starts"], interval: "3s", startInterval: "1s", timeout: "30s", retries: 3 } }),
    api: service("api", version, QUIET, { dependsOn: { db: { condition: "healthy" } } }),
    web: service("web", version, QUIET, version === "2" ? { strategy: "start-then-stop", healthCheck: { exec: ["cat", "/data/starts"], interval: "3s", startInterval: "1s", timeout: "30s", retries: 3 } } : {}),
  },
});

const prelude = (step: string): string => [`B=${B}`, `SVC=${SVC}`, `STEP=${step}`, `. ${SVC}/ota-guest.sh`, ""].join("\n");

const json = <T>(r: { lines: { text: string }[] }, tag: string): T | undefined => {
  const l = [...r.lines].reverse().find((x) => x.text.startsWith(`${tag} `));
  return l ? (JSON.parse(l.text.slice(tag.length + 1)) as T) : undefined;
};

interface Run {
  cutAfterMs: number;
  outcome: string;
  version: string;
  ok: boolean;
  why: string[];
}

const main = async (): Promise<number> => {
  const cuts = Number(option("--cuts", "2"));
  const seed = Number(option("--seed", String(Date.now() % 1_000_000)));
  const started = performance.now();
  const log = (l: string): void => console.log(`ota [${((performance.now() - started) / 1000).toFixed(0)}s] ${l}`);
  log(`seed ${seed}, ${cuts} cuts`);
  if (!process.argv.includes("--no-build")) {
    const p = Bun.spawnSync([process.execPath, "build.ts", "bunker-linux-arm64"], { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" });
    if (p.exitCode !== 0) throw new Error("Build the arm64 executable: 'bun build.ts bunker-linux-arm64' failed");
  }
  const key = generateKey("ed25519");
  const signed = (v: "1" | "2") =>
    JSON.stringify(signPayload(new TextEncoder().encode(JSON.stringify({ target: target(v), expires: new Date(Date.now() + 30 * 86_400_000).toISOString(), rollback: "service", gate: { window: "5s" } })), key.privatePem, "board key"));
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  const disk = join(BUILD_DIR, "ota.img");
  buildDisk(base, profile, { bunker: join(REPO_ROOT, "dist/bunker-linux-arm64") }, disk, (tree) => {
    const dir = join(tree, SVC.slice(1));
    mkdirSync(join(dir, "ota-trust"), { recursive: true });
    cpSync(join(import.meta.dir, "ota-guest.sh"), join(dir, "ota-guest.sh"));
    cpSync(join(import.meta.dir, "guest-daemon.sh"), join(dir, "guest-daemon.sh"));
    writeFileSync(join(dir, "ota-trust", "board.pub"), key.publicPem);
    for (const v of ["1", "2"] as const) writeFileSync(join(dir, `ota-update-${v}.json`), signed(v));
    writeFileSync(join(dir, "daemon.json"), JSON.stringify({}));
  });
  const c: Ctx = { profile, base, disk, log };
  const installed = await boot(c, "ota-install", prelude("install"));
  if (installed.jobExit !== 0) throw new Error(`The install boot exited ${installed.jobExit}`);
  // The uncut update: its time from `ota apply` to the end (commit), and the span the cuts fall into.
  const cal = join(BUILD_DIR, "ota-cal.img");
  copyFileSync(disk, cal);
  const whole = await boot(c, "ota-calibrate", prelude("update"), { disk: cal, cut: { line: /^BOARD-MARK settled/, delayMs: 500 } });
  const from = at(whole, /^BOARD-MARK update-start/);
  const to = at(whole, /^BOARD-MARK update-end/);
  const end = json<{ state: { outcome: string } }>(whole, "BOARD-MARK update-end");
  if (from === undefined || to === undefined || end?.state.outcome !== "committed") throw new Error(`The uncut update did not commit: ${whole.lines.filter((l) => /BOARD-(FAIL|MARK)/.test(l.text)).map((l) => l.text).join("; ")}`);
  log(`uncut update: ${((to - from) / 1000).toFixed(1)} s from 'bunker ota apply' to commit (board console time)`);
  const rnd = random(seed);
  const runs: Run[] = [];
  for (let i = 1; i <= cuts; i++) {
    const d = join(BUILD_DIR, "ota-cut.img");
    copyFileSync(disk, d);
    const delay = Math.round(rnd() * (to - from + 2000));
    const first = await boot(c, `ota-cut-${i}-1`, prelude("update"), { disk: d, cut: { line: /^BOARD-MARK update-start/, delayMs: delay } });
    const second = await boot(c, `ota-cut-${i}-2`, prelude("recover"), { disk: d });
    const why: string[] = [];
    if (!first.cut) why.push("boot 1 was not cut");
    if (second.jobExit !== 0) why.push(`boot 2's job exited ${second.jobExit}`);
    const ota = json<{ update?: { outcome?: string; phase: string } }>(second, "BOARD-OTA");
    const status = json<{ version?: string; converged?: boolean; services?: { name: string; actual: string }[] }>(second, "BOARD-STATUS");
    const outcome = ota?.update?.outcome ?? (ota?.update ? `in ${ota.update.phase}` : "none");
    const version = status?.version ?? "none";
    // v2 runs whole after a commit; everything else (a rollback, an update cut before it was journaled) is v1.
    const want = outcome === "committed" ? "2" : "1";
    if (version !== want || status?.converged !== true) why.push(`runs version ${version} (converged ${status?.converged}) after '${outcome}'`);
    const starts = startsOf(second);
    const b1 = bootId(first);
    const b2 = bootId(second);
    for (const n of NAMES) {
      const all = starts.get(n) ?? [];
      const inB2 = all.filter((s) => s.boot === b2);
      if (inB2.length !== 1) why.push(`${n} started ${inB2.length} times in boot 2`);
      else if (inB2[0]!.spec !== (n === "db" ? "1" : want)) why.push(`${n} runs spec ${inB2[0]!.spec}`);
      if (n === "db" && all.filter((s) => s.boot === b1).length !== 1) why.push(`db (unchanged) started ${all.filter((s) => s.boot === b1).length} times in the cut boot`);
    }
    const r: Run = { cutAfterMs: delay, outcome, version, ok: why.length === 0, why };
    log(`cut ${i}: ${delay} ms after 'ota apply'; ${outcome}, version ${version}; ${r.ok ? "ok" : `FAILED: ${why.join("; ")}`}`);
    runs.push(r);
  }
  const summary = { seed, applyToCommitMs: to - from, runs: runs.length, ok: runs.filter((r) => r.ok).length, table: runs };
  writeFileSync(join(CACHE_DIR, "ota-last-run.json"), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  // tests/run.sh counts this line.
  console.log(`${runs.filter((r) => r.ok).length} passed, ${runs.filter((r) => !r.ok).length} failed`);
  return runs.every((r) => r.ok) ? 0 : 1;
};

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`ota: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
