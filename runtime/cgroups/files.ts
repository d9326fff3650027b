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

/** "max" is the v2 spelling of unlimited; it reads as 2^64-1, runc's value for it. */
export const parseValue = (s: string): number => (s === "max" ? 2 ** 64 - 1 : Number(s));

/** A flat keyed file ("key value" per line: memory.stat, cpu.stat, memory.events). */
export const readKeyed = (fs: CgroupFs, dir: string, file: string): Record<string, number> => {
  const out: Record<string, number> = {};
  if (!fs.exists(`${dir}/${file}`)) return out;
  for (const line of readFile(fs, dir, file).split("\n")) {
    const [k, v] = line.split(/\s+/);
    if (k && v !== undefined) out[k] = parseValue(v);
  }
  return out;
};

/** PIDs listed in a cgroup.procs file. */
export const readPids = (fs: CgroupFs, dir: string): number[] =>
  fs.exists(`${dir}/cgroup.procs`) ? readFile(fs, dir, "cgroup.procs").split("\n").filter(Boolean).map(Number) : [];
