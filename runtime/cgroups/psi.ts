// Pressure stall information: the text of /proc/pressure/memory and <cgroup>/memory.pressure.
import type { PsiStats } from "./stats.ts";

/** What a pressure file says, in the shape of the statistics' PSI (stats.ts); `full` is absent on old kernels' cpu
 * files (memory always has it). */
export type PsiFigures = Pick<PsiStats, "some"> & Partial<Pick<PsiStats, "full">>;

type PsiLine = PsiStats["some"];

/** Parses "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull ..."; throws naming the source when it does not fit. */
export const parsePsi = (text: string, source: string): PsiFigures => {
  const lines: Partial<Record<"some" | "full", PsiLine>> = {};
  for (const line of text.split("\n")) {
    const m = /^(some|full) avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+) total=(\d+)$/.exec(line.trim());
    if (m) lines[m[1] as "some" | "full"] = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), total: Number(m[5]) };
  }
  if (!lines.some) throw new Error(`Cannot read pressure from '${source}': no 'some' line in '${text.trim().slice(0, 80)}'`);
  return { some: lines.some, ...(lines.full ? { full: lines.full } : {}) };
};
