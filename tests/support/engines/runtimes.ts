// The runtimes the engine tests drive side by side: the compiled bunker and Debian's runc as the baseline.
import { BIN, skipReason } from "../cli.ts";

export interface Runtime {
  readonly name: "bunker" | "runc";
  readonly path: string;
  /** The state root it uses when an engine passes no --root (podman does not). */
  readonly defaultRoot: string;
}

export const RUNTIMES: readonly Runtime[] = [
  { name: "bunker", path: BIN, defaultRoot: "/run/bunker" },
  { name: "runc", path: Bun.which("runc") ?? "/usr/sbin/runc", defaultRoot: "/run/runc" },
];

/** Why the engine tests cannot run here, or undefined when they can. */
export const enginesSkipReason = (tools: string[]): string | undefined => {
  const base = skipReason();
  if (base) return base;
  const missing = ["runc", "umoci", "skopeo", ...tools].filter((t) => !Bun.which(t));
  return missing.length ? `missing ${missing.join(", ")} (bash tests/engines/install.sh installs them)` : undefined;
};
