// OCI hooks: each runs with the container state on stdin; a failing hook fails the operation it belongs to.
import type { HookStep } from "./plan.ts";

export const runHooks = (kind: string, hooks: readonly HookStep[], stateJson: string): void => {
  for (const h of hooks) {
    const proc = Bun.spawnSync({
      cmd: [h.path, ...h.args.slice(1)],
      argv0: h.args[0] ?? h.path,
      env: Object.fromEntries(h.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
      stdin: Buffer.from(stateJson),
      stdout: "inherit",
      stderr: "pipe",
      ...(h.timeout ? { timeout: h.timeout * 1000 } : {}),
    });
    if (proc.exitCode !== 0) {
      const why = proc.signalCode ? `killed by ${proc.signalCode}${h.timeout ? ` (timeout ${h.timeout}s)` : ""}` : `exit status ${proc.exitCode}`;
      const err = proc.stderr?.toString().trim();
      throw new Error(`${kind} hook '${h.path}' failed: ${why}${err ? `: ${err.split("\n")[0]}` : ""}`);
    }
  }
};
