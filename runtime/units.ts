// Human units in annotation values and flags: sizes ("64M", "1GiB"), durations ("500ms", "2s", Go's "1m30s") and
// percentages ("0.5%"). Each pattern is the single source for both the TypeBox schema and the parser.

export const SIZE_PATTERN = "^(\\d+(?:\\.\\d+)?) ?(?:([kKmMgGtT])(?:[iI]?[bB])?|[bB])?$";
export const DURATION_PATTERN = "^(?:\\d+(?:\\.\\d+)? ?(?:ms|s|m|h))+$";
export const PERCENT_PATTERN = "^(\\d+(?:\\.\\d+)?) ?%?$";
export const RATE_PATTERN = "^(\\d+(?:\\.\\d+)?) ?(?:([kKmMgG])(?:bit)?|bit)?$";

const SIZE_UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
const RATE_UNITS: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const match = (pattern: string, text: string, what: string, expected: string): RegExpExecArray => {
  const m = new RegExp(pattern).exec(text.trim());
  if (!m) throw new Error(`Cannot read ${what}: '${text}' is not ${expected}`);
  return m;
};

/** Bytes of a size such as "64M", "64MiB", "1.5g" or "4096"; binary units, as cgroups and runc use them. */
export const parseSize = (text: string): number => {
  const m = match(SIZE_PATTERN, text, "size", "a number with an optional K, M, G or T unit");
  return Math.floor(Number(m[1]) * (m[2] ? SIZE_UNITS[m[2].toLowerCase()]! : 1));
};

/** Bits per second of a rate such as "10mbit", "10M", "500kbit" or "64000"; decimal units, as tc reads them. */
export const parseRate = (text: string): number => {
  const m = match(RATE_PATTERN, text, "rate", "a number of bits per second with an optional k, M or G unit (\"10mbit\")");
  return Math.floor(Number(m[1]) * (m[2] ? RATE_UNITS[m[2].toLowerCase()]! : 1));
};

/** Milliseconds of a duration such as "500ms", "2s", "5m", "1h" or, as Go writes them, "1m30s". */
export const parseDuration = (text: string): number => {
  match(DURATION_PATTERN, text, "duration", "a number with a unit of ms, s, m or h");
  const parts = text.trim().matchAll(/(\d+(?:\.\d+)?) ?(ms|s|m|h)/g);
  return Math.round([...parts].reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0));
};

/** A percentage, "0.5%" or "0.5", as a number of percent. */
export const parsePercent = (text: string): number => Number(match(PERCENT_PATTERN, text, "percentage", "a number with an optional '%'")[1]);

export const formatBytes = (n: number): string => {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
};
