// Joins a path inside a root without letting symlinks or ".." escape it (the rule of runc's securejoin).
import { lstatSync, readlinkSync } from "node:fs";
import { posix } from "node:path";

const MAX_LINKS = 255;

export const secureJoin = (root: string, unsafe: string): string => {
  const pending = unsafe.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === "..") {
      done.pop();
      continue;
    }
    const full = posix.join(root, ...done, part);
    let target: string | undefined;
    try {
      if (lstatSync(full).isSymbolicLink()) target = readlinkSync(full);
    } catch {
      // A missing component is created later by the caller; keep the lexical path.
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`Too many symbolic links under '${root}': '${unsafe}'`);
    if (target.startsWith("/")) done.length = 0;
    pending.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return posix.join(root, ...done);
};
