// Resolves the program to execve the way execvp does, with the container's PATH, after the root switch, and checks
// that the container's user may execute it: so that `create` fails, not the program's start.
import { statSync, type Stats } from "node:fs";
import { posix } from "node:path";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const CAP_DAC_OVERRIDE = 1n;

/** Who will execve the program: the container's user with the capabilities it has then. */
export interface Executor {
  uid: number;
  gid: number;
  additionalGids: readonly number[];
  /** CAP_DAC_OVERRIDE in the effective set at execve: then any execute bit will do, as for the kernel. */
  dacOverride: boolean;
}

/** The executor a plan describes: without a capabilities section the stage keeps root's, which a non-root uid loses. */
export const executorOf = (plan: { user: { uid: number; gid: number; additionalGids: number[] }; capabilities: { effective: string } | null }): Executor => ({
  ...plan.user,
  dacOverride: plan.capabilities ? ((BigInt(plan.capabilities.effective) >> CAP_DAC_OVERRIDE) & 1n) === 1n : plan.user.uid === 0,
});

const stat = (p: string): Stats | undefined => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};

/** The kernel's check for MAY_EXEC: the owner's, the group's or the others' bit, whichever class applies. */
const mayExecute = (st: Stats, who: Executor): boolean => {
  if (!st.isFile()) return false;
  if (who.dacOverride) return (st.mode & 0o111) !== 0;
  if (st.uid === who.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === who.gid || who.additionalGids.includes(st.gid)) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
};

export const resolveExecutable = (arg0: string, env: readonly string[], cwd: string, who: Executor): string => {
  if (arg0.includes("/")) {
    const path = posix.resolve(cwd, arg0);
    const st = stat(path);
    if (!st) throw new Error(`No such program: '${path}'`);
    if (!mayExecute(st, who)) throw new Error(`'${path}' is not a file that uid ${who.uid} may execute`);
    return path;
  }
  const path = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  let denied: string | undefined;
  for (const dir of path.split(":")) {
    const candidate = posix.join(dir || cwd, arg0);
    const st = stat(candidate);
    if (st && mayExecute(st, who)) return candidate;
    if (st?.isFile()) denied ??= candidate;
  }
  if (denied) throw new Error(`'${denied}' is not a file that uid ${who.uid} may execute`);
  throw new Error(`Executable file not found in $PATH: '${arg0}'`);
};
