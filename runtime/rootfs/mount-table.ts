// The mount table as /proc/self/mountinfo lists it: id, mount point and propagation of each mount.

export interface MountEntry {
  id: number;
  mountpoint: string;
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
      return { id: Number(fields[0]), mountpoint: unescape(fields[4] ?? ""), optional: fields.slice(6) };
    });

export const isShared = (m: MountEntry): boolean => m.optional.some((o) => o.startsWith("shared:"));
