// The emulated board lane (`npm run test:board`): builds the arm64 executables, assembles the board from Debian's
// packages, boots it under QEMU, runs the board suite for the glibc and the musl executable, and exits with its status.
// usage: bun board/lane.ts [--profile NAME] [--no-build]
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, buildDisk, CACHE_DIR, prepareBase, REPO_ROOT, writeJobInitrd } from "./assemble.ts";
import { BOARD_PATHS } from "./disk-tree.ts";
import { buildExecutables, builtExecutables, FLAVOURS, onBoard } from "./executables.ts";
import { loadProfile } from "./profile.ts";
import { BoardBoot } from "./qemu.ts";
import { emptyResults, judge, parseKnownFailures, problems, readLine } from "./results.ts";

/** The board's whole run must fit the lane's 15 minutes with the build and assembly before it. */
const BOOT_TIMEOUT_MS = 11 * 60_000;

const KNOWN_FAILURES = join(REPO_ROOT, "tests/board/known-failures.txt");

const started = performance.now();
const secs = (from: number): string => ((performance.now() - from) / 1000).toFixed(1);
const log = (line: string): void => console.log(`lane [${secs(started)}s] ${line}`);

const step = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
  const t = performance.now();
  log(`${name}...`);
  const out = await fn();
  log(`${name}: done in ${secs(t)}s`);
  return out;
};

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** The host-side board tests (the power-cut helper against a write-fsync loop), run after the suite. */
const hostTests = (): number =>
  Bun.spawnSync([process.execPath, "test", "tests/board"], { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" }).exitCode;

/** First a container right after boot (the boot-to-first-container figure), then the suite per flavour. */
const jobScript = (): string =>
  [
    `${onBoard("glibc")} --root /run/bunker-first run --bundle ${BOARD_PATHS.bundles}/hello first | grep '^BOARD-MARK'`,
    "rc=0",
    ...(Object.keys(FLAVOURS) as (keyof typeof FLAVOURS)[]).map(
      (label) => `sh ${BOARD_PATHS.suite}/suite.sh ${label} ${onBoard(label)} ${BOARD_PATHS.bundles} || rc=1`,
    ),
    "exit $rc",
    "",
  ].join("\n");

const main = async (): Promise<number> => {
  const profile = loadProfile(argValue("--profile") ?? "qemu-virt-a53");
  const known = parseKnownFailures(readFileSync(KNOWN_FAILURES, "utf8"), KNOWN_FAILURES);
  if (!process.argv.includes("--no-build")) await step("build arm64 executables", buildExecutables);
  const executables = builtExecutables();
  const base = await step("prepare kernel, packages and initramfs", () => prepareBase(log));
  const disk = join(BUILD_DIR, "disk.img");
  const usedMiB = await step("make disk image", () => buildDisk(base, profile, executables, disk));
  const initrd = writeJobInitrd(base, jobScript(), join(BUILD_DIR, "initramfs-lane.cpio.gz"));
  log(`disk ${usedMiB} MiB used of ${profile.storage.sizeMiB} MiB; initramfs ${(statSync(initrd).size / 2 ** 20).toFixed(1)} MiB`);

  const results = emptyResults();
  const consoleLog: string[] = [];
  const boot = new BoardBoot(profile, { kernel: base.kernel, initrd, disk }, (l) => {
    consoleLog.push(`${(l.ms / 1000).toFixed(3)} ${l.text}`);
    readLine(results, l.text);
    console.log(`board [${(l.ms / 1000).toFixed(1)}s] ${l.text}`);
  });
  log(`boot ${profile.name}: ${profile.cpu.cores}x ${profile.cpu.model}, ${profile.memoryMiB} MiB`);
  const timer = setTimeout(() => {
    log(`the board did not finish in ${BOOT_TIMEOUT_MS / 60_000} minutes: cutting power`);
    void boot.cutPower();
  }, BOOT_TIMEOUT_MS);
  const end = await boot.ended;
  clearTimeout(timer);
  writeFileSync(join(CACHE_DIR, "console.log"), `${consoleLog.join("\n")}\n`);

  const ready = boot.lines.find((l) => l.text.startsWith("BOARD-READY"));
  const firstRun = boot.lines.find((l) => l.text.startsWith("BOARD-MARK container-running"));
  const issues = problems(results, Object.keys(FLAVOURS));
  if (end.jobExit === null) issues.push(`The board stopped without a job status (QEMU exit ${end.code ?? "killed"})`);
  const verdict = judge(results, known);
  const describe = (t: { flavour: string; name: string; why?: string }) => `${t.flavour}: ${t.name}${t.why ? `: ${t.why}` : ""}`;
  const summary = {
    profile: profile.name,
    seconds: { lane: Number(secs(started)), board: end.ms / 1000 },
    executablesMiB: Object.fromEntries(Object.values(FLAVOURS).map((f) => [f.target, Number((statSync(executables[f.onBoard]!).size / 2 ** 20).toFixed(1))])),
    bootToReadyS: ready ? ready.ms / 1000 : null,
    // Console time (QEMU start to the container's first line) and the guest's uptime then (kernel start).
    bootToFirstContainerS: firstRun ? firstRun.ms / 1000 : null,
    firstContainerGuestUptimeS: firstRun ? Number(/uptime=([\d.]+)/.exec(firstRun.text)?.[1]) : null,
    totals: results.totals,
    figures: results.figures,
    failed: verdict.unexpected.map(describe),
    knownFailures: verdict.known.map(describe),
    nowPassingTakeOffTheList: verdict.fixed.map(describe),
    pending: results.tests.filter((t) => t.status === "pending").map(describe),
    problems: issues,
  };
  const hostStatus = await step("host-side board tests (power cut)", hostTests);
  if (hostStatus !== 0) issues.push(`The host-side board tests failed ('bun test tests/board' exit ${hostStatus})`);
  summary.seconds.lane = Number(secs(started));
  writeFileSync(join(CACHE_DIR, "last-run.json"), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  // The job's own status counts every failure; the lane fails only on those not listed in known-failures.txt.
  const ok = end.jobExit !== null && issues.length === 0 && verdict.unexpected.length === 0;
  if (verdict.fixed.length) log(`now passing, take off ${KNOWN_FAILURES}: ${verdict.fixed.map(describe).join("; ")}`);
  log(
    ok
      ? `board suite passed (${verdict.known.length} known failures, ${summary.pending.length} pending)`
      : `board suite FAILED: ${[...issues, ...summary.failed].join("; ")}`,
  );
  return ok ? 0 : 1;
};

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`lane: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
