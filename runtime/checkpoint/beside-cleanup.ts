// Cleanup that must run whatever happened, without hiding the failure it cleans up after.

/** Runs `main`, then `cleanup` whatever happened; a cleanup error is kept beside the main error, never in its place. */
export const besideCleanup = async (main: () => Promise<unknown>, cleanup: () => unknown): Promise<void> => {
  let failure: { err: unknown } | undefined;
  try {
    await main();
  } catch (err) {
    failure = { err };
  }
  try {
    await cleanup();
  } catch (err) {
    if (!failure) throw err;
    throw new AggregateError([err], (failure.err as Error).message, { cause: failure.err });
  }
  if (failure) throw failure.err;
};
