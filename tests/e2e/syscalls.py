#!/usr/bin/env python3
"""syscalls.py: the client and the system call count of
tests/e2e/test_keepalive.sh.

    syscalls.py PID HTTP_PORT GOPHER_PORT FINGER_PORT N OUTDIR

Opens one keep-alive HTTP connection to the server (process PID) and asks
one request on it, then attaches strace to the server (all its threads)
and, on that connection, asks N requests one after the other (each reply
read whole before the next request goes), then 20 small requests sent in one
piece (pipelined: the replies must come back whole and in order), then
opens one Gopher and one finger connection and asks one request each.
strace is then detached, and its log read: every call on one of those
connections names the connection's two ends (strace -yy), so the calls
are counted per connection, whatever else the process does meanwhile
(the snapshot builder, valgrind's own threads).

Prints one "NAME VALUE" line per count:
    http_requests      requests answered on the keep-alive connection
    http_reads         read-side calls (read, readv, recvfrom, recvmsg)
    http_writes        write-side calls (write, writev, sendto, sendmsg,
                       sendfile)
    http_epoll_ctl     epoll_ctl calls naming the connection
    gopher_writes, finger_writes, gopher_epoll_ctl, finger_epoll_ctl
    PROTO_shutdowns    shutdown calls on one-shot connections: none for an
                       answered request with nothing else sent (the server
                       closes at once), one for an over-long Gopher
                       selector (it half-closes and drains, so the rest of
                       the request cannot turn the close into an RST)
    http10_*           one HTTP/1.0 request on its own connection
Exits 1 with a reason on stderr if a reply is wrong or a bound is hit.
Every wait is bounded (socket timeouts, strace attach and detach).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

PID, HTTP, GOPHER, FINGER, N, OUT = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                     int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
PIPE = 20
PATHS = ["/", "/api/v2/summary.json", "/status.txt"]
# Small replies for the pipelined burst: all of them fit in the socket
# buffers at once, so each is still one write.
PIPE_PATHS = ["/status.txt", "/api/v2/status.json"]
TRACED = ("read,readv,recvfrom,recvmsg,write,writev,sendto,sendmsg,sendfile,"
          "epoll_ctl,shutdown,close")


def die(msg):
    print("syscalls.py: " + msg, file=sys.stderr)
    sys.exit(1)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.f = self.s.makefile("rb")
        self.port = self.s.getsockname()[1]

    def reply(self):
        """One HTTP reply: (status line, headers dict, body)."""
        line = self.f.readline()
        if not line:
            die("the server closed the keep-alive connection")
        heads = {}
        while True:
            h = self.f.readline()
            if h in (b"\r\n", b""):
                break
            k, _, v = h.decode("latin-1").partition(":")
            heads[k.strip().lower()] = v.strip()
        body = self.f.read(int(heads.get("content-length", "0")))
        return line, heads, body


def request(path):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n" % path).encode()


def expect(conn, path, want_type):
    line, heads, body = conn.reply()
    if not line.startswith(b"HTTP/1.1 200 "):
        die("GET %s: %r" % (path, line))
    if heads.get("content-type", "").split(";")[0] != want_type:
        die("GET %s came back as %r: out of order?" % (path, heads.get("content-type")))
    if len(body) != int(heads["content-length"]) or heads.get("connection") != "keep-alive":
        die("GET %s: a short or closing reply" % path)


TYPES = {"/": "text/html", "/api/v2/summary.json": "application/json", "/status.txt": "text/plain",
         "/api/v2/status.json": "application/json"}


def one_shot(port, line):
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    local = c.getsockname()[1]
    c.sendall(line)
    got = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    if not got:
        die("port %d answered nothing to %r" % (port, line))
    return local


def traced(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return any(l.startswith("TracerPid:") and l.split()[1] != "0" for l in f)
    except OSError:
        return False


conn = Conn(HTTP)
conn.s.sendall(request("/"))
expect(conn, "/", "text/html")

log = os.path.join(OUT, "strace.log")
st = subprocess.Popen(["strace", "-f", "-qq", "-yy", "-e", "trace=" + TRACED, "-o", log,
                       "-p", str(PID)], stderr=open(os.path.join(OUT, "strace.err"), "w"))
deadline = time.monotonic() + 20
while not traced(PID):
    if st.poll() is not None or time.monotonic() > deadline:
        die("strace could not attach to %d: %s" % (PID, open(os.path.join(OUT, "strace.err")).read()))
    time.sleep(0.05)

for i in range(N):
    p = PATHS[i % len(PATHS)]
    conn.s.sendall(request(p))
    expect(conn, p, TYPES[p])
# Pipelined: all at once, answered in order.
batch = [PIPE_PATHS[i % len(PIPE_PATHS)] for i in range(PIPE)]
conn.s.sendall(b"".join(request(p) for p in batch))
for p in batch:
    expect(conn, p, TYPES[p])
gopher_port = one_shot(GOPHER, b"/status.txt\r\n")
finger_port = one_shot(FINGER, b"status\r\n")
http10_port = one_shot(HTTP, b"GET /status.txt HTTP/1.0\r\n\r\n")
long_port = one_shot(GOPHER, b"/" + b"a" * 8000)
time.sleep(0.3)  # the lingering close of the one-shot connections

st.send_signal(signal.SIGINT)
try:
    st.wait(timeout=20)
except subprocess.TimeoutExpired:
    st.kill()
    die("strace did not detach")
conn.s.close()

READS = {"read", "readv", "recvfrom", "recvmsg"}
WRITES = {"write", "writev", "sendto", "sendmsg", "sendfile"}
counts = {}


def count(key):
    counts[key] = counts.get(key, 0) + 1


call = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?(\w+)\(")
for line in open(log, errors="replace"):
    m = call.match(line)
    if not m:
        continue
    name = m.group(1)
    for proto, port, server in (("http", conn.port, HTTP), ("gopher", gopher_port, GOPHER),
                                ("finger", finger_port, FINGER), ("http10", http10_port, HTTP),
                                ("long", long_port, GOPHER)):
        # Our end as the server sees it: "127.0.0.1:SERVER->127.0.0.1:CLIENT".
        if ":%d->127.0.0.1:%d]" % (server, port) not in line:
            continue
        if name in READS:
            count(proto + "_reads")
        elif name in WRITES:
            count(proto + "_writes")
        elif name == "epoll_ctl":
            count(proto + "_epoll_ctl")
        elif name == "shutdown":
            count(proto + "_shutdowns")
print("http_requests %d" % (N + PIPE))
for key in ("http_reads", "http_writes", "http_epoll_ctl", "gopher_writes", "gopher_epoll_ctl",
            "finger_writes", "finger_epoll_ctl", "gopher_shutdowns", "finger_shutdowns",
            "http10_writes", "http10_reads", "http10_shutdowns", "long_shutdowns"):
    print("%s %d" % (key, counts.get(key, 0)))
