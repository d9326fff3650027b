// The mount table as /proc/self/mountinfo lists it: id, mount point, propagation, root and type of each mount.

export interface MountEntry {
  id: number;
  mountpoint: string;
  /** The directory of its file system the mount shows ("/" unless it is a bind mount of part of it). */
  root: string;
  fstype: string;
  /** The optional fields: "shared:N", "master:N", "propagate_from:N", "unbindable". */
  optional: string[];
}

// mountinfo escapes space, tab, newline and backslash as octal.
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export const parseMountTable = (text: string): MountEntry[] =>
  text
    .split("\n")
    .filter((line) => line.includes(" - "))
    .map((line) => {
      const fields = line.slice(0, line.indexOf(" - ")).split(" ");
      const fstype = line.slice(line.indexOf(" - ") + 3).split(" ")[0] ?? "";
      return { id: Number(fields[0]), mountpoint: unescape(fields[4] ?? ""), root: unescape(fields[3] ?? ""), fstype, optional: fields.slice(6) };
    });

export const isShared = (m: MountEntry): boolean => m.optional.some((o) => o.startsWith("shared:"));
