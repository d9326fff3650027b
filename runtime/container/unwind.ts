/** Runs cleanups newest first, every one of them, and throws `main` with every cleanup error kept beside it. */
export const unwind = async (main: unknown, cleanups: readonly (() => unknown)[]): Promise<never> => {
  const errors: unknown[] = [];
  for (const c of [...cleanups].reverse()) {
    try {
      await c();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new AggregateError(errors, main instanceof Error ? main.message : String(main), { cause: main });
  throw main;
};
