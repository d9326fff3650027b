// OCI hooks: each runs with the container state on stdin. A failing hook fails the operation it belongs to, except
// poststart and poststop hooks, whose failures the spec has logged while the remaining hooks and the lifecycle go on.
import type { HookStep } from "./plan.ts";

/** Runs one hook to its end; why it failed, or undefined. */
const runHook = (kind: string, h: HookStep, stateJson: string): string | undefined => {
  const proc = Bun.spawnSync({
    cmd: [h.path, ...h.args.slice(1)],
    argv0: h.args[0] ?? h.path,
    env: Object.fromEntries(h.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
    stdin: Buffer.from(stateJson),
    stdout: "inherit",
    stderr: "pipe",
    ...(h.timeout ? { timeout: h.timeout * 1000 } : {}),
  });
  if (proc.exitCode === 0) return undefined;
  const why = proc.signalCode ? `killed by ${proc.signalCode}${h.timeout ? ` (timeout ${h.timeout}s)` : ""}` : `exit status ${proc.exitCode}`;
  const err = proc.stderr?.toString().trim();
  return `${kind} hook '${h.path}' failed: ${why}${err ? `: ${err.split("\n")[0]}` : ""}`;
};

/** Runs `hooks` in order; the first failure throws. */
export const runHooks = (kind: string, hooks: readonly HookStep[], stateJson: string): void => {
  for (const h of hooks) {
    const failed = runHook(kind, h, stateJson);
    if (failed) throw new Error(failed);
  }
};

/** Runs every hook of `hooks` (poststart, poststop), handing each failure to `warn`. */
export const runHooksWarning = (kind: string, hooks: readonly HookStep[], stateJson: string, warn: (msg: string) => void): void => {
  for (const h of hooks) {
    const failed = runHook(kind, h, stateJson);
    if (failed) warn(failed);
  }
};
