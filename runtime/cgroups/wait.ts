// Bounded polling for cgroup state changes (freezing, emptying): short sleeps first, then at most every 50 ms, so a
// quick transition costs a millisecond and a slow one few wake-ups.
const MAX_SLEEP_MS = 50;

export const waitFor = async (done: () => boolean, what: string, timeoutMs: number): Promise<void> => {
  const deadline = performance.now() + timeoutMs;
  for (let sleep = 1; !done(); sleep = Math.min(sleep * 2, MAX_SLEEP_MS)) {
    if (performance.now() > deadline) throw new Error(`Waiting for ${what}: timed out after ${timeoutMs} ms`);
    await Bun.sleep(sleep);
  }
};
