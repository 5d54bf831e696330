#!/usr/bin/env python3
"""tests/bench/bench.py: outpost side by side with its peers and a ceiling.

    python3 tests/bench/bench.py [--seconds N] [--rounds R] [--only CASE,...]
                                 [--out FILE] [--json FILE]

It starts `outpost serve` on a fresh demo database (at a fixed clock,
OUTPOST_NOW, so that its pages do not change when the minute turns), fetches
the replies the cases ask for, and writes exactly those bytes for the other
servers:
  nginx        one worker, access_log off: the summary page and summary.json
               as static files, outpost's gzipped bodies as their .gz twins
               (gzip_static on, gzip off)
  gophernicus  under a private xinetd (a process per connection): the root
               menu as a gophermap, /status.txt as a file
  fingerd      Debian's BSD in.fingerd under a private xinetd: its finger
               program (-p) is a three-line sh script that cats the stored
               `status` reply
  ceiling      tests/bench/ceiling.c: one thread, epoll, the replies in
               memory, written as they are (one process per protocol); what
               the least possible server sustains here
Every server binds 127.0.0.1 only, on free ports, and is stopped by its PID.
Before and after the load every reply of every server is checked to be the
very bytes outpost sent (HTTP: status, Content-Type, Content-Encoding and
body, for HTTP/1.1 and HTTP/1.0); a difference fails the run.

The cases, each run for SECONDS against every server of its protocol in
turn (the order rotating from round to round), ROUNDS times (default 3):
  ka50    HTTP/1.1 keep-alive, the summary page (/), 50 connections
  ka500   the same, 500 connections
  http10  HTTP/1.0, one request per connection, the summary page, 50
  json    HTTP/1.1 keep-alive, /api/v2/summary.json, 50 connections
  gopher  Gopher, one request per connection (root menu, /status.txt), 50
  finger  finger, one request per connection (status), 50
HTTP requests carry Accept-Encoding: gzip. The loader is zig-out/bench/load
(one thread, epoll): it parses every response and counts a wrong status, a
wrong body length or an unframed response as an error.

Servers are pinned to CPU 0 and the loader (and this driver) to CPU 1 when
there are two or more CPUs. A server's CPU time is utime + stime of all its
processes over the run (an inetd's per-connection children too, once it
has reaped them), divided by the requests answered. The peak RSS of a run
is the VmHWM of the processes that live through it (reset first through
/proc/PID/clear_refs) plus the most that per-connection processes held at
once (sampled every 10 ms).

Prints one markdown table of medians over the rounds, with outpost's ratio
to each other server, and the idle memory. Exit status 0; 1 if a server's
bytes differ from outpost's, a run answered nothing or answered wrongly, or
a server failed; 2 if a tool is missing.
"""

import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (AS_ROOT, HOST, LOADER_CPUS, ROOT, SERVER_CPUS, TICK, TWO_CPUS, BenchError, Load, Server,  # noqa: E402
                      cmd_version, deb_version, fmt_kb, fmt_ratio, fmt_us, free_port, http_raw, line_get,
                      loadavg, log, machine, median, on_loader_cpu, outpost_version, raise_nofile,
                      reset_peak, status_kb)

# key, protocol, load mode, connections, what is asked (paths or lines), title
CASES = [
    ("ka50", "http", "http", 50, ["/"], "HTTP keep-alive, summary page, 50 conns"),
    ("ka500", "http", "http", 500, ["/"], "HTTP keep-alive, summary page, 500 conns"),
    ("http10", "http", "http10", 50, ["/"], "HTTP/1.0, a connection per request, summary page, 50 conns"),
    ("json", "http", "http", 50, ["/api/v2/summary.json"], "HTTP keep-alive, summary.json, 50 conns"),
    ("gopher", "gopher", "line", 50, ["", "/status.txt"], "Gopher, a connection per request (root menu, /status.txt), 50 conns"),
    ("finger", "finger", "line", 50, ["status"], "finger, a connection per request (status), 50 conns"),
]
HTTP_PATHS = ["/", "/api/v2/summary.json"]
GOPHER_SELS = ["", "/status.txt"]
FINGER_QUERIES = ["status"]

NGINX_CONF = """\
# The benchmark's nginx: one worker, loopback only, the same headers and
# gzip choice as outpost (its gzipped bodies as .gz twins, gzip_static).
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
    # gzip_static too answers HTTP/1.1 requests only unless told: outpost
    # sends its gzipped body to an HTTP/1.0 request that accepts gzip.
    gzip_http_version 1.0;
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

# One private xinetd a service, so that each one's CPU time is its own.
XINETD_CONF = """\
# The benchmark's private xinetd: one service on the loopback address, no
# cap on instances or on the connection rate (the whole load comes from one
# address; the default cps of 50 a second would switch the service off),
# no access log and no libwrap lookup.
defaults
{{
    instances = UNLIMITED
    per_source = UNLIMITED
    cps = 1000000 1
    log_on_success =
    log_on_failure =
}}
service {name}
{{
    type = UNLISTED
    port = {port}
    bind = {host}
    socket_type = stream
    protocol = tcp
    wait = no
{user}    server = {server}
    server_args = {args}
    flags = IPv4 NOLIBWRAP
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


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="outpost-bench.")
        # The per-connection peers drop to nobody; they must read their files.
        os.chmod(self.dir, 0o755)
        self.servers = []
        self.by_proto = {"http": [], "gopher": [], "finger": []}
        self.results = []
        self.failures = []
        self.verified = []
        self.load_start = loadavg()

    def fail(self, msg):
        log("FAIL " + msg)
        self.failures.append(msg)

    def add(self, server, proto, port):
        server.port = port
        self.servers.append(server)
        self.by_proto[proto].append(server)

    # -- outpost and its bytes

    def start_outpost(self):
        a = self.args
        db = os.path.join(self.dir, "outpost.db")
        env = dict(os.environ, OUTPOST_NOW=str(int(time.time())))
        r = subprocess.run([a.outpost, "--db", db, "init", "--demo"], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise BenchError("outpost init --demo: " + r.stderr.strip())
        ports = {p: free_port() for p in ("http", "gopher", "finger")}
        argv = list(a.wrap) + [
            a.outpost, "--db", db, "serve", "--quiet", "--hostname", HOST,
            "--http", f"{HOST}:{ports['http']}", "--gopher", f"{HOST}:{ports['gopher']}",
            "--finger", f"{HOST}:{ports['finger']}",
            # The load comes from one address, with up to 500 connections
            # and, one request per connection, sockets still closing: lift
            # the caps.
            "--set", "max_connections=20000", "--set", "max_per_address=20000"] + AS_ROOT
        self.outpost = Server("outpost", outpost_version(), argv, list(ports.values()), env=env)
        self.outpost.start(self.dir)
        self.servers.append(self.outpost)
        for proto in ports:
            self.by_proto[proto].append(self.outpost)
        self.outpost_ports = ports

    def port_of(self, server, proto):
        return self.outpost_ports[proto] if server is self.outpost else server.port

    def fetch_content(self):
        p = self.outpost_ports
        self.http_want = {}   # (path, version) -> (status, ctype, encoding, body, raw)
        www = os.path.join(self.dir, "www")
        for path in HTTP_PATHS:
            for version in ("1.1", "1.0"):
                st, h, body, raw = http_raw(p["http"], path, version)
                if st != 200:
                    raise BenchError(f"outpost answered {st} to GET {path} HTTP/{version}")
                self.http_want[(path, version)] = (st, h.get("content-type"), h.get("content-encoding"), body, raw)
            _, ctype, enc, body, _ = self.http_want[(path, "1.1")]
            f = www + ("/index.html" if path == "/" else path)
            if enc == "gzip":
                write(f + ".gz", body)
                write(f, gzip.decompress(body))
            else:
                write(f, body)
        self.line_want = {"gopher": {}, "finger": {}}
        groot = os.path.join(self.dir, "gopher")
        for sel in GOPHER_SELS:
            body = line_get(p["gopher"], sel)
            self.line_want["gopher"][sel] = body
            write(groot + (sel + "/gophermap" if sel in ("", "/") else sel), body)
        froot = os.path.join(self.dir, "finger")
        for q in FINGER_QUERIES:
            body = line_get(p["finger"], q)
            self.line_want["finger"][q] = body
            write(os.path.join(froot, finger_file(q)), body)
        # The ceiling's maps: request line (HTTP) or query, and the file of
        # the reply's bytes.
        cd = os.path.join(self.dir, "ceiling")
        os.makedirs(cd, exist_ok=True)
        with open(os.path.join(cd, "http.map"), "w") as m:
            for i, ((path, version), want) in enumerate(self.http_want.items()):
                fn = os.path.join(cd, f"http-{i}")
                write(fn, want[4])
                m.write(f"GET {path} HTTP/{version}\t{fn}\n")
        for proto, want in self.line_want.items():
            with open(os.path.join(cd, proto + ".map"), "w") as m:
                for i, (line, body) in enumerate(want.items()):
                    fn = os.path.join(cd, f"{proto}-{i}")
                    write(fn, body)
                    m.write(f"{line}\t{fn}\n")
        # Readable by nobody, which the per-connection peers run as.
        for base, dirs, files in os.walk(self.dir):
            for n in dirs:
                os.chmod(os.path.join(base, n), 0o755)
            for n in files:
                os.chmod(os.path.join(base, n), 0o644)
        log(f"fetched from outpost: {len(self.http_want)} HTTP replies, "
            f"{len(GOPHER_SELS)} Gopher items, {len(FINGER_QUERIES)} finger replies")

    def sabotage(self, name):
        """Spoils one stored reply of a server, which verify must catch."""
        path = {"nginx": "www/index.html.gz", "gophernicus": "gopher/status.txt",
                "fingerd": "finger/q_status", "ceiling": "ceiling/finger-0"}[name]
        p = os.path.join(self.dir, path)
        with open(p, "r+b") as f:
            f.seek(40)
            b = f.read(1)
            f.seek(40)
            f.write(bytes([b[0] ^ 0x20]))

    # -- the other servers

    def xinetd(self, name, port, server, args):
        d = os.path.join(self.dir, name)
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "xinetd.conf")
        user = "    user = nobody\n" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(XINETD_CONF.format(name=f"outpost-bench-{name}", port=port, host=HOST, user=user,
                                       server=server, args=args))
        return [self.args.xinetd, "-f", conf, "-dontfork", "-pidfile", os.path.join(d, "xinetd.pid"),
                "-filelog", os.path.join(d, "xinetd.log")]

    def start_peers(self):
        a = self.args
        nd = os.path.join(self.dir, "nginx")
        os.makedirs(nd, exist_ok=True)
        nport = free_port()
        with open(os.path.join(nd, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(d=nd, host=HOST, port=nport, www=os.path.join(self.dir, "www"),
                                      user="user nobody nogroup;\n" if os.geteuid() == 0 else ""))
        nginx_v = cmd_version([a.nginx, "-v"]).replace("nginx version: ", "")
        nginx = Server("nginx", nginx_v, [a.nginx, "-p", nd, "-c", nd + "/nginx.conf", "-e", nd + "/error.log"],
                       [nport])

        xv = cmd_version([a.xinetd, "-version"]).split(" ")[0]
        gport = free_port()
        groot = os.path.join(self.dir, "gopher")
        # Every feature that would add bytes is off (headers, footers,
        # generated caps.txt, charset and content conversions), throttling
        # is lifted (the load is one client address), and so is syslog.
        gargs = (f"-h {HOST} -p {gport} -r {groot} -nv -nl -nh -nf -nd -nc -no -nq -ns -na -nt -np -nx -nu "
                 f"-i 2000000000 -k 2000000000")
        gv = cmd_version([a.gophernicus, "-v"], "Gophernicus").split(" (built")[0]
        gopher = Server("gophernicus", f"{gv} under xinetd {xv} (a process per connection)",
                        self.xinetd("gophernicus", gport, a.gophernicus, gargs), [gport], forks=True)

        fport = free_port()
        script = os.path.join(self.dir, "finger.sh")
        with open(script, "w") as f:
            f.write(FINGER_SCRIPT.format(d=os.path.join(self.dir, "finger")))
        os.chmod(script, 0o755)
        finger = Server("fingerd", f"BSD in.fingerd {deb_version('fingerd')} under xinetd {xv} (a process per "
                        "connection; its finger program: sh + cat of the stored reply)",
                        self.xinetd("fingerd", fport, a.fingerd, f"-p {script}"), [fport], forks=True)

        cd = os.path.join(self.dir, "ceiling")
        ceilings = []
        for proto, mode in (("http", "http"), ("gopher", "line"), ("finger", "line")):
            port = free_port()
            ceilings.append((proto, port, Server("ceiling", "tests/bench/ceiling.c (one thread, epoll, replies in "
                                                 "memory; a process per protocol)",
                                                 [a.ceiling, "-m", mode, "-p", str(port),
                                                  os.path.join(cd, proto + ".map")], [port], key=f"ceiling-{proto}")))
        for s, proto, port in [(nginx, "http", nport), (gopher, "gopher", gport), (finger, "finger", fport)] + \
                [(s, proto, port) for proto, port, s in ceilings]:
            s.start(self.dir)
            self.add(s, proto, port)
        self.nginx = nginx

    def verify(self, when):
        """Every server must send exactly the bytes outpost sent."""
        ok = total = 0
        for proto, servers in self.by_proto.items():
            for s in servers:
                port = self.port_of(s, proto)
                if proto == "http":
                    for (path, version), (st, ctype, enc, body, _) in self.http_want.items():
                        total += 1
                        what = f"GET {path} HTTP/{version}"
                        try:
                            gst, h, gbody, _ = http_raw(port, path, version)
                        except (OSError, BenchError) as e:
                            self.fail(f"MISMATCH {s.name} {what} ({when}): {e}")
                            continue
                        got = (gst, h.get("content-type"), h.get("content-encoding"), gbody)
                        if got != (st, ctype, enc, body):
                            self.fail(f"MISMATCH {s.name} {what} ({when}): status {gst}, {got[1]}, encoding "
                                      f"{got[2]}, {len(gbody)} bytes; outpost: {st}, {ctype}, encoding {enc}, "
                                      f"{len(body)} bytes")
                        else:
                            ok += 1
                    continue
                for line, body in self.line_want[proto].items():
                    total += 1
                    try:
                        got = line_get(port, line)
                    except (OSError, BenchError) as e:
                        self.fail(f"MISMATCH {s.name} {proto} {line!r} ({when}): {e}")
                        continue
                    if got != body:
                        self.fail(f"MISMATCH {s.name} {proto} {line!r} ({when}): {len(got)} bytes, "
                                  f"outpost sent {len(body)}")
                    else:
                        ok += 1
        log(f"verified {when}: {ok} of {total} replies byte-identical to outpost's")
        self.verified.append({"when": when, "ok": ok, "total": total})
        return ok == total

    def check_loader(self):
        """The loader must count a wrong answer as an error and refuse a
        target off the loopback network; checked on every run, against
        outpost, in a fraction of a second."""
        port = self.outpost_ports["http"]
        _, _, _, body, _ = self.http_want[("/", "1.1")]
        cases = [("right", "http", [(200, len(body), "/")], "errors=0 "),
                 ("a wrong length", "http", [(200, len(body) + 1, "/")], "length=20 "),
                 ("a wrong status", "http", [(404, len(body), "/")], "status=20 "),
                 ("a wrong length", "http10", [(200, len(body) - 1, "/")], "length=20 ")]
        for what, mode, reqs, want in cases:
            ld = Load(self.args.load, self.dir, port, mode, 2, 5, reqs, name="selfcheck")
            ld.argv[1:1] = ["-n", "20"]
            out = subprocess.run(ld.argv, capture_output=True, text=True, timeout=30).stdout
            if want not in out or "requests=20 " not in out:
                self.fail(f"the loader, given {what} ({mode}), reported: {out.strip()}")
        r = subprocess.run([self.args.load, "-m", "line", "-a", "10.0.0.1", "-p", "79", ld.reqfile],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 2:
            self.fail(f"the loader did not refuse a target outside 127.0.0.0/8 (exit {r.returncode})")

    # -- loads

    def run_one(self, case, server, rnd):
        key, proto, mode, conns, asks, title = case
        port = self.port_of(server, proto)
        if proto == "http":
            version = "1.0" if mode == "http10" else "1.1"
            reqs = [(200, len(self.http_want[(p, version)][3]), p) for p in asks]
        else:
            reqs = [(len(self.line_want[proto][q]), q) for q in asks]
        load = Load(self.args.load, self.dir, port, mode, conns, self.args.seconds, reqs)
        lasting = server.pids()
        exact = all(reset_peak(p) for p in lasting)
        short_peak = 0
        stop = threading.Event()

        def sample():
            nonlocal short_peak
            while not stop.wait(0.01):
                now = sum(status_kb(p, "VmRSS") for p in server.pids() if p not in lasting)
                short_peak = max(short_peak, now)

        t = threading.Thread(target=sample, daemon=True) if server.forks else None
        cpu0 = server.cpu_ticks()
        if t:
            t.start()
        try:
            res = load.run()
        finally:
            stop.set()
            if t:
                t.join()
        server.settle()
        cpu = (server.cpu_ticks() - cpu0) / TICK
        peak = sum(status_kb(p, "VmHWM") for p in lasting) + short_peak
        res.update({"case": key, "server": server.name, "round": rnd, "rss_peak_kb": peak, "rss_exact": exact,
                    "server_cpu_s": cpu,
                    "cpu_us_per_req": cpu * 1e6 / res["requests"] if res["requests"] else None})
        log(f"  [{rnd}] {key}: {server.name}: {res['rps']:.0f} req/s, p50 {res['p50_us']} us, p99 {res['p99_us']} us,"
            f" errors {res['errors']}, server CPU {cpu:.2f} s, loader CPU {res['cpu_s']:.2f} s")
        if res["requests"] == 0:
            self.fail(f"{server.name} answered no request in {key} (round {rnd})")
        if res["wrong"]:
            self.fail(f"{server.name}: {res['wrong']} wrong replies in {key} (round {rnd}): status "
                      f"{res['status']}, length {res['length']}, parse {res['parse']}")
        if res["conn_errors"] and self.args.check:
            self.fail(f"{server.name}: {res['conn_errors']} connection errors in {key} (round {rnd})")
        self.results.append(res)

    def run_loads(self):
        for s in self.servers:
            s.idle_kb = s.rss_kb()
        cases = [c for c in CASES if c[0] in self.args.only]
        for rnd in range(1, self.args.rounds + 1):
            log(f"round {rnd} of {self.args.rounds}")
            for case in cases:
                servers = self.by_proto[case[1]]
                k = (rnd - 1) % len(servers)
                for s in servers[k:] + servers[:k]:
                    self.run_one(case, s, rnd)

    # -- report

    def report(self):
        out = []
        w = out.append
        a = self.args
        w(f"- Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {a.rounds} rounds, {a.seconds} s a run, "
          f"on {machine()}.")
        seen = []
        for s in self.servers:
            if (s.name, s.version) not in seen:
                seen.append((s.name, s.version))
        w("- Servers: " + "; ".join(f"{n}: {v}" for n, v in seen) + ".")
        w("- Loader: tests/bench/load.c (one thread, epoll; responses parsed and checked: status, length). "
          "HTTP asks with Accept-Encoding: gzip.")
        if TWO_CPUS:
            w(f"- Servers pinned to CPU {min(SERVER_CPUS)}, the loader to CPU {min(LOADER_CPUS)}; "
              "nginx runs one worker process (outpost: one event loop thread). Access logs off everywhere.")
        else:
            w("- One CPU: servers and loader share it. nginx runs one worker process. Access logs off everywhere.")
        w(f"- Load average (1 min) of the machine: {self.load_start} at the start, {loadavg()} at the end "
          f"(the benchmark itself makes about 2; more means other work shared the {os.cpu_count()} CPUs).")
        w("- Every server sent the same bytes as outpost (checked before and after the load). Medians over the "
          "rounds; ± is the spread of req/s (max − min over the median). CPU/req is the server's user + system "
          "time over the requests answered. Ratios are outpost/that server: req/s above 1, p99 and CPU/req below "
          "1 favour outpost. † marks a run where the loader's own CPU was over 90 %: it, not the server, set the "
          "pace.")
        w("")
        w("| case | server | req/s | ± | p50 | p99 | max | errors | CPU/req | peak RSS | req/s ratio | p99 ratio "
          "| CPU/req ratio |")
        w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for key, proto, mode, conns, asks, title in CASES:
            rows = [r for r in self.results if r["case"] == key]
            if not rows:
                continue
            names = []
            for r in rows:
                if r["server"] not in names:
                    names.append(r["server"])
            names.sort(key=lambda n: (n != "outpost", n == "ceiling", n))
            med = {}
            for n in names:
                rs = [r for r in rows if r["server"] == n]
                rps = [r["rps"] for r in rs]
                m = {k: median([r[k] for r in rs]) for k in ("rps", "p50_us", "p99_us", "max_us",
                                                             "cpu_us_per_req", "rss_peak_kb")}
                m["spread"] = (max(rps) - min(rps)) / m["rps"] if m["rps"] else 0
                m["errors"] = sum(r["errors"] for r in rs)
                m["loader_bound"] = any(r["cpu_s"] > 0.9 * r["seconds"] for r in rs)
                med[n] = m
            mine = med.get("outpost")
            for i, n in enumerate(names):
                m = med[n]
                ratio = ["", "", ""]
                if n != "outpost" and mine:
                    ratio = [fmt_ratio(mine["rps"], m["rps"]), fmt_ratio(mine["p99_us"], m["p99_us"]),
                             fmt_ratio(mine["cpu_us_per_req"], m["cpu_us_per_req"])]
                cpu = "—" if m["cpu_us_per_req"] is None else f"{m['cpu_us_per_req']:.0f} µs"
                w(f"| {title if i == 0 else ''} | {n} | {m['rps']:,.0f}{' †' if m['loader_bound'] else ''} | "
                  f"{m['spread'] * 100:.0f} % | {fmt_us(m['p50_us'])} | {fmt_us(m['p99_us'])} | "
                  f"{fmt_us(m['max_us'])} | {m['errors']} | {cpu} | {fmt_kb(m['rss_peak_kb'])} | "
                  + " | ".join(ratio) + " |")
        w("")
        w("Memory at idle (VmRSS before the first run):")
        w("")
        w("| server | processes counted | idle RSS | outpost/server |")
        w("|---|---|--:|--:|")
        counted = {"outpost": "1 (one loop thread, libuv's pool)", "nginx": "master + 1 worker",
                   "gophernicus": "xinetd", "fingerd": "xinetd", "ceiling": "1 a protocol"}
        for s in self.servers:
            if s.name == "ceiling" and s.key != "ceiling-http":
                continue
            ratio = "" if s is self.outpost else fmt_ratio(self.outpost.idle_kb, s.idle_kb)
            w(f"| {s.name} | {counted.get(s.name, '')} | {fmt_kb(s.idle_kb)} | {ratio} |")
        if not all(r["rss_exact"] for r in self.results):
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


def main():
    ap = argparse.ArgumentParser(description="outpost side by side with nginx, Gophernicus, in.fingerd and a ceiling")
    ap.add_argument("--seconds", type=int, default=5, help="length of each run (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every case on every server (default 3)")
    ap.add_argument("--only", default=",".join(c[0] for c in CASES),
                    help="comma-separated cases (default: all of " + ", ".join(c[0] for c in CASES) + ")")
    bench_dir = os.path.join(ROOT, "zig-out/bench")
    ap.add_argument("--outpost", default=os.path.join(ROOT, "zig-out/bin/outpost"))
    ap.add_argument("--load", default=os.path.join(bench_dir, "load"))
    ap.add_argument("--ceiling", default=os.path.join(bench_dir, "ceiling"))
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--xinetd", default="/usr/sbin/xinetd")
    ap.add_argument("--gophernicus", default="/usr/sbin/gophernicus")
    ap.add_argument("--fingerd", default="/usr/sbin/in.fingerd")
    ap.add_argument("--wrap", default="", help="command that outpost runs under (valgrind ...)")
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="write the results (runs, checks) as JSON to this file")
    ap.add_argument("--check", action="store_true", help="connection errors fail the run too")
    ap.add_argument("--verify-only", action="store_true", help="check every server's bytes, run no load")
    ap.add_argument("--sabotage", choices=["nginx", "gophernicus", "fingerd", "ceiling"],
                    help="spoil one stored reply of that server (verify must catch it)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    args.wrap = args.wrap.split()
    args.only = [p.strip() for p in args.only.split(",") if p.strip()]
    keys = [c[0] for c in CASES]
    if not args.only or any(p not in keys for p in args.only):
        ap.error("--only: a comma-separated list of " + ", ".join(keys))
    if not 1 <= args.seconds <= 600:
        ap.error("--seconds: 1 to 600")
    if not 1 <= args.rounds <= 20:
        ap.error("--rounds: 1 to 20")
    missing = [p for p in (args.outpost, args.load, args.ceiling, args.nginx, args.xinetd, args.gophernicus,
                           args.fingerd) if not os.access(p, os.X_OK)]
    if missing:
        log("bench: missing " + ", ".join(missing) + " (tools/dev bench installs and builds them)")
        return 2

    # Hundreds of connections on each side: raise the descriptor limit for
    # every process started from here.
    raise_nofile()
    on_loader_cpu()  # the driver itself stays off the servers' CPU

    b = Bench(args)
    try:
        b.start_outpost()
        b.fetch_content()
        if args.sabotage:
            b.sabotage(args.sabotage)
        b.start_peers()
        if b.verify("before the load") and not args.verify_only:
            b.check_loader()
            b.run_loads()
            b.verify("after the load")
    except (BenchError, OSError, subprocess.SubprocessError) as e:
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
                       "servers": [{"name": s.name, "version": s.version, "idle_kb": s.idle_kb}
                                   for s in b.servers]}, f, indent=1)
    if b.failures:
        log(f"bench: {len(b.failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
