import { check } from "./check.ts";
import { libc } from "./libc.ts";

export const unshare = (flags: number): void => void check("unshare", `0x${flags.toString(16)}`, libc.unshare(flags));

export const setns = (fd: number, nstype: number, what = ""): void =>
  void check("setns", what || `fd ${fd}`, libc.setns(fd, nstype));
