// The standard conversions between cgroup v1 and v2 values (runc's and crun's formulas), so a v1-era config means the
// same on a v2 board.

/** cpu.shares (2..262144) to cpu.weight (1..10000); 0 stays unset. */
export const sharesToWeight = (shares: number): number => (shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142));

/** blkio.weight (10..1000) to io.weight (1..10000); 0 stays unset. */
export const blkioToIoWeight = (weight: number): number => (weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990));

/** OCI memory.swap (memory plus swap, v1's memsw) to v2's memory.swap.max (swap alone). 0 means unset, -1 max. */
export const swapToV2 = (swap: number, limit: number): number => {
  // As in v1: an unlimited memory without an explicit swap makes swap unlimited too.
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) throw new Error(`Converting memory.swap '${swap}': a swap limit needs a memory limit`);
  if (swap < limit) throw new Error(`Converting memory.swap '${swap}': must be at least memory.limit '${limit}'`);
  return swap - limit;
};

/** v2 spelling of a limit: -1 is "max", 0 means unset (""). */
export const v2Limit = (n: number | undefined): string => (n === undefined || n === 0 ? "" : n < 0 ? "max" : String(n));
