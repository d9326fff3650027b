// Capability names as the OCI config writes them (CAP_KILL) -> numbers, and the bit masks capset(2) takes.
import { CAP } from "../../ffi/constants.ts";
import { nameTable } from "./name-table.ts";

const table = nameTable("CAP_", CAP, "capability");
export type CapabilityName = (typeof table.names)[number];

/** Every capability bunker knows, in number order (0..40). */
export const CAPABILITY_NAMES = table.names;
export const isCapabilityName = table.has;
export const capabilityNumber = table.number;

/** A capability set as capset(2) takes it with _LINUX_CAPABILITY_VERSION_3: bits 0..31 and bits 32..63. */
export interface CapabilityMask {
  low: number;
  high: number;
}

export const capabilityMask = (names: readonly string[]): CapabilityMask => {
  let low = 0;
  let high = 0;
  for (const name of names) {
    const n = capabilityNumber(name);
    if (n < 32) low |= 1 << n;
    else high |= 1 << (n - 32);
  }
  // `|` yields signed 32-bit values; capset wants the unsigned words.
  return { low: low >>> 0, high: high >>> 0 };
};
