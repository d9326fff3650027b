// Pseudo-terminals: a new pair in the devpts instance behind /dev/ptmx, and the window size.
import { ptr } from "bun:ffi";
import { check } from "./check.ts";
import { SysError } from "./errno.ts";
import { libc } from "./libc.ts";

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;

/** Opens a new pty master in the devpts instance behind /dev/ptmx; returns the master fd and the slave's path. */
export const openPty = (): { master: number; slavePath: string } => {
  const master = check("posix_openpt", "", libc.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  check("grantpt", `fd ${master}`, libc.grantpt(master));
  check("unlockpt", `fd ${master}`, libc.unlockpt(master));
  const name = Buffer.alloc(128);
  const err = libc.ptsname_r(master, name, 128n);
  if (err !== 0) throw new SysError("ptsname_r", err, `fd ${master}`);
  return { master, slavePath: name.toString("utf8", 0, name.indexOf(0)) };
};

const TIOCSWINSZ = 0x5414;

export const setWindowSize = (fd: number, rows: number, cols: number): void => {
  const ws = new Uint16Array([rows, cols, 0, 0]);
  check("ioctl", `fd ${fd} TIOCSWINSZ`, libc.ioctl(fd, BigInt(TIOCSWINSZ), BigInt(ptr(ws))));
};
