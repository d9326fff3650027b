// Runs the compiled executable, as the integration tests must: it is what ships.
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { makeTemp } from "./temp.ts";
import { join } from "node:path";

/** BUNKER_TEST_BIN runs the suites against another build (an older one, to see a regression test fail there). */
export const BIN = process.env.BUNKER_TEST_BIN ?? join(import.meta.dir, "../../dist", process.arch === "arm64" ? "bunker-linux-arm64" : "bunker-linux-x64");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Why integration tests cannot run here, or undefined when they can. Printed by each suite that skips. */
export const skipReason = (): string | undefined => {
  if (process.getuid?.() !== 0) return "integration tests need root (namespaces, mounts, cgroups)";
  if (!existsSync(BIN)) return `the compiled executable is missing: run 'bun build.ts' first (${BIN})`;
  if (!existsSync("/bin/busybox")) return "busybox-static is not installed (apt-get install busybox-static)";
  return undefined;
};

/** A state root as bunker makes /run/bunker: searchable by a container's mapped root, which reads its limits view. */
export const newRoot = (): string => {
  const root = makeTemp("bunker-state-");
  chmodSync(root, 0o711);
  return root;
};

/** The command line of bunker (`bin`, default this build's), inside the network namespace at `netns` when given
 * (nsenter: mounts stay the host's). */
const command = (root: string, args: string[], o: { bin?: string; netns?: string } = {}): string[] => [
  ...(o.netns ? ["nsenter", `--net=${o.netns}`] : []), o.bin ?? BIN, "--root", root, ...args,
];

/**
 * Runs bunker to completion. Output goes through files, not pipes: a detached container inherits bunker's stdio
 * (as with runc) and would hold a pipe open long after bunker has exited.
 */
export const bunker = (
  root: string,
  args: string[],
  opts: { cwd?: string; stdin?: string | Uint8Array; bin?: string; env?: Record<string, string>; netns?: string } = {},
): Result => {
  const dir = mkdtempSync(join(tmpdir(), "bunker-out-"));
  const out = openSync(join(dir, "out"), "w+");
  const err = openSync(join(dir, "err"), "w+");
  try {
    const p = Bun.spawnSync(command(root, args, opts), {
      cwd: opts.cwd,
      // As the test has it now (Bun.spawn otherwise passes the environment the test process started with).
      env: { ...process.env, ...opts.env },
      stdin: opts.stdin === undefined ? "ignore" : typeof opts.stdin === "string" ? Buffer.from(opts.stdin) : opts.stdin,
      stdout: out,
      stderr: err,
    });
    return { code: p.exitCode ?? 128 + 9, stdout: readFileSync(join(dir, "out"), "utf8"), stderr: readFileSync(join(dir, "err"), "utf8") };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Starts a command without waiting (for foreground runs that a test signals). */
export const bunkerAsync = (root: string, args: string[], cwd?: string, netns?: string) =>
  Bun.spawn(command(root, args, netns ? { netns } : {}), { cwd, env: { ...process.env }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });

/** Setup stages of this build's executable that are running: none may outlive the command that started them. Other
 * builds' tests may run stages on the same machine meanwhile; they are not counted. */
export const stagesRunning = (): number =>
  readdirSync("/proc").filter((p) => {
    try {
      return /^\d+$/.test(p) && readlinkSync(`/proc/${p}/exe`) === BIN && readFileSync(`/proc/${p}/environ`, "latin1").includes("_BUNKER_STAGE=");
    } catch {
      return false;
    }
  }).length;
