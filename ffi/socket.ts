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
 * Sends `fds` with SCM_RIGHTS and `message` as the data: a string as a C string, bytes as they are (struct msghdr:
 * 56 bytes, same on x64 and arm64). Returns how many bytes of the data went (a stream socket may take fewer).
 */
export const sendFds = (sock: number, fds: readonly number[], message: string | Uint8Array): number => {
  const data = typeof message === "string" ? cstr(message) : message;
  const iov = new BigUint64Array([BigInt(ptr(data)), BigInt(data.length)]);
  const space = 16 + Math.ceil((4 * fds.length) / 8) * 8; // CMSG_SPACE(n * sizeof(int))
  const control = Buffer.alloc(space);
  control.writeBigUInt64LE(BigInt(16 + 4 * fds.length), 0); // CMSG_LEN(n * sizeof(int))
  control.writeInt32LE(1, 8); // SOL_SOCKET
  control.writeInt32LE(1, 12); // SCM_RIGHTS
  fds.forEach((fd, i) => control.writeInt32LE(fd, 16 + 4 * i));
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(BigInt(ptr(iov)), 16);
  msg.writeBigUInt64LE(1n, 24);
  if (fds.length) {
    msg.writeBigUInt64LE(BigInt(ptr(control)), 32);
    msg.writeBigUInt64LE(BigInt(space), 40);
  }
  return check("sendmsg", `fd ${sock}`, Number(libc.sendmsg(sock, msg, 0)));
};

/** Sends one fd with SCM_RIGHTS (see sendFds), all of `message` in one piece. */
export const sendFd = (sock: number, fd: number, message: string | Uint8Array): void => void sendFds(sock, [fd], message);

/** A connected pair of stream sockets, both close-on-exec. */
export const socketPair = (): [number, number] => {
  const sv = new Int32Array(2);
  check("socketpair", "AF_UNIX", libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
};

const MSG_CMSG_CLOEXEC = 0x40000000;

/** Receives up to `maxFds` fds sent with SCM_RIGHTS (close-on-exec here) and the bytes that came with them (at most
 * `maxBytes`; zero bytes at end of file). */
export const recvFds = (sock: number, maxFds: number, maxBytes = 4096): { fds: number[]; data: Buffer } => {
  const data = Buffer.alloc(maxBytes);
  const iov = new BigUint64Array([BigInt(ptr(data)), BigInt(data.length)]);
  const space = 16 + Math.ceil((4 * maxFds) / 8) * 8;
  const control = Buffer.alloc(space);
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(BigInt(ptr(iov)), 16);
  msg.writeBigUInt64LE(1n, 24);
  msg.writeBigUInt64LE(BigInt(ptr(control)), 32);
  msg.writeBigUInt64LE(BigInt(space), 40);
  const n = check("recvmsg", `fd ${sock}`, Number(libc.recvmsg(sock, msg, MSG_CMSG_CLOEXEC)));
  const fds: number[] = [];
  const controlLength = Number(msg.readBigUInt64LE(40));
  if (controlLength >= 16 && control.readInt32LE(8) === 1 && control.readInt32LE(12) === 1) {
    const count = (Number(control.readBigUInt64LE(0)) - 16) / 4;
    for (let i = 0; i < count; i++) fds.push(control.readInt32LE(16 + 4 * i));
  }
  return { fds, data: data.subarray(0, n) };
};

/** Receives one fd sent with SCM_RIGHTS (close-on-exec here) and the message that came with it. */
export const recvFd = (sock: number): { fd: number; message: string } => {
  const { fds, data } = recvFds(sock, 1);
  if (fds.length !== 1) throw new Error(`No file descriptor arrived on socket fd ${sock}`);
  return { fd: fds[0]!, message: data.toString("utf8").replace(/\0+$/, "") };
};
