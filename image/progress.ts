// What long steps (pull, import, unpack) report as they go. The CLI renders it: a live line per item on a
// terminal, JSON lines with --json, nothing otherwise. Library code only calls these.

export type ProgressStep = "pull" | "import" | "unpack" | "verify";

export interface Progress {
  /** An item starts: `total` bytes expected (0 when unknown), `done` already held (a resumed blob). */
  begin(id: string, step: ProgressStep, label: string, total: number, done?: number): void;
  advance(id: string, bytes: number): void;
  /** "exists": nothing to do (deduplicated); "failed": the error follows as the command's result. */
  end(id: string, outcome: "done" | "exists" | "failed"): void;
  /** A line worth telling the user (a fallback taken, a warning). */
  note(message: string): void;
}

export const silentProgress: Progress = { begin() {}, advance() {}, end() {}, note() {} };
