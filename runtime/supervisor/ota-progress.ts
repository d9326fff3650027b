// The daemon's view of an update's progress: each phase line becomes an event; byte counts of pulls are left to
// `bunker ota apply` on a terminal (the daemon does not wake up for them).
import type { Progress } from "../../image/progress.ts";

export const noteProgress = (note: (line: string) => void): Progress => ({ begin() {}, advance() {}, end() {}, note });
