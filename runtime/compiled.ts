// Whether bunker runs as the compiled single executable or from source, and how it finds its own parts in each case.

/** A compiled executable's modules live under /$bunfs/root, relative to the entry points' common folder (runtime/). */
export const isCompiled = (): boolean => Bun.main.startsWith("/$bunfs/");

/**
 * A Worker script's URL. `fromRuntime`: its path below runtime/ (it must also be one of build.ts's ENTRYPOINTS, or the
 * executable does not hold it); `local`: the same file relative to the caller's module, when running from source.
 */
export const workerUrl = (fromRuntime: string, local: URL): string => (isCompiled() ? `/$bunfs/root/${fromRuntime}` : local.href);

/** The command that starts this program again: the executable itself, or `bun <entry>` from source. */
export const selfCommand = (): string[] => (isCompiled() || Bun.main === process.execPath ? [process.execPath] : [process.execPath, Bun.main]);
