// Unix sockets that carry file descriptors (SCM_RIGHTS): how a pty master reaches runc's --console-socket.
import { ptr } from "bun:ffi";
import { check, q } from "./check.ts";
import { cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;

/** Connects a stream socket to a unix socket path. */
export const connectUnix = (path: string): number => {
  const fd = check("socket", "AF_UNIX", libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) > 107) throw new Error(`Unix socket path is too long: ${q(path)}`);
  addr.write(path, 2);
  check("connect", q(path), libc.connect(fd, addr, 110));
  return fd;
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
