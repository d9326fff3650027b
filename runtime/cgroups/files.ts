// Reading and writing cgroup interface files, with one-line errors that name the file, the value and the cgroup.
import { codeOf, type CgroupFs } from "./fs.ts";

export const writeFile = (fs: CgroupFs, dir: string, file: string, value: string | number): void => {
  try {
    fs.write(`${dir}/${file}`, String(value));
  } catch (err) {
    throw new Error(`Setting ${file} to '${value}' in '${dir}': ${codeOf(err) || String(err)}`, { cause: err });
  }
};

export const readFile = (fs: CgroupFs, dir: string, file: string): string => {
  try {
    return fs.read(`${dir}/${file}`).trim();
  } catch (err) {
    throw new Error(`Reading ${file} in '${dir}': ${codeOf(err) || String(err)}`, { cause: err });
  }
};

/** A file holding one number. */
export const readNumber = (fs: CgroupFs, dir: string, file: string): number => parseValue(readFile(fs, dir, file));

/** Like readNumber, 0 when the file is absent (kernels differ in what they offer). */
export const readNumberOr0 = (fs: CgroupFs, dir: string, file: string): number =>
  fs.exists(`${dir}/${file}`) ? readNumber(fs, dir, file) : 0;

/**
 * Whether a limit read from a cgroup means none: v1 reports "unlimited" as the largest page-aligned signed 64-bit
 * value (9223372036854771712), v2 as "max" (read as 2^64-1 by parseValue).
 */
export const isUnlimited = (limit: number): boolean => limit >= 2 ** 62;

/** "max" is the v2 spelling of unlimited; it reads as 2^64-1, runc's value for it. */
export const parseValue = (s: string): number => (s === "max" ? 2 ** 64 - 1 : Number(s));

/**
 * An integer exactly as the kernel wrote it, for statistics that are printed: a number while a double holds it
 * exactly, a bigint beyond 2^53 (v1's "unlimited" 9223372036854771712, v2's "max" as 2^64-1).
 */
export type Count = number | bigint;

export const parseCount = (s: string): Count => {
  if (s === "max") return 2n ** 64n - 1n;
  const n = Number(s);
  return Number.isSafeInteger(n) || !/^-?\d+$/.test(s) ? n : BigInt(s);
};

/** `c` times `factor` (unit conversions), still exact. */
export const scaleCount = (c: Count, factor: number): Count => {
  const n = Number(c) * factor;
  return Number.isSafeInteger(n) ? n : BigInt(c) * BigInt(factor);
};

/** A file holding one integer, exactly. */
export const readCount = (fs: CgroupFs, dir: string, file: string): Count => parseCount(readFile(fs, dir, file));

/** Like readCount, 0 when the file is absent. */
export const readCountOr0 = (fs: CgroupFs, dir: string, file: string): Count => (fs.exists(`${dir}/${file}`) ? readCount(fs, dir, file) : 0);

/**
 * "key value" lines: flat keyed cgroup files (memory.stat, cpu.stat, memory.events, cgroup.events,
 * memory.oom_control) and /proc files whose keys end in ':' and whose values may carry a unit (/proc/meminfo,
 * /proc/<pid>/status). Lines whose value is not a number ("max" aside) are left out.
 */
const keyed = <T>(text: string, parse: (s: string) => T): Record<string, T> => {
  const out: Record<string, T> = {};
  for (const line of text.split("\n")) {
    const m = /^(\S+?):?\s+(-?\d+|max)(?:\s|$)/.exec(line);
    if (m) out[m[1]!] = parse(m[2]!);
  }
  return out;
};

export const parseKeyed = (text: string): Record<string, number> => keyed(text, parseValue);

/** A flat keyed file of a cgroup; empty when the file is absent. */
export const readKeyed = (fs: CgroupFs, dir: string, file: string): Record<string, number> =>
  fs.exists(`${dir}/${file}`) ? parseKeyed(readFile(fs, dir, file)) : {};

/** Like readKeyed, with exact values (for statistics). */
export const readKeyedCounts = (fs: CgroupFs, dir: string, file: string): Record<string, Count> =>
  fs.exists(`${dir}/${file}`) ? keyed(readFile(fs, dir, file), parseCount) : {};

/** PIDs listed in a cgroup.procs file. */
export const readPids = (fs: CgroupFs, dir: string): number[] =>
  fs.exists(`${dir}/cgroup.procs`) ? readFile(fs, dir, "cgroup.procs").split("\n").filter(Boolean).map(Number) : [];
