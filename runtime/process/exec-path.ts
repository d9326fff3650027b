// Resolves the program to execve the way execvp does, with the container's PATH, after the root switch.
import { accessSync, constants, statSync } from "node:fs";
import { posix } from "node:path";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const executable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

export const resolveExecutable = (arg0: string, env: readonly string[], cwd: string): string => {
  if (arg0.includes("/")) return posix.resolve(cwd, arg0);
  const path = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  for (const dir of path.split(":")) {
    const candidate = posix.join(dir || cwd, arg0);
    if (executable(candidate)) return candidate;
  }
  throw new Error(`Executable file not found in $PATH: '${arg0}'`);
};
