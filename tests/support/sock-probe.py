# What a socket policy lets a process do, from inside a container: each argument is one attempt, printed as
# "ATTEMPT ok" or "ATTEMPT ERRNO-NAME". connect=HOST:PORT (TCP, 2 s), bind=PORT (TCP on 0.0.0.0),
# socket=FAMILY/TYPE (packet, inet, inet6 / raw, stream, dgram; raw inet sockets are ICMP's), sockopt=mark|priority
# (the SO_MARK or SO_PRIORITY a new TCP socket starts with, printed as the value).
import errno, socket, sys
def attempt(what, fn):
    try:
        fn()
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, str(e.errno)))
for arg in sys.argv[1:]:
    kind, _, target = arg.partition("=")
    if kind == "connect":
        host, port = target.rsplit(":", 1)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        def c(host=host, port=port, fam=fam):
            s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2)
            try: s.connect((host.strip("[]"), int(port)))
            finally: s.close()
        attempt(arg, c)
    elif kind == "bind":
        def b(port=target):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try: s.bind(("0.0.0.0", int(port)))
            finally: s.close()
        attempt(arg, b)
    elif kind == "socket":
        fams = {"packet": socket.AF_PACKET, "inet": socket.AF_INET, "inet6": socket.AF_INET6}
        f, t = target.split("/")
        types = {"raw": socket.SOCK_RAW, "stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM}
        proto = 3 if f == "packet" else (socket.IPPROTO_ICMP if t == "raw" else 0)
        attempt(arg, lambda f=f, t=t, proto=proto: socket.socket(fams[f], types[t], proto).close())
    elif kind == "sockopt":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        print(arg, s.getsockopt(socket.SOL_SOCKET, {"mark": 36, "priority": socket.SO_PRIORITY}[target]))
        s.close()
