# A --console-socket peer for tests: accepts one connection, receives the pty master (SCM_RIGHTS), prints the name
# that came with it, then copies what the container writes to its terminal to stdout until the terminal closes.
import os, socket, sys
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
print("name", msg.rstrip(b"\0").decode(), flush=True)
while True:
    try:
        data = os.read(fds[0], 4096)
    except OSError:
        break
    if not data:
        break
    sys.stdout.write(data.decode(errors="replace"))
    sys.stdout.flush()
