import { check } from "./check.ts";
import { libc } from "./libc.ts";

export const setresuid = (uid: number): void => void check("setresuid", `${uid}`, libc.setresuid(uid, uid, uid));
export const setresgid = (gid: number): void => void check("setresgid", `${gid}`, libc.setresgid(gid, gid, gid));

export const setgroups = (gids: readonly number[]): void => {
  const list = new Uint32Array(gids);
  check("setgroups", `[${gids.join(",")}]`, libc.setgroups(BigInt(gids.length), list));
};

/** The three capability sets as 64-bit masks (bit N = capability N). */
export interface CapSets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

const CAP_VERSION_3 = 0x20080522;

export const capset = (sets: CapSets): void => {
  const header = new Uint32Array([CAP_VERSION_3, 0]);
  const lo = (v: bigint): number => Number(v & 0xffffffffn);
  const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
  const data = new Uint32Array([
    lo(sets.effective), lo(sets.permitted), lo(sets.inheritable),
    hi(sets.effective), hi(sets.permitted), hi(sets.inheritable),
  ]);
  check("capset", "", libc.capset(header, data));
};
