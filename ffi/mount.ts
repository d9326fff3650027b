import { syscallNumber } from "./arch.ts";
import { check, q } from "./check.ts";
import { addr, cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

export const mount = (source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void => {
  const s = source === null ? null : cstr(source);
  const f = fstype === null ? null : cstr(fstype);
  const d = data === null || data === "" ? null : cstr(data);
  check("mount", `${q(target)}${fstype ? ` (${fstype})` : ""}`, libc.mount(s, cstr(target), f, BigInt(flags), d));
};

export const umount2 = (target: string, flags: number): void => void check("umount2", q(target), libc.umount2(cstr(target), flags));

export const pivotRoot = (newRoot: string, putOld: string): void => {
  const a = cstr(newRoot);
  const b = cstr(putOld);
  check("pivot_root", q(newRoot), libc.syscall(syscallNumber("pivot_root"), addr(a), addr(b), 0n, 0n, 0n, 0n));
};

export const chdir = (path: string): void => void check("chdir", q(path), libc.chdir(cstr(path)));
export const chroot = (path: string): void => void check("chroot", q(path), libc.chroot(cstr(path)));
