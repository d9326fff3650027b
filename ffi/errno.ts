// errno numbers are the asm-generic ones on both x86_64 and aarch64.
const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF",
  10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST",
  18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY",
  26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM",
  34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG", 37: "ENOLCK", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP",
  61: "ENODATA", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT", 111: "ECONNREFUSED", 122: "EDQUOT",
};

const NUMBERS: Record<string, number> = Object.fromEntries(Object.entries(NAMES).map(([n, name]) => [name, Number(n)]));

export const errnoName = (errno: number): string => NAMES[errno] ?? `E${errno}`;
export const errnoNumber = (name: string): number => {
  const n = NUMBERS[name];
  if (n === undefined) throw new Error(`Unknown errno name: '${name}'`);
  return n;
};

/** A failed system call: which call, on what, and the errno name. */
export class SysError extends Error {
  override readonly name = "SysError";
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly detail = "",
  ) {
    super(`${call}${detail ? ` ${detail}` : ""}: ${errnoName(errno)}`);
  }
  get code(): string {
    return errnoName(this.errno);
  }
}

export const isErrno = (err: unknown, name: string): err is SysError => err instanceof SysError && err.code === name;
