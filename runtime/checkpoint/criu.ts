// CRIU, the engine behind process checkpoints, driven through its command line (runc drives the same engine through
// its RPC; the options are the same): bunker builds the arguments (criu-args.ts), runs it, and on failure reports the
// errors CRIU wrote to its log.
import { readFileSync } from "node:fs";

/** CRIU runs `tar`, `ip` and `iptables-restore` itself: the distribution's, before whatever the caller's PATH holds
 * first (a board's busybox applets, whose tar lacks the GNU options CRIU passes). */
export const CRIU_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface CriuCheck {
  ok: boolean;
  /** What criu printed (stdout and stderr). */
  output: string;
}

export interface Criu {
  /** `criu --version`: "3.17.1", or undefined when no criu is installed. */
  version(): string | undefined;
  /** `criu check ARGS`: whether it passed, and what it said. */
  check(args?: readonly string[]): CriuCheck;
  /**
   * Runs `criu ARGS`, which log to `log`; throws `CriuFailed` with the errors of the log. `inheritStdio` hands CRIU
   * bunker's own fds 0-2 (a restore gives them to the restored tree in place of the dumped stdio); `fds` become
   * CRIU's fds 3, 4, ... (the joined namespaces a restore hands it).
   */
  run(args: readonly string[], opts: { log: string; inheritStdio?: boolean; fds?: readonly number[] }): Promise<void>;
}

export class CriuFailed extends Error {
  override readonly name = "CriuFailed";
}

/** The error lines of a CRIU log (its own "Error (file:line): ..." lines), the last `max` of them. */
export const logErrors = (log: string, max = 4): string[] =>
  log
    .split("\n")
    .map((l) => l.replace(/^\(\s*[\d.]+\)\s*/, "").trim())
    .filter((l) => /^Error \(/.test(l))
    .slice(-max);

const env = (): Record<string, string | undefined> => ({ ...process.env, PATH: `${CRIU_PATH}:${process.env.PATH ?? ""}` });

export const hostCriu = (): Criu => {
  const path = (): string | undefined => Bun.which("criu", { PATH: env().PATH! }) ?? undefined;
  const located = (): string => {
    const p = path();
    if (!p) throw new CriuFailed(`CRIU is not installed: no 'criu' on ${CRIU_PATH} or the PATH (Debian: apt-get install criu)`);
    return p;
  };
  return {
    version() {
      const p = path();
      if (!p) return undefined;
      const out = Bun.spawnSync([p, "--version"], { env: env(), stdout: "pipe", stderr: "pipe" });
      return /Version:\s*(\S+)/.exec(out.stdout.toString())?.[1] ?? "unknown";
    },
    check(args = []) {
      const out = Bun.spawnSync([located(), "check", ...args], { env: env(), stdout: "pipe", stderr: "pipe" });
      return { ok: out.exitCode === 0, output: `${out.stdout.toString()}${out.stderr.toString()}`.trim() };
    },
    async run(args, opts) {
      const stdio = opts.inheritStdio ? "inherit" : "ignore";
      const proc = Bun.spawn([located(), ...args], { env: env(), stdio: [stdio, stdio, opts.inheritStdio ? "inherit" : "pipe", ...(opts.fds ?? [])] });
      const stderr = opts.inheritStdio ? Promise.resolve("") : new Response(proc.stderr as ReadableStream).text();
      const code = await proc.exited;
      if (code === 0) return;
      let log = "";
      try {
        log = readFileSync(opts.log, "utf8");
      } catch {
        // No log: CRIU failed before it opened one; its stderr says why.
      }
      const errors = logErrors(log);
      const said = errors.length ? errors.join("; ") : (await stderr).trim().split("\n").slice(-2).join("; ") || "no error in its log";
      throw new CriuFailed(`criu ${args[0]} exited ${code}: ${said}`);
    },
  };
};
