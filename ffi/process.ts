import { syscallNumber } from "./arch.ts";
import { check, q } from "./check.ts";
import { cstr, cstrArray } from "./cstring.ts";
import { libc } from "./libc.ts";

/** Replaces the process image; returns only by throwing. */
export const execve = (path: string, argv: readonly string[], env: readonly string[]): never => {
  const a = cstrArray(argv);
  const e = cstrArray(env);
  check("execve", q(path), libc.execve(cstr(path), a.array, e.array));
  throw new Error("execve returned without an error");
};

export const kill = (pid: number, signal: number): void => void check("kill", `pid ${pid} signal ${signal}`, libc.kill(pid, signal));

/** waitpid(), blocking until the child exits; returns its pid and the raw wait status. */
export const waitpid = (pid: number): { pid: number; status: number } => {
  const st = new Int32Array(1);
  for (;;) {
    try {
      return { pid: check("waitpid", `pid ${pid}`, libc.waitpid(pid, st, 0)), status: st[0]! };
    } catch (err) {
      if ((err as { code?: string }).code !== "EINTR") throw err;
    }
  }
};

/** waitpid(pid, WNOHANG): the raw wait status of a child that has exited (now reaped), or undefined while it runs. */
export const reapExited = (pid: number): number | undefined => {
  const st = new Int32Array(1);
  const WNOHANG = 1;
  return check("waitpid", `pid ${pid}`, libc.waitpid(pid, st, WNOHANG)) === 0 ? undefined : st[0]!;
};

/** Decodes a wait status as a shell does: the exit code, or 128 + the signal number. */
export const exitCodeOf = (status: number): number => ((status & 0x7f) === 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));

export const pidfdOpen = (pid: number): number =>
  check("pidfd_open", `pid ${pid}`, libc.syscall(syscallNumber("pidfd_open"), BigInt(pid), 0n, 0n, 0n, 0n, 0n));

export const pidfdSendSignal = (pidfd: number, signal: number): void =>
  void check("pidfd_send_signal", `fd ${pidfd} signal ${signal}`, libc.syscall(syscallNumber("pidfd_send_signal"), BigInt(pidfd), BigInt(signal), 0n, 0n, 0n, 0n));

export const prctl = (option: number, a = 0, b = 0, c = 0, d = 0): number =>
  check("prctl", `option ${option}`, libc.prctl(option, BigInt(a), BigInt(b), BigInt(c), BigInt(d)));

export const setsid = (): number => check("setsid", "", libc.setsid());

export const umask = (mask: number): number => libc.umask(mask);

/** prlimit(0, resource, {soft, hard}) on the calling process. */
export const setrlimit = (resource: number, soft: bigint, hard: bigint): void => {
  const lim = new BigUint64Array([soft, hard]);
  check("prlimit", `resource ${resource}`, libc.prlimit(0, resource, lim, null));
};

/** Restores default dispositions and an empty mask: ignored signals and blocked masks survive execve. */
export const resetSignals = (): void => {
  for (let sig = 1; sig < 65; sig++) if (sig !== 9 && sig !== 19 && sig !== 32 && sig !== 33) libc.signal(sig, 0n);
  const empty = new Uint8Array(128);
  check("sigprocmask", "SIG_SETMASK", libc.sigprocmask(2, empty, null));
};

const CLOSE_RANGE_CLOEXEC = 1 << 2;

/** Marks every fd from `first` up close-on-exec, so nothing of the runtime leaks into the container. */
export const closeRangeCloexec = (first: number): void =>
  void check("close_range", `${first}..`, libc.syscall(syscallNumber("close_range"), BigInt(first), 0xffffffffn, BigInt(CLOSE_RANGE_CLOEXEC), 0n, 0n, 0n));
