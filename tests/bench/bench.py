#!/usr/bin/env python3
"""tests/bench/bench.py: outpost side by side with its peers, in one run.

    python3 tests/bench/bench.py [--seconds N] [--only http,gopher,finger]
                                 [--conns 1,50,400] [--out FILE] [--json FILE]

It starts `outpost serve` on a fresh demo database, fetches its pages, Gopher
items and finger replies, and writes exactly those bytes as files for the
peers: nginx (HTTP, with the gzipped bodies as .gz files for gzip_static),
Gophernicus (Gopher: text items as files, menus as gophermaps) and the BSD
in.fingerd (finger: its "finger program" is a three-line script that cats the
stored reply). Gophernicus and in.fingerd run as inetd would run them, one
process per connection, launched by socat. Before and after the load every
peer is checked to send the very bytes outpost sent; a mismatch fails the
run.

Then each load runs for SECONDS against outpost and right after against the
peer, so both see the same machine:
  HTTP    wrk, one thread, keep-alive at 1, 50 and 400 connections, and a
          new connection per request (Connection: close) at 50; every
          request asks for gzip, the paths are taken in turn
  Gopher  lineload (tests/bench/lineload.c), one request per connection by
          protocol, at 1 and 50 connections
  finger  the same
Servers are pinned to CPU 0 and the loaders to CPU 1 when there are two or
more CPUs. nginx runs one worker process, so that like outpost (one event
loop thread) it serves from one core. Access logs are off on every server.

Memory: a server's RSS is the sum over its processes (nginx: master and
worker; socat launchers: the listener and its per-connection children). The
peak of a run is the VmHWM of the processes that live through the run (reset
before it through /proc/PID/clear_refs), plus the most that per-connection
processes held at once (sampled every 10 ms from the loaders' CPU; RSS
counts shared library pages in every process, as ps does). Idle is VmRSS before the first
run of the protocol.

Prints markdown tables (ratios are outpost/peer). Exit status 0; 1 if a peer's
bytes differ from outpost's, a run answered nothing, a reply was wrong, or a
server failed; 2 if a tool is missing.
"""

import argparse
import gzip
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "127.0.0.1"
HTTP_LOADS = [("keep-alive", 1), ("keep-alive", 50), ("keep-alive", 400), ("close", 50)]
LINE_LOADS = [1, 50]
# Gopher menus of outpost that the benchmark fetches; the other selectors
# are text items. The incident items are added once their ids are known.
GOPHER_MENUS = ["", "/incidents", "/maintenance", "/services", "/history"]
GOPHER_TEXTS = ["/status.txt", "/caps.txt"]
FINGER_QUERIES = ["", "status", "/W status", "maintenance", "help"]
HTTP_PATHS = ["/", "/status.txt", "/api/v2/summary.json", "/history.atom"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- processes

TWO_CPUS = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) >= 2
SERVER_CPUS = {sorted(os.sched_getaffinity(0))[0]} if TWO_CPUS else None
LOADER_CPUS = {sorted(os.sched_getaffinity(0))[1]} if TWO_CPUS else None


def on_server_cpu():
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


def on_loader_cpu():
    """Pins the calling process; the driver calls it first thing, so that
    the loaders it starts inherit the loaders' CPU (no preexec_fn while the
    memory sampler thread runs)."""
    if LOADER_CPUS:
        os.sched_setaffinity(0, LOADER_CPUS)


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, secs=30):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"nothing listens on port {port} after {secs} s")


def proc_tree(root):
    """The pid root and its descendants, from /proc/*/stat."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux: clear_refs, value 5)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Server:
    def __init__(self, name, version, argv, ports, forks, cwd=None):
        self.name, self.version, self.argv = name, version, argv
        self.ports, self.forks, self.cwd = ports, forks, cwd
        self.proc = None
        self.idle_kb = {}
        self.peak_exact = True

    def start(self, logdir):
        self.log = open(os.path.join(logdir, self.name + ".log"), "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.cwd,
                                     preexec_fn=on_server_cpu, start_new_session=True)
        for port in self.ports:
            wait_port(port, self.proc)

    def pids(self):
        return proc_tree(self.proc.pid)

    def rss_kb(self):
        return sum(status_kb(p, "VmRSS") for p in self.pids())

    def stop(self, sig=signal.SIGTERM, secs=20):
        """Stops the server (and whatever its session still runs); returns
        its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(secs)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait(5)
            raise BenchError(f"{self.name} did not stop within {secs} s")
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.log.close()
        return rc


def measure(server, load):
    """Runs load() and returns (its result, the server's peak RSS in kB)."""
    lasting = server.pids()
    for p in lasting:
        if not reset_peak(p):
            server.peak_exact = False
    short_peak = 0
    stop = threading.Event()

    def sample():
        nonlocal short_peak
        while not stop.wait(0.01):
            now = sum(status_kb(p, "VmRSS") for p in server.pids() if p not in lasting)
            short_peak = max(short_peak, now)

    t = None
    if server.forks:
        t = threading.Thread(target=sample, daemon=True)
        t.start()
    try:
        result = load()
    finally:
        stop.set()
        if t:
            t.join()
    return result, sum(status_kb(p, "VmHWM") for p in lasting) + short_peak


# ------------------------------------------------------------------ clients

def http_get(port, path, timeout=10):
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.getheader("Content-Encoding"), r.read()
    finally:
        c.close()


def line_get(port, line, timeout=10):
    """Sends one request line, returns every byte until the server closes."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(line.encode() + b"\r\n")
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            b = s.recv(65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)
    raise BenchError(f"port {port}: no end of reply to {line!r} within {timeout} s")


# -------------------------------------------------------------------- peers

NGINX_CONF = """\
# The benchmark's nginx: one worker, loopback only, the same headers and
# gzip choice as outpost (bodies over 512 bytes pre-gzipped, gzip_static).
daemon off;
master_process on;
worker_processes 1;
{user}pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    default_type text/html;
    charset utf-8;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 30s;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    gzip off;
    gzip_static on;
    gzip_vary on;
    client_body_temp_path {d}/tmp-body;
    proxy_temp_path {d}/tmp-proxy;
    fastcgi_temp_path {d}/tmp-fastcgi;
    uwsgi_temp_path {d}/tmp-uwsgi;
    scgi_temp_path {d}/tmp-scgi;
    server {{
        listen {host}:{port} backlog=4096;
        root {www};
        index index.html;
        add_header Cache-Control "public, max-age=15";
        add_header X-Content-Type-Options nosniff;
    }}
}}
"""

FINGER_SCRIPT = """\
#!/bin/sh
# in.fingerd runs this as its finger program; "/W NAME" arrives as "-l NAME".
w=
if [ "$1" = -l ]; then w=W_; shift; fi
exec cat "{d}/q_$w$1"
"""


def finger_file(query):
    long = query.upper().startswith("/W")
    name = query[2:].strip() if long else query.strip()
    return ("q_W_" if long else "q_") + name


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def cmd_version(argv, pick=None):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    out = (r.stdout + r.stderr).strip().splitlines()
    if pick:
        out = [l for l in out if pick in l] or out
    return out[0].strip() if out else "?"


def deb_version(pkg):
    return cmd_version(["dpkg-query", "-W", "-f=${Version}", pkg])


# ---------------------------------------------------------------- the bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="outpost-bench.")
        # The per-connection peers drop to nobody; they must read their files.
        os.chmod(self.dir, 0o755)
        self.servers = []
        self.results = []
        self.failures = []
        self.verified = []
        self.load_start = loadavg()

    def fail(self, msg):
        log("FAIL " + msg)
        self.failures.append(msg)

    # -- outpost and its content

    def start_outpost(self):
        a = self.args
        db = os.path.join(self.dir, "outpost.db")
        r = subprocess.run([a.outpost, "--db", db, "init", "--demo"], capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError("outpost init --demo: " + r.stderr.strip())
        self.ports = {p: free_port() for p in ("http", "gopher", "finger")}
        argv = list(a.wrap) + [
            a.outpost, "--db", db, "serve", "--quiet", "--hostname", HOST,
            "--http", f"{HOST}:{self.ports['http']}", "--gopher", f"{HOST}:{self.ports['gopher']}",
            "--finger", f"{HOST}:{self.ports['finger']}",
            # The load comes from one address, with up to 400 connections
            # and, in close mode, sockets still draining: lift the caps.
            "--set", "max_connections=20000", "--set", "max_per_address=20000"]
        self.outpost = Server("outpost", self.outpost_version(), argv,
                              list(self.ports.values()), forks=False)
        self.outpost.start(self.dir)
        self.servers.append(self.outpost)

    def outpost_version(self):
        """The commit, and "+changes" if outpost's own sources differ from
        it (changes to the benchmark itself do not count)."""
        rev = cmd_version(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
        r = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "server", "protocols", "store",
                            "build.zig"], capture_output=True, text=True)
        return f"outpost {rev}" + ("+changes" if r.returncode == 0 and r.stdout.strip() else "")

    def fetch_content(self):
        hp, gp, fp = self.ports["http"], self.ports["gopher"], self.ports["finger"]
        status, _, _, body = http_get(hp, "/api/v2/incidents.json")
        ids = [i["id"] for i in json.loads(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)["incidents"]][:3]
        if status != 200 or len(ids) < 3:
            raise BenchError("the demo has fewer than three incidents")
        self.http_paths = HTTP_PATHS + [f"/incidents/{i}" for i in ids[:2]] + [f"/incidents/{ids[2]}.txt"]
        self.gopher_menus = list(GOPHER_MENUS)
        self.gopher_sels = GOPHER_MENUS + GOPHER_TEXTS + [f"/incidents/{i}" for i in ids]
        self.finger_queries = FINGER_QUERIES + [ids[0]]

        self.http_want = {}
        www = os.path.join(self.dir, "www")
        for path in self.http_paths:
            status, ctype, enc, body = http_get(hp, path)
            if status != 200:
                raise BenchError(f"outpost answered {status} to GET {path}")
            self.http_want[path] = (ctype, enc, body)
            f = www + ("/index.html" if path == "/" else path)
            if enc == "gzip":
                write(f + ".gz", body)
                write(f, gzip.decompress(body))
            else:
                write(f, body)

        self.gopher_want = {}
        groot = os.path.join(self.dir, "gopher")
        for sel in self.gopher_sels:
            body = line_get(gp, sel)
            self.gopher_want[sel] = body
            if sel in self.gopher_menus:
                write(groot + sel + "/gophermap", body)
            else:
                write(groot + sel, body)

        self.finger_want = {}
        froot = os.path.join(self.dir, "finger")
        for q in self.finger_queries:
            body = line_get(fp, q)
            self.finger_want[q] = body
            write(os.path.join(froot, finger_file(q)), body)
        # Readable by nobody, which the per-connection peers run as.
        for base, dirs, files in os.walk(self.dir):
            for n in dirs:
                os.chmod(os.path.join(base, n), 0o755)
            for n in files:
                os.chmod(os.path.join(base, n), 0o644)
        log(f"fetched from outpost: {len(self.http_paths)} HTTP paths, "
            f"{len(self.gopher_sels)} Gopher selectors, {len(self.finger_queries)} finger queries")

    def sabotage(self, name):
        """For the suite: spoils one stored reply, which verify must catch."""
        path = {"nginx": "www/status.txt.gz", "gophernicus": "gopher/status.txt",
                "fingerd": "finger/q_status"}[name]
        p = os.path.join(self.dir, path)
        with open(p, "r+b") as f:
            f.seek(40)
            b = f.read(1)
            f.seek(40)
            f.write(bytes([b[0] ^ 0x20]))

    # -- the peers

    def start_peers(self):
        is_root = os.geteuid() == 0
        nd = os.path.join(self.dir, "nginx")
        os.makedirs(nd, exist_ok=True)
        nport = free_port()
        with open(os.path.join(nd, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(d=nd, host=HOST, port=nport, www=os.path.join(self.dir, "www"),
                                      user="user nobody nogroup;\n" if is_root else ""))
        nginx_v = cmd_version([self.args.nginx, "-v"]).replace("nginx version: ", "")
        self.nginx = Server("nginx", nginx_v, [self.args.nginx, "-p", nd, "-c", nd + "/nginx.conf", "-e", nd + "/error.log"],
                            [nport], forks=False)

        gport = free_port()
        groot = os.path.join(self.dir, "gopher")
        # Every feature that would add bytes is off (headers, footers,
        # generated caps.txt, charset and content conversions), throttling
        # is lifted (the load is one client address), and so is syslog.
        gopher_cmd = (f"{self.args.gophernicus} -h {HOST} -p {gport} -r {groot} -nv -nl -nh -nf -nd -nc "
                      f"-no -nq -ns -na -nt -np -nx -nu -i 2000000000 -k 2000000000")
        su = ",su=nobody" if is_root else ""
        gv = cmd_version([self.args.gophernicus, "-v"], "Gophernicus")
        self.gopher = Server("gophernicus", f"{gv} (socat {self.socat_version()}, a process per connection)",
                             ["socat", f"TCP-LISTEN:{gport},bind={HOST},reuseaddr,fork,backlog=4096",
                              f"EXEC:{gopher_cmd},nofork{su}"], [gport], forks=True)

        fport = free_port()
        fd = os.path.join(self.dir, "finger")
        script = os.path.join(self.dir, "finger.sh")
        with open(script, "w") as f:
            f.write(FINGER_SCRIPT.format(d=fd))
        os.chmod(script, 0o755)
        self.finger = Server("fingerd", f"BSD in.fingerd {deb_version('fingerd')} (socat, a process per connection; "
                             "its finger program: sh + cat of the stored reply)",
                             ["socat", f"TCP-LISTEN:{fport},bind={HOST},reuseaddr,fork,backlog=4096",
                              f"EXEC:{self.args.fingerd} -p {script},nofork"], [fport], forks=True)
        for s in (self.nginx, self.gopher, self.finger):
            s.start(self.dir)
            self.servers.append(s)

    def socat_version(self):
        v = cmd_version(["socat", "-V"], "socat version")
        return v.split("version")[-1].split()[0] if "version" in v else v

    def verify(self, when):
        """Every peer must send exactly the bytes outpost sent."""
        ok = 0
        np = self.nginx.ports[0]
        for path, (ctype, enc, body) in self.http_want.items():
            try:
                st, ct, en, got = http_get(np, path)
            except (OSError, http.client.HTTPException) as e:
                self.fail(f"MISMATCH nginx {path} ({when}): {e}")
                continue
            if (st, ct, en, got) != (200, ctype, enc, body):
                self.fail(f"MISMATCH nginx {path} ({when}): status {st}, {ct}, encoding {en}, "
                          f"{len(got)} bytes; outpost: {ctype}, encoding {enc}, {len(body)} bytes")
            else:
                ok += 1
        for server, want in ((self.gopher, self.gopher_want), (self.finger, self.finger_want)):
            for line, body in want.items():
                try:
                    got = line_get(server.ports[0], line)
                except (OSError, BenchError) as e:
                    self.fail(f"MISMATCH {server.name} {line!r} ({when}): {e}")
                    continue
                if got != body:
                    self.fail(f"MISMATCH {server.name} {line!r} ({when}): {len(got)} bytes, "
                              f"outpost sent {len(body)}")
                else:
                    ok += 1
        total = len(self.http_want) + len(self.gopher_want) + len(self.finger_want)
        log(f"verified {when}: {ok} of {total} peer replies byte-identical to outpost's")
        self.verified.append({"when": when, "ok": ok, "total": total})
        return ok == total

    # -- loads

    def wrk(self, port, mode, conns):
        paths = ", ".join(json.dumps(p) for p in self.http_paths)
        script = os.path.join(self.dir, "paths.lua")
        with open(script, "w") as f:
            f.write(WRK_LUA.replace("PATHS", paths))
        argv = [self.args.wrk, "-t1", f"-c{conns}", f"-d{self.args.seconds}s", "--timeout", "5s",
                "-s", script, f"http://{HOST}:{port}/", "--", mode]
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=self.args.seconds + 60)
        line = [l for l in r.stdout.splitlines() if l.startswith("BENCH ")]
        if r.returncode != 0 or not line:
            raise BenchError(f"wrk failed ({r.returncode}): {r.stdout[-400:]} {r.stderr[-400:]}")
        v = dict(kv.split("=") for kv in line[0].split()[1:])
        secs = int(v["duration_us"]) / 1e6
        return {"requests": int(v["requests"]), "rps": int(v["requests"]) / secs if secs else 0,
                "p50_us": int(v["p50_us"]), "p99_us": int(v["p99_us"]), "max_us": int(v["max_us"]),
                "errors": sum(int(v[k]) for k in ("connect", "read", "write", "timeout")),
                "wrong": int(v["status"])}

    def lineload(self, port, want, conns):
        reqfile = os.path.join(self.dir, f"requests-{port}.txt")
        with open(reqfile, "w") as f:
            for line, body in want.items():
                f.write(f"{len(body)}\t{line}\n")
        argv = [self.args.lineload, "-a", HOST, "-p", str(port), "-c", str(conns),
                "-d", str(self.args.seconds), "-t", "5000", reqfile]
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=self.args.seconds + 60)
        if r.returncode != 0 or "requests=" not in r.stdout:
            raise BenchError(f"lineload failed ({r.returncode}): {r.stderr[-400:]}")
        v = dict(kv.split("=") for kv in r.stdout.split())
        return {"requests": int(v["requests"]), "rps": float(v["rps"]), "p50_us": int(v["p50_us"]),
                "p99_us": int(v["p99_us"]), "max_us": int(v["max_us"]),
                "errors": int(v["errors"]) + int(v["timeouts"]), "wrong": int(v["wrong"])}

    def run_one(self, proto, load, server, fn):
        log(f"  {proto} {load}: {server.name} ...")
        res, peak = measure(server, fn)
        res.update({"proto": proto, "load": load, "server": server.name, "rss_peak_kb": peak})
        log(f"    {res['rps']:.0f} req/s, p50 {res['p50_us']} us, p99 {res['p99_us']} us, "
            f"errors {res['errors']}, wrong {res['wrong']}, peak RSS {peak} kB")
        if res["requests"] == 0:
            self.fail(f"{server.name} answered no request in {proto} {load}")
        if res["wrong"]:
            self.fail(f"{server.name}: {res['wrong']} wrong replies in {proto} {load}")
        if res["errors"] and self.args.check:
            self.fail(f"{server.name}: {res['errors']} connection errors in {proto} {load}")
        self.results.append(res)

    def run_loads(self):
        o, n = self.outpost, self.nginx
        for s in (o, n, self.gopher, self.finger):
            s.idle_kb = s.rss_kb()
        only = self.args.only
        for mode, c in HTTP_LOADS if "http" in only else []:
            if self.args.conns and c not in self.args.conns:
                continue
            load = f"{mode}, {c} conn" + ("s" if c > 1 else "")
            for s, port in ((o, self.ports["http"]), (n, n.ports[0])):
                self.run_one("HTTP", load, s, lambda: self.wrk(port, mode, c))
        for proto, peer, port, want in (("Gopher", self.gopher, self.ports["gopher"], self.gopher_want),
                                        ("finger", self.finger, self.ports["finger"], self.finger_want)):
            if proto.lower() not in only:
                continue
            for c in LINE_LOADS:
                if self.args.conns and c not in self.args.conns:
                    continue
                load = f"{c} conn" + ("s" if c > 1 else "")
                for s, p in ((o, port), (peer, peer.ports[0])):
                    self.run_one(proto, load, s, lambda: self.lineload(p, want, c))

    # -- report

    def machine(self):
        model = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        osname = "?"
        try:
            with open("/etc/os-release") as f:
                for line in f:
                    if line.startswith("PRETTY_NAME="):
                        osname = line.split("=", 1)[1].strip().strip('"')
        except OSError:
            pass
        return f"{model}, {os.cpu_count()} cores, {osname}, Linux {platform.release()}"

    def report(self):
        out = []
        w = out.append
        wrk_v = cmd_version([self.args.wrk, "-v"], "wrk").split(" [")[0]
        w(f"- Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {self.args.seconds} s a run, on {self.machine()}.")
        w("- Servers: " + "; ".join(f"{s.name}: {s.version}" for s in self.servers) + ".")
        w(f"- Loaders: {wrk_v} (one thread) for HTTP; lineload (tests/bench) for Gopher and finger.")
        if TWO_CPUS:
            w(f"- Servers pinned to CPU {min(SERVER_CPUS)}, loaders to CPU {min(LOADER_CPUS)}; "
              "nginx runs one worker process (outpost: one event loop thread). Access logs off everywhere.")
        else:
            w("- One CPU: servers and loaders share it. nginx runs one worker process. Access logs off everywhere.")
        w(f"- Load average (1 min) of the machine: {self.load_start} at the start, {loadavg()} at the end "
          f"(the benchmark itself makes about 2; more means other work shared the {os.cpu_count()} CPUs).")
        w("- Every peer sent the same bytes as outpost (checked before and after the load). "
          "Ratios are outpost/peer: req/s above 1, latency and RSS below 1 favour outpost.")
        for proto in ("HTTP", "Gopher", "finger"):
            rows = [r for r in self.results if r["proto"] == proto]
            if not rows:
                continue
            w("")
            w(f"#### {proto}" + (" (Accept-Encoding: gzip; paths in turn: " + ", ".join(self.http_paths) + ")"
                                 if proto == "HTTP" else " (one request per connection)"))
            w("")
            w("| load | server | req/s | p50 | p99 | max | errors | peak RSS | req/s ratio | p99 ratio | RSS ratio |")
            w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
            loads = []
            for r in rows:
                if r["load"] not in loads:
                    loads.append(r["load"])
            for load in loads:
                pair = [r for r in rows if r["load"] == load]
                mine = next(r for r in pair if r["server"] == "outpost")
                for r in pair:
                    ratio = ["", "", ""]
                    if r is not mine:
                        ratio = [fmt_ratio(mine["rps"], r["rps"]), fmt_ratio(mine["p99_us"], r["p99_us"]),
                                 fmt_ratio(mine["rss_peak_kb"], r["rss_peak_kb"])]
                    w(f"| {load if r is mine else ''} | {r['server']} | {r['rps']:,.0f} | {fmt_us(r['p50_us'])} | "
                      f"{fmt_us(r['p99_us'])} | {fmt_us(r['max_us'])} | {r['errors'] + r['wrong']} | "
                      f"{fmt_kb(r['rss_peak_kb'])} | " + " | ".join(ratio) + " |")
        w("")
        w("#### Memory at idle (VmRSS before the first run)")
        w("")
        w("| server | processes counted | idle RSS | outpost/peer |")
        w("|---|---|--:|--:|")
        counted = {"outpost": "1 (one loop thread, libuv's pool)", "nginx": "master + 1 worker",
                   "gophernicus": "socat listener", "fingerd": "socat listener"}
        for s in self.servers:
            ratio = "" if s is self.outpost else fmt_ratio(self.outpost.idle_kb, s.idle_kb)
            w(f"| {s.name} | {counted.get(s.name, '')} | {fmt_kb(s.idle_kb)} | {ratio} |")
        if not all(s.peak_exact for s in self.servers):
            w("")
            w("(clear_refs was refused: a peak includes the process's earlier peaks.)")
        return "\n".join(out) + "\n"

    def cleanup(self):
        for s in reversed(self.servers):
            try:
                rc = s.stop(signal.SIGQUIT if s.name == "nginx" else signal.SIGTERM)
            except BenchError as e:
                self.fail(str(e))
                continue
            if s is self.outpost and rc != 0:
                with open(os.path.join(self.dir, "outpost.log"), errors="replace") as f:
                    tail = f.read()[-1500:]
                self.fail(f"outpost exited with status {rc}: {tail}")
        if self.args.keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


WRK_LUA = """\
-- wrk script of tests/bench: the paths in turn, gzip accepted, and with
-- "close" as the argument a new connection for every request.
local paths = { PATHS }
local reqs = {}
local i = 0
init = function(args)
    local headers = { ["Accept-Encoding"] = "gzip" }
    if args[1] == "close" then headers["Connection"] = "close" end
    for k, p in ipairs(paths) do reqs[k] = wrk.format("GET", p, headers) end
end
request = function()
    i = i % #reqs + 1
    return reqs[i]
end
done = function(summary, latency, requests)
    io.write(string.format(
        "BENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d max_us=%d\\n",
        summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
        summary.errors.write, summary.errors.status, summary.errors.timeout,
        latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def fmt_us(us):
    if us < 1000:
        return f"{us / 1000:.2f} ms"
    if us < 100000:
        return f"{us / 1000:.1f} ms"
    return f"{us / 1000:.0f} ms"


def fmt_kb(kb):
    return f"{kb / 1024:.1f} MiB"


def fmt_ratio(a, b):
    if not b:
        return "—"
    r = a / b
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def main():
    ap = argparse.ArgumentParser(description="outpost side by side with nginx, Gophernicus and in.fingerd")
    ap.add_argument("--seconds", type=int, default=10, help="length of each run (default 10)")
    ap.add_argument("--outpost", default=os.path.join(ROOT, "zig-out/bin/outpost"))
    ap.add_argument("--lineload", default=os.path.join(ROOT, "zig-out/bench/lineload"))
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--wrk", default="/usr/bin/wrk")
    ap.add_argument("--gophernicus", default="/usr/sbin/gophernicus")
    ap.add_argument("--fingerd", default="/usr/sbin/in.fingerd")
    ap.add_argument("--only", default="http,gopher,finger",
                    help="comma-separated protocols to load (default: http,gopher,finger)")
    ap.add_argument("--conns", default="", help="comma-separated connection counts to run (default: all)")
    ap.add_argument("--wrap", default="", help="command that outpost runs under (valgrind ...)")
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="write the results (runs, checks) as JSON to this file")
    ap.add_argument("--check", action="store_true", help="connection errors fail the run too (the suite)")
    ap.add_argument("--verify-only", action="store_true", help="check the peers' bytes, run no load")
    ap.add_argument("--sabotage", choices=["nginx", "gophernicus", "fingerd"],
                    help="spoil one stored reply of that peer (the suite checks that verify catches it)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    args.wrap = args.wrap.split()
    args.only = [p.strip().lower() for p in args.only.split(",") if p.strip()]
    if not args.only or any(p not in ("http", "gopher", "finger") for p in args.only):
        ap.error("--only: a comma-separated list of http, gopher, finger")
    try:
        args.conns = [int(c) for c in args.conns.split(",") if c.strip()]
    except ValueError:
        ap.error("--conns: a comma-separated list of numbers")
    if not 1 <= args.seconds <= 600:
        ap.error("--seconds: 1 to 600")
    missing = [p for p in (args.outpost, args.lineload, args.nginx, args.wrk, args.gophernicus, args.fingerd)
               if not os.access(p, os.X_OK)] + [t for t in ("socat",) if not shutil.which(t)]
    if missing:
        log("bench: missing " + ", ".join(missing) + " (tools/dev bench installs and builds them)")
        return 2

    # Hundreds of connections on each side: raise the descriptor limit for
    # every process started from here.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    on_loader_cpu()  # the driver itself stays off the servers' CPU

    b = Bench(args)
    try:
        b.start_outpost()
        b.fetch_content()
        if args.sabotage:
            b.sabotage(args.sabotage)
        b.start_peers()
        if b.verify("before the load") and not args.verify_only:
            b.run_loads()
            b.verify("after the load")
    except (BenchError, OSError, subprocess.SubprocessError, http.client.HTTPException) as e:
        b.fail(f"bench: {e}")
    finally:
        b.cleanup()
    report = b.report() if b.results else ""
    if report:
        sys.stdout.write(report)
        if args.out:
            with open(args.out, "w") as f:
                f.write(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": b.results, "verified": b.verified, "failures": b.failures,
                       "servers": [{"name": s.name, "version": s.version, "idle_kb": s.idle_kb} for s in b.servers]},
                      f, indent=1)
    if b.failures:
        log(f"bench: {len(b.failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
