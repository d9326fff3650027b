#!/usr/bin/env python3
"""A seccomp agent for tests: listens on a unix socket for the runtime's container process state (runtime-spec
config-linux.md, as runc's seccomp agent protocol sends it: JSON with the notify fd in SCM_RIGHTS), then answers
every notification with EHOSTDOWN. It writes the state it received and one line per notification to OUT.

usage: seccomp-agent.py SOCKET OUT"""
import array
import errno
import fcntl
import json
import os
import socket
import struct
import sys

# _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101
NOTIF_SIZE = 80  # u64 id, u32 pid, u32 flags, struct seccomp_data (64 bytes)


def main() -> None:
    path, out = sys.argv[1], sys.argv[2]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    with open(out + ".ready", "w"):
        pass
    conn, _ = server.accept()
    fds = array.array("i")
    data, ancdata, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    # One message per connection: the runtime closes it after sending.
    rest = conn.recv(1)
    conn.close()
    with open(out, "w") as f:
        f.write(json.dumps({"state": json.loads(data), "fds": len(fds), "closedAfter": rest == b""}) + "\n")
        f.flush()
        notify = fds[0]
        while True:
            buf = bytearray(NOTIF_SIZE)
            try:
                fcntl.ioctl(notify, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
            except OSError as e:
                # ENOENT: every task of the filter is gone.
                if e.errno == errno.EINTR:
                    continue
                break
            nid, pid, _flags, nr, arch = struct.unpack_from("<QIIiI", buf)
            f.write(json.dumps({"notification": {"pid": pid, "nr": nr, "arch": arch}}) + "\n")
            f.flush()
            resp = struct.pack("<QqiI", nid, 0, -errno.EHOSTDOWN, 0)
            try:
                fcntl.ioctl(notify, SECCOMP_IOCTL_NOTIF_SEND, bytearray(resp), True)
            except OSError:
                pass
    os.close(notify)


if __name__ == "__main__":
    main()
