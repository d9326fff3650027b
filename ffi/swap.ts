// swapon(2) and swapoff(2), for bunker's zram swap on boards.
import { check, q } from "./check.ts";
import { cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** SWAP_FLAG_PREFER with the priority in the low 15 bits; SWAP_FLAG_DISCARD lets zram free pages swapped back in. */
const SWAP_FLAG = { PREFER: 0x8000, PRIO_MASK: 0x7fff, DISCARD: 0x10000 } as const;

export const swapon = (path: string, priority: number, discard = true): void => {
  const flags = (priority >= 0 ? SWAP_FLAG.PREFER | (priority & SWAP_FLAG.PRIO_MASK) : 0) | (discard ? SWAP_FLAG.DISCARD : 0);
  check("swapon", q(path), libc.swapon(cstr(path), flags));
};

export const swapoff = (path: string): void => void check("swapoff", q(path), libc.swapoff(cstr(path)));

export const pageSize = (): number => libc.getpagesize();
