import { SysError } from "./errno.ts";
import { errno } from "./libc.ts";

/** Throws SysError when a libc call returned -1; returns the result otherwise. errno is read before anything else runs. */
export const check = (call: string, detail: string, ret: number | bigint): number => {
  const n = Number(ret);
  if (n === -1) throw new SysError(call, errno(), detail);
  return n;
};

export const q = (s: string): string => `'${s}'`;
