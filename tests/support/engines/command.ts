// Runs an engine's client to completion with a bound on its time: engines hang rather than fail when a runtime misbehaves.
export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

export const sh = (cmd: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number; stdin?: string; cwd?: string } = {}): Output => {
  const p = Bun.spawnSync(cmd, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs ?? 60_000,
  });
  const stderr = p.stderr.toString() + (p.exitedDueToTimeout ? `\n(killed after ${opts.timeoutMs ?? 60_000} ms)` : "");
  return { code: p.exitCode ?? 128 + 9, stdout: p.stdout.toString(), stderr };
};

/** The output, or an error naming the command and what it printed. */
export const ok = (cmd: string[], opts?: Parameters<typeof sh>[1]): string => {
  const r = sh(cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
};
