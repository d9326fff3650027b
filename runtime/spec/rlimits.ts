// RLIMIT_* names of the OCI config -> resource numbers for prlimit(2), and limit values as prlimit takes them.
import { RLIM_INFINITY, RLIMIT } from "../../ffi/constants.ts";

export type RlimitName = `RLIMIT_${keyof typeof RLIMIT}`;

/** Every resource bunker knows, in number order. */
export const RLIMIT_NAMES: readonly RlimitName[] = (Object.keys(RLIMIT) as (keyof typeof RLIMIT)[])
  .sort((a, b) => RLIMIT[a] - RLIMIT[b])
  .map((n) => `RLIMIT_${n}` as const);

const BY_NAME = new Map<string, number>(RLIMIT_NAMES.map((n) => [n, RLIMIT[n.slice(7) as keyof typeof RLIMIT]]));

export const isRlimitName = (name: string): name is RlimitName => BY_NAME.has(name);

export const rlimitResource = (name: string): number => {
  const n = BY_NAME.get(name);
  if (n === undefined) throw new Error(`Unknown rlimit: '${name}'`);
  return n;
};

/**
 * A soft or hard limit from config.json as the 64-bit value prlimit takes. JSON.parse turns 2^64-1 (unlimited, as runc
 * and Go write it) into 2^64, so anything from 2^64-1 up means RLIM_INFINITY.
 */
export const rlimitValue = (n: number): bigint => (n >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(n));
