// Container IDs: the alphabet runc allows, at its edges (length, '.', '-', '+'), and everything outside it.
import type { Rng } from "./rng.ts";
import { EDGE_STRINGS } from "./values.ts";

const ALLOWED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.";
const HOSTILE = ["/", "\0", "\n", " ", "*", "?", "é", "😀", "\u202e", "\u001b", ":", ";", "$", "`", "'", "\\", "%", "\ud800"];

/** An ID; `prefix` (this run's marker) keeps what the executable creates recognizable, unless the case drops it. */
export const mutateId = (rng: Rng, prefix: string): string => {
  switch (rng.int(6)) {
    case 0:
      return rng.pick(EDGE_STRINGS);
    case 1:
      return rng.pick([".", "..", "-", "+", "_", "...", "-rf", "--help", "a..b", ".hidden", "x".repeat(255), "x".repeat(256), "x".repeat(1024), "x".repeat(1025), "x".repeat(100_000)]);
    default: {
      let id = rng.chance(0.8) ? prefix : "";
      const n = rng.pick([1, 4, 16, 64, 200, 240]);
      for (let i = 0; i < n; i++) id += rng.chance(0.97) ? rng.pick([...ALLOWED]) : rng.pick(HOSTILE);
      return id;
    }
  }
};
