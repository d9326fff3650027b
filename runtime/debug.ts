// --debug: timestamped lines on stderr from the CLI and from every setup stage, to see where the time goes.
export const DEBUG_ENV = "BUNKER_DEBUG";

export const debugEnabled = (): boolean => process.env[DEBUG_ENV] === "1";

/** One line: "bunker[PID] +12.3ms what"; the time is since this process started. */
export const debug = (what: string): void => {
  if (debugEnabled()) process.stderr.write(`bunker[${process.pid}] +${performance.now().toFixed(1)}ms ${what}\n`);
};
