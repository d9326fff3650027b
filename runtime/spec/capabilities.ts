// Capability names as the OCI config writes them (CAP_KILL) -> numbers, and the bit masks capset(2) takes.
import { CAP } from "../../ffi/constants.ts";

export type CapabilityName = `CAP_${keyof typeof CAP}`;

/** Every capability bunker knows, in number order (0..40). */
export const CAPABILITY_NAMES: readonly CapabilityName[] = (Object.keys(CAP) as (keyof typeof CAP)[])
  .sort((a, b) => CAP[a] - CAP[b])
  .map((n) => `CAP_${n}` as const);

export const LAST_CAPABILITY = Math.max(...Object.values(CAP));

const BY_NAME = new Map<string, number>(CAPABILITY_NAMES.map((n) => [n, CAP[n.slice(4) as keyof typeof CAP]]));

export const isCapabilityName = (name: string): name is CapabilityName => BY_NAME.has(name);

export const capabilityNumber = (name: string): number => {
  const n = BY_NAME.get(name);
  if (n === undefined) throw new Error(`Unknown capability: '${name}'`);
  return n;
};

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
