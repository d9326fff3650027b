// Pseudo-terminals and handing their master end to another process over a unix socket (runc's --console-socket).
import { ptr } from "bun:ffi";
import { check, q } from "./check.ts";
import { cstr } from "./cstring.ts";
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
  if (err !== 0) throw Object.assign(new Error(`ptsname_r fd ${master}: error ${err}`));
  return { master, slavePath: name.toString("utf8", 0, name.indexOf(0)) };
};

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;

/** Connects a stream socket to a unix socket path. */
export const connectUnix = (path: string): number => {
  const fd = check("socket", "AF_UNIX", libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) > 107) throw new Error(`Console socket path is too long: ${q(path)}`);
  addr.write(path, 2);
  check("connect", q(path), libc.connect(fd, addr, 110));
  return fd;
};

/** Sends one fd with SCM_RIGHTS and `message` as the data (struct msghdr: 56 bytes, same on x64 and arm64). */
export const sendFd = (sock: number, fd: number, message: string): void => {
  const data = cstr(message);
  const iov = new BigUint64Array([BigInt(ptr(data)), BigInt(data.length)]);
  const control = Buffer.alloc(24); // CMSG_SPACE(sizeof(int))
  control.writeBigUInt64LE(20n, 0); // CMSG_LEN(sizeof(int))
  control.writeInt32LE(1, 8); // SOL_SOCKET
  control.writeInt32LE(1, 12); // SCM_RIGHTS
  control.writeInt32LE(fd, 16);
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(BigInt(ptr(iov)), 16);
  msg.writeBigUInt64LE(1n, 24);
  msg.writeBigUInt64LE(BigInt(ptr(control)), 32);
  msg.writeBigUInt64LE(24n, 40);
  check("sendmsg", `fd ${sock}`, libc.sendmsg(sock, msg, 0));
};

const TIOCSWINSZ = 0x5414;

export const setWindowSize = (fd: number, rows: number, cols: number): void => {
  const ws = new Uint16Array([rows, cols, 0, 0]);
  check("ioctl", `fd ${fd} TIOCSWINSZ`, libc.ioctl(fd, BigInt(TIOCSWINSZ), BigInt(ptr(ws))));
};
