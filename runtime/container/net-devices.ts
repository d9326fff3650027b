// linux.netDevices: host interfaces that `create` moves into the container's network namespace (from the parent,
// once the stage made the namespace) and `delete` moves back while that namespace still lives. A namespace that died
// with its last process has taken its devices along: virtual ones (veth, dummy) are destroyed, physical ones return
// to the host's initial namespace (the kernel's rule).
import { O } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { IFA_F_PERMANENT, realLinkOps, RT_SCOPE_UNIVERSE, type LinkOps } from "../../ffi/netlink.ts";
import { namespacePath } from "../spec/namespaces.ts";
import { netDeviceMoves } from "../spec/net-devices.ts";

export type NetDevices = Readonly<Record<string, { name?: string }>>;

/** One direction of a move: a netlink socket in each namespace, and an fd of the destination namespace. */
interface Way {
  from: number;
  to: number;
  toNs: number;
}

/**
 * Moves one link and names it `newName`. The kernel drops a link's addresses when it changes namespace, so its
 * permanent global ones are carried over; it is down while it moves and up on arrival, as runc does. `moved` is
 * called once the link has changed namespace (a later failure leaves it there).
 */
const transfer = (ops: LinkOps, w: Way, name: string, newName: string, moved: () => void = () => {}): void => {
  const index = ops.linkIndex(w.from, name);
  const addresses = ops.linkAddresses(w.from, index).filter((a) => a.flags & IFA_F_PERMANENT && a.scope === RT_SCOPE_UNIVERSE);
  ops.linkSetUp(w.from, index, false);
  ops.linkMove(w.from, index, newName, w.toNs);
  moved();
  const arrived = ops.linkIndex(w.to, newName);
  for (const a of addresses) ops.addLinkAddress(w.to, arrived, a);
  ops.linkSetUp(w.to, arrived, true);
};

/** Sockets and namespace fds for both directions between the caller and process `pid`, closed after `fn`. */
const withWays = <T>(ops: LinkOps, pid: number, fn: (into: Way, back: Way) => T): T => {
  const nsPath = namespacePath(pid, "network");
  const opened: number[] = [];
  const keep = (fd: number): number => (opened.push(fd), fd);
  try {
    const host = keep(ops.routeSocket());
    const container = keep(ops.routeSocketIn(nsPath));
    const hostNs = keep(ops.open("/proc/thread-self/ns/net", O.RDONLY | O.CLOEXEC));
    const containerNs = keep(ops.open(nsPath, O.RDONLY | O.CLOEXEC));
    return fn({ from: host, to: container, toNs: containerNs }, { from: container, to: host, toNs: hostNs });
  } finally {
    for (const fd of opened) ops.close(fd);
  }
};

/** Moves each device back under its host name; a device no longer in the container (renamed, destroyed) is skipped. */
const moveBack = (ops: LinkOps, back: Way, moves: readonly { host: string; container: string }[]): Error[] => {
  const problems: Error[] = [];
  for (const m of moves) {
    try {
      transfer(ops, back, m.container, m.host);
    } catch (err) {
      if (!isErrno(err, "ENODEV")) problems.push(new Error(`Moving network device '${m.container}' back to the host as '${m.host}' failed`, { cause: err }));
    }
  }
  return problems;
};

/**
 * Moves every device into the network namespace of process `pid`. On a failure the devices moved so far go back
 * before the error is thrown, so a failed create leaves the host's interfaces as they were.
 */
export const moveNetDevicesIn = (pid: number, devices: NetDevices, ops: LinkOps = realLinkOps): void => {
  const moves = netDeviceMoves(devices);
  if (!moves.length) return;
  withWays(ops, pid, (into, back) => {
    const done: typeof moves = [];
    for (const m of moves) {
      try {
        transfer(ops, into, m.host, m.container, () => done.push(m));
      } catch (err) {
        const main = new Error(`Moving network device '${m.host}' into the container as '${m.container}' failed`, { cause: err });
        const undo = moveBack(ops, back, done.reverse());
        throw undo.length ? new AggregateError(undo, main.message, { cause: main }) : main;
      }
    }
  });
};

/**
 * Moves the devices of a container whose process `pid` still runs back to the caller's namespace under their host
 * names. Returns what could not be moved: delete goes on and reports it.
 */
export const moveNetDevicesOut = (pid: number, devices: NetDevices, ops: LinkOps = realLinkOps): Error[] => {
  const moves = netDeviceMoves(devices);
  return moves.length ? withWays(ops, pid, (_into, back) => moveBack(ops, back, moves)) : [];
};
