// Unix stream sockets: the start socket of a created container, and descriptors carried with SCM_RIGHTS (how a pty
// master reaches runc's --console-socket).
import { ptr } from "bun:ffi";
import { check, q } from "./check.ts";
import { cstr } from "./cstring.ts";
import { O, O_DIRECTORY } from "./constants.ts";
import { SysError } from "./errno.ts";
import { close, open } from "./fd.ts";
import { errno, libc } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const EINTR = 4;
const O_PATH_DIRECTORY_CLOEXEC = O.PATH | O_DIRECTORY | O.CLOEXEC;

/** struct sockaddr_un for `path` (at most 107 bytes: reach a deeper one through /proc/self/fd/<dirfd>/NAME). */
const unixAddress = (path: string): Buffer => {
  if (Buffer.byteLength(path) > 107) throw new Error(`Unix socket path is too long: ${q(path)}`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  return addr;
};

const streamSocket = (): number => check("socket", "AF_UNIX", libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));

/** Connects a stream socket to a unix socket path. */
export const connectUnix = (path: string): number => {
  const addr = unixAddress(path);
  const fd = streamSocket();
  try {
    check("connect", q(path), libc.connect(fd, addr, 110));
  } catch (err) {
    close(fd);
    throw err;
  }
  return fd;
};

/** A listening stream socket bound to `path` (which must not exist yet), close-on-exec. */
export const listenUnix = (path: string): number => {
  const addr = unixAddress(path);
  const fd = streamSocket();
  try {
    check("bind", q(path), libc.bind(fd, addr, 110));
    check("listen", q(path), libc.listen(fd, 1));
  } catch (err) {
    close(fd);
    throw err;
  }
  return fd;
};

/** A unix socket path names at most 107 bytes: a socket in a deeper directory is reached through its fd. */
const inDirectory = <T>(dir: string, name: string, fn: (path: string) => T): T => {
  const fd = open(dir, O_PATH_DIRECTORY_CLOEXEC);
  try {
    return fn(`/proc/self/fd/${fd}/${name}`);
  } catch (err) {
    if (err instanceof SysError) throw new SysError(err.call, err.errno, q(`${dir}/${name}`));
    throw err;
  } finally {
    close(fd);
  }
};

/** listenUnix() of `dir`/`name`, whatever the length of `dir`. */
export const listenUnixIn = (dir: string, name: string): number => inDirectory(dir, name, listenUnix);

/** connectUnix() to `dir`/`name`, whatever the length of `dir`. */
export const connectUnixIn = (dir: string, name: string): number => inDirectory(dir, name, connectUnix);

/** Blocks until a connection arrives on the listening socket `fd`; the new socket is close-on-exec. */
export const acceptUnix = (fd: number): number => {
  for (;;) {
    const conn = libc.accept4(fd, null, null, SOCK_CLOEXEC);
    if (conn >= 0) return conn;
    if (errno() !== EINTR) return check("accept4", `fd ${fd}`, conn);
  }
};

/**
 * Sends one fd with SCM_RIGHTS and `message` as the data: a string as a C string, bytes as they are (struct msghdr:
 * 56 bytes, same on x64 and arm64).
 */
export const sendFd = (sock: number, fd: number, message: string | Uint8Array): void => {
  const data = typeof message === "string" ? cstr(message) : message;
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


/** A connected pair of stream sockets, both close-on-exec. */
export const socketPair = (): [number, number] => {
  const sv = new Int32Array(2);
  check("socketpair", "AF_UNIX", libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
};

const MSG_CMSG_CLOEXEC = 0x40000000;

/** Receives one fd sent with SCM_RIGHTS (close-on-exec here) and the message that came with it. */
export const recvFd = (sock: number): { fd: number; message: string } => {
  const data = Buffer.alloc(4096);
  const iov = new BigUint64Array([BigInt(ptr(data)), BigInt(data.length)]);
  const control = Buffer.alloc(24);
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(BigInt(ptr(iov)), 16);
  msg.writeBigUInt64LE(1n, 24);
  msg.writeBigUInt64LE(BigInt(ptr(control)), 32);
  msg.writeBigUInt64LE(24n, 40);
  const n = check("recvmsg", `fd ${sock}`, libc.recvmsg(sock, msg, MSG_CMSG_CLOEXEC));
  if (control.readInt32LE(8) !== 1 || control.readInt32LE(12) !== 1) throw new Error(`No file descriptor arrived on socket fd ${sock}`);
  return { fd: control.readInt32LE(16), message: data.toString("utf8", 0, n).replace(/\0+$/, "") };
};
