// RLIMIT_* names of the OCI config -> resource numbers for prlimit(2), and limit values as prlimit takes them.
import { RLIM_INFINITY, RLIMIT } from "../../ffi/constants.ts";
import { nameTable } from "./name-table.ts";

const table = nameTable("RLIMIT_", RLIMIT, "rlimit");
export type RlimitName = (typeof table.names)[number];

/** Every resource bunker knows, in number order. */
export const RLIMIT_NAMES = table.names;
export const isRlimitName = table.has;
export const rlimitResource = table.number;

/**
 * A soft or hard limit from config.json as the 64-bit value prlimit takes. JSON.parse turns 2^64-1 (unlimited, as runc
 * and Go write it) into 2^64, so anything from 2^64-1 up means RLIM_INFINITY.
 */
export const rlimitValue = (n: number): bigint => (n >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(n));
