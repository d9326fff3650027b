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
 * "key value" lines: flat keyed cgroup files (memory.stat, cpu.stat, memory.events, cgroup.events,
 * memory.oom_control) and /proc files whose keys end in ':' and whose values may carry a unit (/proc/meminfo,
 * /proc/<pid>/status). Lines whose value is not a number ("max" aside) are left out.
 */
export const parseKeyed = (text: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(\S+?):?\s+(-?\d+|max)(?:\s|$)/.exec(line);
    if (m) out[m[1]!] = parseValue(m[2]!);
  }
  return out;
};

/** A flat keyed file of a cgroup; empty when the file is absent. */
export const readKeyed = (fs: CgroupFs, dir: string, file: string): Record<string, number> =>
  fs.exists(`${dir}/${file}`) ? parseKeyed(readFile(fs, dir, file)) : {};

/** PIDs listed in a cgroup.procs file. */
export const readPids = (fs: CgroupFs, dir: string): number[] =>
  fs.exists(`${dir}/cgroup.procs`) ? readFile(fs, dir, "cgroup.procs").split("\n").filter(Boolean).map(Number) : [];
