// maskedPaths and readonlyPaths, applied after the root switch; missing paths are skipped as runc does.
import { statSync } from "node:fs";
import { MS } from "../../ffi/constants.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";

const kindOf = (path: string): "dir" | "file" | "missing" => {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
};

export const maskPath = (sys: Pick<Syscalls, "mount">, path: string): void => {
  const kind = kindOf(path);
  if (kind === "missing") return;
  if (kind === "dir") sys.mount("tmpfs", path, "tmpfs", MS.RDONLY, null);
  else sys.mount("/dev/null", path, "bind", MS.BIND, null);
};

export const readonlyPath = (sys: Pick<Syscalls, "mount">, path: string): void => {
  if (kindOf(path) === "missing") return;
  sys.mount(path, path, "bind", MS.BIND | MS.REC, null);
  sys.mount(null, path, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.REC | MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
};

export const readonlyRoot = (sys: Pick<Syscalls, "mount">): void => {
  sys.mount(null, "/", null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
};
