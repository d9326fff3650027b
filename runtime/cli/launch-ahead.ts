// `create` and `run` start their setup stage before their modules load (runtime/process/ahead.ts). This finds the
// bundle in their arguments before their own parse does; a wrong guess costs a stage that is let go, never a wrong
// one (the stage taken must have been started with the options the container needs).

/** The flags of `create` and `run` that take a value (create-options.ts, image-flags.ts, the network flags; a unit test holds them
 * to those), as `--name VALUE` or `-x VALUE`. */
export const VALUE_FLAGS = ["--bundle", "-b", "--pid-file", "--console-socket", "--image", "--env", "-e", "--memory", "-m", "--max-layer-size", "--network", "--publish", "-p"];

/** The bundle `create`/`run` will use, or undefined when they will make one from an image. */
export const bundleInArgs = (args: readonly string[]): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--image" || a.startsWith("--image=")) return undefined;
    if (a === "--bundle" || a === "-b") return args[i + 1];
    if (a.startsWith("--bundle=")) return a.slice("--bundle=".length);
    if (VALUE_FLAGS.includes(a)) i++;
    // The container's ID: what follows it is `run`'s program and its arguments.
    else if (!a.startsWith("-")) break;
  }
  return ".";
};

/** Starts the stage ahead for `create` and `run`. */
export const launchAheadFor = async (name: string, args: readonly string[]): Promise<void> => {
  if (name !== "create" && name !== "run") return;
  const bundle = bundleInArgs(args);
  if (bundle !== undefined) (await import("../process/ahead.ts")).launchAhead(bundle);
};
