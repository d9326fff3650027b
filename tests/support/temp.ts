// Temporary directories of the tests, all removed once a test file is done, so a run leaves /tmp as it was.
// A test file calls `const temp = tempDirs();` at its top; `temp("disk-")` (and the support helpers that make bundles
// and state roots) then hand out directories that the file's afterAll removes.
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A fresh directory below the system's temporary directory, removed by the next removeTemps(). */
export const makeTemp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

export const removeTemps = (): void => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
};

/** Registers the calling test file's cleanup and returns makeTemp. */
export const tempDirs = (): ((prefix: string) => string) => {
  afterAll(removeTemps);
  return makeTemp;
};
