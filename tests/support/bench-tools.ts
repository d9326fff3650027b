// What the benches that drive engines share: an option, a command that must succeed, a bounded wait, and cleanups
// run newest first whatever failed (each failure said, none dropped).

export const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

/** Runs `cmd` to completion; its stdout, or an error naming `what` and its stderr. */
export const sh = (cmd: string[], what: string): string => {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${what}: ${cmd.join(" ")}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString().trim();
};

export const until = async (what: string, cond: () => boolean, ms = 120_000): Promise<void> => {
  for (const end = Date.now() + ms; !cond(); await Bun.sleep(200)) if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
};

export const runCleanups = async (bench: string, cleanups: (() => unknown)[]): Promise<void> => {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (err) {
      console.error(`${bench} cleanup: ${(err as Error).message}`);
    }
  }
};
