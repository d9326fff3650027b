// The mount table as this process sees it (/proc/self/mountinfo): is a directory a mount point?
import { readFileSync } from "node:fs";

/** Mount points, with the octal escapes of mountinfo (\040 for a space) decoded. */
export const mountPoints = (): Set<string> =>
  new Set(
    readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ")[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))),
  );

export const isMountPoint = (path: string): boolean => mountPoints().has(path);
