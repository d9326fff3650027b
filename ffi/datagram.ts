// Unix datagram sockets, for sd_notify(3)'s protocol: systemd's NOTIFY_SOCKET is an AF_UNIX SOCK_DGRAM address, a
// path or, with a leading '@', a name in the abstract namespace. Bun has no unix datagram sockets of its own.
import { check, q } from "./check.ts";
import { close } from "./fd.ts";
import { libc } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;

/** struct sockaddr_un and its length: the abstract namespace has no terminating NUL and counts only its bytes. */
const unixAddress = (address: string): { addr: Buffer; length: number } => {
  const name = Buffer.from(address.startsWith("@") ? `\0${address.slice(1)}` : address);
  if (name.length > 107) throw new Error(`Unix socket address is too long: ${q(address)}`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  return { addr, length: 2 + name.length + (address.startsWith("@") ? 0 : 1) };
};

export interface DatagramSender {
  send(message: string): void;
  close(): void;
}

/** An unconnected datagram socket that sends to `address` (a path, or '@name' for the abstract namespace). */
export const datagramTo = (address: string): DatagramSender => {
  const { addr, length } = unixAddress(address);
  const fd = check("socket", "AF_UNIX SOCK_DGRAM", libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  return {
    send(message) {
      const data = Buffer.from(message);
      check("sendto", q(address), libc.sendto(fd, data, BigInt(data.length), MSG_NOSIGNAL, addr, length));
    },
    close: () => close(fd),
  };
};
