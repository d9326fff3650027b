// What the memory core holds on containers (a throttle it set, a freeze), kept in the state root: a daemon that is
// killed or restarted leaves them in place, and the next one takes them up again (the ladder then releases them
// after calm, as it would have) instead of leaving a container frozen or throttled for ever. The state root is
// tmpfs, as are the holds themselves after a boot: no flash writes.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, posix } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";

export interface Hold {
  /** memory.high (v2) or soft limit (v1) the ladder set. */
  throttledTo?: number;
  frozen?: boolean;
}

export interface HoldStore {
  load(): Record<string, Hold>;
  save(holds: Record<string, Hold>): void;
}

export const holdsPath = (root: string): string => posix.join(root, ".memory", "holds.json");

export const fileHoldStore = (path: string): HoldStore => ({
  load() {
    try {
      const v: unknown = JSON.parse(readFileSync(path, "utf8"));
      return v !== null && typeof v === "object" ? (v as Record<string, Hold>) : {};
    } catch {
      // None yet, or a file torn by a crash mid-write (the rename makes that unlikely): nothing to take up.
      return {};
    }
  },
  save(holds) {
    if (!Object.keys(holds).length) return rmSync(path, { force: true });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, JSON.stringify(holds), { mode: 0o600 });
  },
});
