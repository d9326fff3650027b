// Waiting in a test for something to happen, bounded: polls with short sleeps (doubling up to 20 ms) and fails,
// naming what it waited for, when the condition does not hold within `ms` (4 s by default, inside bun's 5 s test
// timeout). No test sleeps a fixed time before asserting that something happened.
export const until = async (cond: () => boolean, what = "the condition", ms = 4_000): Promise<void> => {
  const deadline = performance.now() + ms;
  for (let sleep = 1; !cond(); sleep = Math.min(sleep * 2, 20)) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(sleep);
  }
};
