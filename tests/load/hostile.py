#!/usr/bin/env python3
"""hostile: hostile peers for outpost, and the legitimate clients that judge them.

Run as a measurement tool (what `tools/dev attack [SECONDS]` runs):

    python3 tests/load/hostile.py --bin zig-out/bin/outpost --seconds 5

starts the server natively on free loopback ports, once per attack (a fresh
copy of the demo database each time, so the peak RSS is that attack's own),
lets the attack build up, then runs legitimate clients from other addresses
(HTTP, finger and Gopher, a new connection per request) for SECONDS and
prints a markdown table: attack, legitimate requests, errors, p50/p99/max
latency, server peak RSS (VmHWM).

The module is importable (Legit, Attack, burst, run_attack, Server);
the end-to-end tests (tests/e2e/test_hostile.sh, test_signals.sh) run its
subcommands, each of which prints one JSON object on stdout:

    attack NAME --http P --gopher P --finger P --seconds S [options]
    keepalive-fill --http P --count N
    http09 --http P [--timeout S]
    netns-burst --bin BIN --db FILE --log FILE --count N   (inside `unshare -rn`)
    writes --http P --token T --count N --pid PID --db FILE --tag TAG --when committed|sent
    account --results FILE --export FILE --tag TAG
    hold-lock --db FILE --seconds S --ready FILE    (prints nothing)

Every client binds its source address before connecting (127.0.0.0/8 is all
loopback on Linux), so that each attacker and each legitimate client is a
distinct peer to the server's per-address caps. Every wait is bounded.
Standard library only.
"""
import argparse
import asyncio
import errno
import http.client
import json
import multiprocessing
import os
import random
import resource
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
# outpost refuses to run as root unless told that it is meant (serve
# --user); the benchmarks and tests run as root.
AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []
# Linux's IP_BIND_ADDRESS_NO_PORT (ip(7)): with bind(addr, 0) the port is
# chosen at connect() time from the whole 4-tuple, so thousands of
# connections from one source address do not run out of ephemeral ports.
IP_BIND_ADDRESS_NO_PORT = 24

# Who is who. Legitimate clients never share an address with an attacker.
LEGIT_SRCS = {"http": "127.0.0.3", "finger": "127.0.0.4", "gopher": "127.0.0.5"}
FLOOD_SRC = "127.0.0.2"
HOLDER_SRCS = "127.0.1.1-40"
BURST_SRCS = "127.0.3.1-50"
GARBAGE_SRCS = "127.0.4.1-10"
PIPELINE_SRCS = "127.0.5.1-4"
HUGE_SRCS = "127.0.6.1-4"


def addrs(spec):
    """'127.0.1.1-40' or '127.0.0.3,127.0.0.4' -> a list of addresses."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        head, _, last = part.rpartition(".")
        if "-" in last:
            lo, hi = last.split("-")
            out.extend("%s.%d" % (head, i) for i in range(int(lo), int(hi) + 1))
        elif part:
            out.append(part)
    return out


def raise_nofile():
    """Raises this process's soft descriptor limit to the hard one; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


# ---------------------------------------------------------------------------
# Legitimate clients: blocking sockets, one thread per protocol, each doing
# one request at a time on a new connection, paced to `rate` per second.

FINGER_BUSY = b"finger: server busy"
SHORT_ERRORS = {"ConnectionResetError": "reset", "ConnectionRefusedError": "connect refused",
                "TimeoutError": "timeout", "timeout": "timeout", "BrokenPipeError": "broken pipe",
                "RemoteDisconnected": "closed without a reply", "BadStatusLine": "bad status line"}


def _recv_all(sock, limit=1 << 22):
    data = bytearray()
    while len(data) < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def legit_http(src, port, path="/", timeout=5.0):
    """One GET on a new connection: (ok, detail)."""
    c = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(src, 0))
    try:
        c.request("GET", path, headers={"Connection": "close"})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            return False, "HTTP %d" % r.status
        if not body:
            return False, "HTTP 200 with an empty body"
        return True, ""
    finally:
        c.close()


def legit_finger(src, port, query=b"status", timeout=5.0):
    with socket.create_connection((HOST, port), timeout=timeout, source_address=(src, 0)) as s:
        s.sendall(query + b"\r\n")
        data = _recv_all(s)
    if not data:
        return False, "finger: empty reply"
    if data.startswith(FINGER_BUSY):
        return False, "finger: busy line"
    return True, ""


def legit_gopher(src, port, selector=b"", timeout=5.0):
    with socket.create_connection((HOST, port), timeout=timeout, source_address=(src, 0)) as s:
        s.sendall(selector + b"\r\n")
        data = _recv_all(s)
    if not data:
        return False, "gopher: empty reply"
    if data.startswith(b"3Server busy"):
        return False, "gopher: busy item"
    if data.startswith(b"3"):
        return False, "gopher: error item %r" % data.split(b"\t")[0][:60]
    if not data.endswith(b".\r\n"):
        return False, "gopher: menu cut short (%d bytes)" % len(data)
    return True, ""


class Legit:
    """Legitimate clients on every enabled protocol, run for a while."""

    HTTP_PATHS = ["/", "/status.txt", "/api/v2/summary.json", "/history"]

    def __init__(self, ports, srcs=None, rate=20.0, timeout=5.0):
        self.ports = {k: v for k, v in ports.items() if v}
        self.srcs = dict(LEGIT_SRCS, **(srcs or {}))
        self.rate = rate
        self.timeout = timeout
        self.samples = []  # (proto, ok, ms, detail)
        self.lock = threading.Lock()

    def _loop(self, proto, deadline):
        port = self.ports[proto]
        src = self.srcs[proto]
        i = 0
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                if proto == "http":
                    ok, detail = legit_http(src, port, self.HTTP_PATHS[i % len(self.HTTP_PATHS)], self.timeout)
                elif proto == "finger":
                    ok, detail = legit_finger(src, port, timeout=self.timeout)
                else:
                    ok, detail = legit_gopher(src, port, timeout=self.timeout)
            except (OSError, http.client.HTTPException) as e:
                ok, detail = False, "%s: %s" % (proto, SHORT_ERRORS.get(e.__class__.__name__, e.__class__.__name__))
            ms = (time.monotonic() - t0) * 1000.0
            with self.lock:
                self.samples.append((proto, ok, ms, detail))
            i += 1
            pause = 1.0 / self.rate - (time.monotonic() - t0)
            if pause > 0:
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))

    def run(self, seconds):
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=self._loop, args=(p, deadline), daemon=True) for p in self.ports]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 2 * self.timeout + 5)
        return self.summary()

    def summary(self):
        with self.lock:
            s = list(self.samples)
        ms = [x[2] for x in s]
        errors = [x for x in s if not x[1]]
        by = {}
        for proto, ok, _, _ in s:
            b = by.setdefault(proto, {"requests": 0, "errors": 0})
            b["requests"] += 1
            b["errors"] += 0 if ok else 1
        kinds = {}
        for e in errors:
            kinds[e[3]] = kinds.get(e[3], 0) + 1
        return {
            "requests": len(s),
            "errors": len(errors),
            "error_kinds": kinds,
            "by_proto": by,
            "p50_ms": round(pct(ms, 50), 1),
            "p99_ms": round(pct(ms, 99), 1),
            "max_ms": round(max(ms) if ms else 0.0, 1),
        }


# ---------------------------------------------------------------------------
# Attackers: asyncio in a process of their own, so that their work does not
# steal the legitimate clients' interpreter.


async def aconnect(src, port, timeout=10.0):
    loop = asyncio.get_running_loop()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        s.bind((src, 0))
        await asyncio.wait_for(loop.sock_connect(s, (HOST, port)), timeout)
    except BaseException:
        s.close()
        raise
    return s


async def read_until_close(s, timeout, limit=1 << 22):
    """Reads until EOF; returns the bytes (or what came before a reset)."""
    loop = asyncio.get_running_loop()
    data = bytearray()
    end = loop.time() + timeout
    while len(data) < limit:
        left = end - loop.time()
        if left <= 0:
            raise asyncio.TimeoutError()
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(s, 65536), left)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        data += chunk
        await asyncio.sleep(0)  # sock_recv does not yield when data is waiting
    return bytes(data)


class Stats(dict):
    def add(self, key, n=1):
        self[key] = self.get(key, 0) + n


class Attack:
    """Runs one attack until stop is set; counts what happened in stats."""

    def __init__(self, name, ports, opts, stop, ready):
        self.name = name
        self.ports = ports
        self.o = opts
        self.stop_ev = stop
        self.ready_ev = ready
        self.st = Stats()
        self.sockets = set()

    @property
    def stopping(self):
        return self.stop_ev.is_set()

    def port_list(self):
        return [p for p in (self.ports.get("http"), self.ports.get("gopher"), self.ports.get("finger")) if p]

    async def run(self):
        fn = getattr(self, "a_" + self.name.replace("-", "_"))
        task = asyncio.ensure_future(fn())
        t0 = time.monotonic()
        while not self.stopping and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception) as e:
            if not isinstance(e, asyncio.CancelledError):
                self.st["crashed"] = repr(e)
        for s in list(self.sockets):
            s.close()
        self.st["seconds"] = round(time.monotonic() - t0, 2)
        return dict(self.st)

    def track(self, s):
        self.sockets.add(s)
        return s

    def untrack(self, s):
        self.sockets.discard(s)
        s.close()

    # -- nothing at all: the baseline
    async def a_none(self):
        self.ready_ev.set()
        while True:
            await asyncio.sleep(1)

    # -- many new connections per second from one address, sending nothing,
    # each kept open until the server closes it
    async def a_flood(self):
        rate = self.o.rate
        src = addrs(self.o.src or FLOOD_SRC)[0]
        port = self.ports["http"]
        tasks = set()
        t0 = time.monotonic()
        started = 0
        self.ready_ev.set()
        while True:
            due = int((time.monotonic() - t0) * rate)
            burst = 0
            while started < due and burst < 100 and len(tasks) < self.o.max_open:
                started += 1
                burst += 1
                t = asyncio.ensure_future(self._flood_one(src, port))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
            self.st["open_peak"] = max(self.st.get("open_peak", 0), len(tasks))
            self.st["started"] = started
            self.st["rate_achieved"] = round(started / max(1e-3, time.monotonic() - t0))
            await asyncio.sleep(0.002)

    async def _flood_one(self, src, port):
        try:
            s = self.track(await aconnect(src, port, 5.0))
        except (OSError, asyncio.TimeoutError) as e:
            self.st.add("connect_failed:" + e.__class__.__name__)
            return
        self.st.add("connected")
        loop = asyncio.get_running_loop()
        try:
            data = await read_until_close(s, 60.0)
            if data:
                self.st.add("answered")
                if data.startswith(b"HTTP/1.1 503"):
                    self.st.add("busy_replies")
            # The server's FIN is only a half-close: keep our side open
            # until the server has really closed, which a probe byte shows
            # (a closed socket answers it with a reset, RFC 9293 §3.10.7.4,
            # and the next send fails), as a peer that never closes would.
            t_fin = loop.time()
            while loop.time() - t_fin < 30.0:
                await asyncio.sleep(0.1)
                s.send(b"\0")
            self.st.add("never_closed_by_server")
        except (OSError, asyncio.TimeoutError):
            self.st.add("closed_by_server")
        finally:
            self.untrack(s)

    # -- connections held open: idle (send nothing), slow (one byte every
    # few seconds) or mixed (half of each), spread over every port; a slot
    # whose connection the server closes reconnects, as an attacker would
    async def a_idle(self):
        await self._holders(lambda i: "idle")

    async def a_slow(self):
        await self._holders(lambda i: "slow")

    async def a_mixed(self):
        await self._holders(lambda i: "slow" if i % 2 else "idle")

    async def _holders(self, kind_of):
        srcs = addrs(self.o.addrs or HOLDER_SRCS)
        n = len(srcs) * self.o.per_addr
        ports = self.port_list()
        self.st["slots"] = n
        self.connected_once = 0
        tasks = [asyncio.ensure_future(self._hold(i, srcs[i % len(srcs)], ports[i % len(ports)], kind_of(i), n))
                 for i in range(n)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()

    def _slot_up(self, n):
        self.connected_once += 1
        if self.connected_once >= n:
            self.ready_ev.set()

    async def _hold(self, i, src, port, kind, n):
        loop = asyncio.get_running_loop()
        first = True
        is_http = port == self.ports.get("http")
        req = (b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n") if is_http else (b"/" + b"b" * 400)
        while True:
            try:
                s = self.track(await aconnect(src, port, 5.0))
            except (OSError, asyncio.TimeoutError) as e:
                self.st.add("connect_failed:" + e.__class__.__name__)
                await asyncio.sleep(0.2)
                continue
            self.st.add("connected")
            if first:
                first = False
                self._slot_up(n)
            sent = 0
            try:
                while True:
                    wait = self.o.interval if kind == "slow" else 3600.0
                    try:
                        chunk = await asyncio.wait_for(loop.sock_recv(s, 65536), wait)
                    except asyncio.TimeoutError:
                        await loop.sock_sendall(s, req[sent % len(req):sent % len(req) + 1])
                        sent += 1
                        self.st.add("slow_bytes")
                        continue
                    if not chunk:
                        self.st.add("closed_by_server")
                        break
                    self.st.add("answered")
                    if chunk.startswith(b"HTTP/1.1 503") or chunk.startswith(FINGER_BUSY) or b"busy" in chunk[:60]:
                        self.st.add("busy_replies")
            except OSError:
                self.st.add("reset_by_server")
            finally:
                self.untrack(s)
            await asyncio.sleep(0.1)

    # -- bursts of many concurrent connects, each asking once and reading the
    # reply; back to back until stopped
    async def a_burst(self):
        srcs = addrs(self.o.addrs or BURST_SRCS)
        self.ready_ev.set()
        while True:
            r = await asyncio.get_running_loop().run_in_executor(
                None, burst, srcs, self.ports["finger"], self.o.count, b"status\r\n", 20.0)
            self.st.add("bursts")
            for k in ("ok", "busy", "empty", "failed"):
                self.st.add(k, r[k])
            self.st["connect_max_ms"] = max(self.st.get("connect_max_ms", 0), r["connect_max_ms"])

    # -- random bytes on every port, some half-closed, some not
    async def a_garbage(self):
        srcs = addrs(self.o.addrs or GARBAGE_SRCS)
        ports = self.port_list()
        self.ready_ev.set()
        await asyncio.gather(*(self._garbage(srcs[i % len(srcs)], ports, i) for i in range(self.o.concurrency)))

    async def _garbage(self, src, ports, i):
        loop = asyncio.get_running_loop()
        rnd = random.Random(i)
        while True:
            await asyncio.sleep(0)
            port = rnd.choice(ports)
            try:
                s = self.track(await aconnect(src, port, 5.0))
            except (OSError, asyncio.TimeoutError):
                self.st.add("connect_failed")
                await asyncio.sleep(0.1)
                continue
            try:
                await loop.sock_sendall(s, os.urandom(rnd.randint(1, 8192)))
                self.st.add("sent")
                if rnd.random() < 0.5:
                    s.shutdown(socket.SHUT_WR)
                data = await read_until_close(s, 15.0)
                self.st.add("answered" if data else "closed_silently")
            except (OSError, asyncio.TimeoutError):
                self.st.add("reset_or_timeout")
            finally:
                self.untrack(s)

    # -- pipelined GETs pushed as fast as the socket takes them, never read
    async def a_pipeline(self):
        srcs = addrs(self.o.addrs or PIPELINE_SRCS)
        self.ready_ev.set()
        await asyncio.gather(*(self._pipeline(srcs[i % len(srcs)]) for i in range(self.o.concurrency)))

    async def _pipeline(self, src):
        loop = asyncio.get_running_loop()
        chunk = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 1000
        while True:
            try:
                s = self.track(await aconnect(src, self.ports["http"], 5.0))
            except (OSError, asyncio.TimeoutError):
                self.st.add("connect_failed")
                await asyncio.sleep(0.1)
                continue
            self.st.add("connected")
            try:
                while True:
                    await loop.sock_sendall(s, chunk)
                    self.st.add("requests_pushed", 1000)
                    await asyncio.sleep(0)  # a send that never blocks never yields
            except OSError:
                self.st.add("closed_by_server")
            finally:
                self.untrack(s)
            await asyncio.sleep(0.05)

    # -- huge headers (64 KiB) and huge bodies (Content-Length 100 MB, sent
    # as fast as the server takes it), alternately
    async def a_huge(self):
        srcs = addrs(self.o.addrs or HUGE_SRCS)
        self.ready_ev.set()
        await asyncio.gather(*(self._huge(srcs[i % len(srcs)], i) for i in range(self.o.concurrency)))

    async def _huge(self, src, i):
        loop = asyncio.get_running_loop()
        big_head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"
        body_head = (b"POST /api/v1/notices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer op_x\r\nContent-Length: 104857600\r\n\r\n")
        body = b"[" * 65536
        n = i
        while True:
            n += 1
            await asyncio.sleep(0)
            try:
                s = self.track(await aconnect(src, self.ports["http"], 5.0))
            except (OSError, asyncio.TimeoutError):
                self.st.add("connect_failed")
                await asyncio.sleep(0.1)
                continue
            try:
                if n % 2:
                    await loop.sock_sendall(s, big_head)
                else:
                    await loop.sock_sendall(s, body_head)
                    for _ in range(64):  # up to 4 MiB, or until the server stops it
                        await asyncio.wait_for(loop.sock_sendall(s, body), 2.0)
                        await asyncio.sleep(0)
                data = await read_until_close(s, 15.0)
                self.st.add("reply:" + (data[:12].decode("latin-1") if data else "none"))
            except (OSError, asyncio.TimeoutError):
                self.st.add("stopped_by_server")
            finally:
                self.untrack(s)


def burst(srcs, port, count, request, timeout):
    """count connects (spread over srcs) issued back to back in one tight
    loop, so that they arrive as one burst; then each sends request and
    reads the reply to EOF, all driven by one epoll. Returns counts and the
    slowest connect and reply, measured from the start of the burst."""
    res = {"count": count, "ok": 0, "busy": 0, "empty": 0, "failed": 0, "failures": {},
           "connect_max_ms": 0.0, "reply_max_ms": 0.0}
    ep = select.epoll()
    conns = {}  # fd -> [socket, phase, bytes]

    def done(fd, kind, why=""):
        sock, _, _ = conns.pop(fd)
        try:
            ep.unregister(fd)
        except OSError:
            pass
        sock.close()
        res[kind] += 1
        if why:
            res["failures"][why] = res["failures"].get(why, 0) + 1
        res["reply_max_ms"] = max(res["reply_max_ms"], round((time.monotonic() - t0) * 1000.0, 1))

    def failed_connect(why):
        res["failed"] += 1
        res["failures"][why] = res["failures"].get(why, 0) + 1

    # Sockets first, connects after, in a loop that does nothing else: on
    # loopback each connect() completes its handshake at once, so this is as
    # sharp a burst as one process can make.
    socks = []
    for i in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((srcs[i % len(srcs)], 0))
        except OSError as e:
            sock.close()
            failed_connect("bind " + e.__class__.__name__)
            continue
        socks.append(sock)
    t0 = time.monotonic()
    target = (HOST, port)
    rcs = [sock.connect_ex(target) for sock in socks]
    for sock, rc in zip(socks, rcs):
        if rc not in (0, errno.EINPROGRESS):
            sock.close()
            failed_connect("connect " + errno.errorcode.get(rc, str(rc)))
            continue
        conns[sock.fileno()] = [sock, "connecting", bytearray()]
        ep.register(sock.fileno(), select.EPOLLOUT)
    deadline = t0 + timeout
    while conns and time.monotonic() < deadline:
        for fd, ev in ep.poll(0.1):
            c = conns.get(fd)
            if c is None:
                continue
            sock = c[0]
            if c[1] == "connecting":
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    done(fd, "failed", "connect " + errno.errorcode.get(err, str(err)))
                    continue
                res["connect_max_ms"] = max(res["connect_max_ms"], round((time.monotonic() - t0) * 1000.0, 1))
                try:
                    sock.send(request)  # a few bytes: the socket buffer takes them whole
                except OSError as e:
                    done(fd, "failed", "send " + e.__class__.__name__)
                    continue
                c[1] = "reading"
                ep.modify(fd, select.EPOLLIN)
                continue
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                done(fd, "failed", "reply " + e.__class__.__name__)
                continue
            if chunk:
                c[2] += chunk
                continue
            data = bytes(c[2])
            if not data:
                done(fd, "empty")
            elif data.startswith(FINGER_BUSY) or data.startswith(b"HTTP/1.1 503") or data.startswith(b"3Server busy"):
                done(fd, "busy")
            else:
                done(fd, "ok")
    for fd in list(conns):
        done(fd, "failed", "no reply within %g s (%s)" % (timeout, conns[fd][1]))
    ep.close()
    return res


def _attack_proc(name, ports, opts, stop, ready, out):
    raise_nofile()
    random.seed(1)
    a = Attack(name, ports, opts, stop, ready)
    try:
        out.put(asyncio.run(a.run()))
    except BaseException as e:  # report, never hang the parent
        out.put({"crashed": repr(e)})


def run_attack(name, ports, seconds, opts, server_pid=None):
    """Starts the attack in its own process, waits until it is under way
    (all holders connected, or opts.warmup), runs the legitimate clients for
    `seconds`, stops the attack. Returns the legitimate clients' summary with
    the attack's own counts under "load"."""
    ctx = multiprocessing.get_context("fork")
    stop, ready, out = ctx.Event(), ctx.Event(), ctx.Queue()
    p = ctx.Process(target=_attack_proc, args=(name, ports, opts, stop, ready, out), daemon=True)
    p.start()
    t0 = time.monotonic()
    ready.wait(opts.ready_timeout)
    res_ready = ready.is_set()
    left = opts.warmup - (time.monotonic() - t0)
    if left > 0:
        time.sleep(left)
    legit = Legit(ports, rate=opts.legit_rate)
    res = legit.run(seconds)
    alive = server_pid is None or _alive(server_pid)
    stop.set()
    try:
        load = out.get(timeout=30)
    except Exception:
        load = {"lost": "the attacker did not report (alive %s, exit %s)" % (p.is_alive(), p.exitcode)}
    p.join(10)
    if p.is_alive():
        p.kill()
    load["ready"] = res_ready
    res["attack"] = name
    res["load"] = load
    if server_pid is not None:
        res["server_alive"] = alive
    return res


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------------------
# The measurement tool: a server per attack.


class Server:
    def __init__(self, binary, db, logpath, extra=(), soft_nofile=None):
        self.ports = {"http": free_port(), "gopher": free_port(), "finger": free_port()}
        argv = [binary, "--db", db, "serve", "--hostname", HOST,
                "--http", "%s:%d" % (HOST, self.ports["http"]),
                "--gopher", "%s:%d" % (HOST, self.ports["gopher"]),
                "--finger", "%s:%d" % (HOST, self.ports["finger"])] + AS_ROOT + list(extra)

        def pre():
            if soft_nofile is not None:
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft_nofile, hard), hard))

        self.log = open(logpath, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     preexec_fn=pre)
        deadline = time.monotonic() + 20
        for port in self.ports.values():
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("the server exited at start (status %s); see %s" % (self.proc.returncode, logpath))
                try:
                    socket.create_connection((HOST, port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.proc.kill()
                        raise RuntimeError("the server did not listen within 20 s")
                    time.sleep(0.05)

    def peak_rss_kib(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode


ATTACKS = [
    ("none", "baseline: no attack"),
    ("slow", "slow senders: 1,000 connections (40 addresses x 25), one byte every 3 s"),
    ("idle", "idle holders: 1,000 connections (40 addresses x 25) that send nothing"),
    ("flood", "1,000 new connections/s from one address, sending nothing"),
    ("burst", "5,000-connect bursts (50 addresses), back to back, finger requests"),
    ("garbage", "random bytes (1 B to 8 KiB) on every port, 16 connections at a time"),
    ("pipeline", "pipelining flood: 16 connections pushing GETs, never reading"),
    ("huge", "huge headers (64 KiB) and bodies (100 MB declared), 16 at a time"),
]


def measure(args):
    hard = raise_nofile()
    names = [a for a, _ in ATTACKS] if not args.attacks else args.attacks.split(",")
    desc = dict(ATTACKS)
    tmp = tempfile.mkdtemp(prefix="outpost-hostile.")
    template = os.path.join(tmp, "template.db")
    subprocess.run([args.bin, "--db", template, "init", "--demo"], check=True, stdout=subprocess.DEVNULL)
    rows = []
    try:
        for name in names:
            db = os.path.join(tmp, name + ".db")
            shutil.copyfile(template, db)
            print("hostile: %s ..." % name, file=sys.stderr, flush=True)
            srv = Server(args.bin, db, os.path.join(tmp, name + ".log"), soft_nofile=args.server_nofile)
            try:
                opts = attack_opts(name, args)
                r = run_attack(name, srv.ports, args.seconds, opts, srv.proc.pid)
                r["rss_kib"] = srv.peak_rss_kib()
            finally:
                rc = srv.stop()
            r["exit"] = rc
            rows.append(r)
            if args.json:
                print(json.dumps(r), file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("hostile: logs kept in %s" % tmp, file=sys.stderr)
    print("Legitimate clients: HTTP, finger and Gopher from 127.0.0.3-5, one request at a time per protocol")
    print("(a new connection each, at most %g/s each) for %g s once the attack is under way; latency over every"
          % (args.legit_rate, args.seconds))
    print("request, errors included; server started natively with a soft descriptor limit of %s (hard %d)."
          % (args.server_nofile, hard))
    print()
    print("| attack | legitimate requests | errors | p50 ms | p99 ms | max ms | server peak RSS | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        rss = "%.1f MiB" % (r["rss_kib"] / 1024.0) if r.get("rss_kib") else "?"
        notes = []
        if r["errors"]:
            top = sorted(r["error_kinds"].items(), key=lambda kv: -kv[1])
            notes.append(", ".join("%s x%d" % kv for kv in top))
        if not r.get("server_alive", True):
            notes.append("SERVER DIED")
        if r.get("exit") not in (0, None):
            notes.append("exit status %s" % r["exit"])
        notes.append(load_note(r["attack"], r["load"]))
        print("| %s | %d | %d | %.1f | %.1f | %.1f | %s | %s |" % (
            desc.get(r["attack"], r["attack"]), r["requests"], r["errors"], r["p50_ms"], r["p99_ms"],
            r["max_ms"], rss, "; ".join(n for n in notes if n)))
    return 0


def load_note(name, load):
    if name == "flood":
        return "attack: %s/s achieved, %s refused (busy)" % (load.get("rate_achieved", "?"), load.get("busy_replies", 0))
    if name in ("slow", "idle", "mixed"):
        return "%s connects for %s slots, %s refused (busy)" % (
            load.get("connected", 0), load.get("slots", "?"), load.get("busy_replies", 0))
    if name == "burst":
        return "attack: %s bursts, %s answered, %s busy, %s closed without a reply, %s failed, slowest connect %s ms" % (
            load.get("bursts", 0), load.get("ok", 0), load.get("busy", 0), load.get("empty", 0),
            load.get("failed", 0), load.get("connect_max_ms", 0))
    if name == "garbage":
        return "%s blobs sent" % load.get("sent", 0)
    if name == "pipeline":
        return "%s requests pushed" % load.get("requests_pushed", 0)
    if name == "huge":
        return ", ".join("%s x%d" % (k[6:], v) for k, v in load.items() if k.startswith("reply:"))
    return ""


def attack_opts(name, args):
    """Per-attack defaults, overridden by the command line's options."""
    o = argparse.Namespace(**vars(args))
    o.warmup = args.warmup if args.warmup is not None else {"flood": 1.5, "burst": 0.5}.get(name, 0.5)
    return o


# ---------------------------------------------------------------------------
# Subcommands for the end-to-end tests.


def cmd_attack(args):
    raise_nofile()
    ports = {"http": args.http, "gopher": args.gopher, "finger": args.finger}
    r = run_attack(args.name, ports, args.seconds, attack_opts(args.name, args), args.pid)
    print(json.dumps(r))
    return 0


def _peer_closed(sock):
    if sock is None:
        return True
    try:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def cmd_keepalive_fill(args):
    """Opens --count keep-alive HTTP connections one after another (each
    makes one request and stays open), then a new client from another
    address asks for a page; reports its status and which of the idle ones
    the server closed."""
    raise_nofile()
    srcs = addrs(args.addrs)
    conns, first = [], []
    for i in range(args.count):
        c = http.client.HTTPConnection(HOST, args.http, timeout=5, source_address=(srcs[i % len(srcs)], 0))
        try:
            c.request("GET", "/status.txt")
            r = c.getresponse()
            r.read()
            first.append(r.status)
        except (OSError, http.client.HTTPException) as e:
            first.append(e.__class__.__name__)
        conns.append(c)
        time.sleep(args.gap)
    out = {"opened": len(conns), "first_replies": {str(k): first.count(k) for k in set(first)}}
    try:
        ok, detail = legit_http(args.new_src, args.http, "/", 5.0)
        out["new_client"] = "200" if ok else detail
    except (OSError, http.client.HTTPException) as e:
        out["new_client"] = e.__class__.__name__ + " " + str(e)
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline and not _peer_closed(conns[0].sock):
        time.sleep(0.05)
    closed = [i for i, c in enumerate(conns) if _peer_closed(c.sock)]
    out["closed_by_server"] = closed
    out["oldest_closed"] = 0 in closed
    out["newest_open"] = (len(conns) - 1) not in closed
    for c in conns:
        c.close()
    print(json.dumps(out))
    return 0


def cmd_http09(args):
    t0 = time.monotonic()
    out = {"first_line": "", "closed": False}
    try:
        with socket.create_connection((HOST, args.http), timeout=args.timeout) as s:
            s.sendall(b"GET /\r\n")
            data = bytearray()
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        out["closed"] = True
                        break
                    data += chunk
            except socket.timeout:
                out["timed_out_after_s"] = args.timeout
            except ConnectionResetError:
                out["reset"] = True
            out["first_line"] = bytes(data).split(b"\r\n")[0].decode("latin-1")
    except OSError as e:
        out["error"] = repr(e)
    out["elapsed_ms"] = round((time.monotonic() - t0) * 1000)
    print(json.dumps(out))
    return 0


def _netstat():
    vals = {}
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[0::2], lines[1::2]):
        prefix = names.split(":")[0]
        for k, v in zip(names.split()[1:], values.split()[1:]):
            vals[prefix + k] = int(v)
    return vals


def cmd_netns_burst(args):
    """Inside a private network namespace: brings lo up, raises the queue
    limits the namespace's root may raise, starts the server natively with
    its caps out of the way, fires one burst and reports the kernel's
    listen-queue counters before and after."""
    out = {}
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for path, value in (("/proc/sys/net/core/somaxconn", "65535"),
                        ("/proc/sys/net/ipv4/tcp_max_syn_backlog", "65535")):
        try:
            with open(path, "w") as f:
                f.write(value)
        except OSError as e:
            out.setdefault("notes", []).append("cannot raise %s: %s" % (path, e))
        with open(path) as f:
            out[os.path.basename(path)] = int(f.read())
    hard = raise_nofile()
    count = args.count
    # The client holds `count` sockets, the server as many again.
    if hard < count + 200:
        count = max(100, hard - 200)
        out.setdefault("notes", []).append("scaled from %d to %d connects: hard descriptor limit %d"
                                           % (args.count, count, hard))
    out["count"] = count
    db = args.db
    srv = Server(args.bin, db, args.log,
                 ["--set", "max_connections=%d" % (count * 2), "--set", "max_per_address=%d" % (count * 2),
                  "--quiet"])
    try:
        before = _netstat()
        port = srv.ports[args.proto]
        req = b"status\r\n" if args.proto == "finger" else b"GET /status.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        res = burst(addrs(args.addrs), port, count, req, 20.0)
        time.sleep(0.2)
        after = _netstat()
        out.update(res)
        for k in ("TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtSyncookiesSent", "TcpExtTCPReqQFullDrop",
                  "TcpExtTCPReqQFullDoCookies"):
            if k in after:
                out[k] = after[k] - before.get(k, 0)
        out["server_alive"] = srv.proc.poll() is None
    finally:
        out["server_exit"] = srv.stop()
    print(json.dumps(out))
    return 0


def cmd_writes(args):
    """Sends --count API writes at once (a notice each, titled TAG write N),
    then SIGTERMs the server: at the first commit seen in the database
    (--when committed) or --delay seconds after every request was sent
    (--when sent). Prints each write's reply (or how it failed)."""
    n = args.count
    results = [None] * n
    sent = threading.Semaphore(0)
    go = threading.Barrier(n + 1)

    def one(i):
        title = "%s write %d" % (args.tag, i)
        r = {"title": title}
        c = http.client.HTTPConnection(HOST, args.http, timeout=args.timeout)
        try:
            c.connect()
            go.wait(10)
            c.request("POST", "/api/v1/notices", body=json.dumps({"title": title, "body": "Written under SIGTERM."}),
                      headers={"Authorization": "Bearer " + args.token, "Content-Type": "application/json"})
            sent.release()
            resp = c.getresponse()
            r["status"] = resp.status
            r["body"] = resp.read().decode("utf-8", "replace")[:300]
        except threading.BrokenBarrierError:
            r["error"] = "never started"
            sent.release()
        except (OSError, http.client.HTTPException) as e:
            r["error"] = e.__class__.__name__ + (" " + str(e) if str(e) else "")
            sent.release()
        finally:
            c.close()
        results[i] = r

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    out = {"count": n}
    try:
        go.wait(10)
    except threading.BrokenBarrierError:
        out["barrier"] = "broken"
    got = 0
    deadline = time.monotonic() + 10
    while got < n and time.monotonic() < deadline:
        if sent.acquire(timeout=max(0.01, deadline - time.monotonic())):
            got += 1
    out["sent_before_term"] = got
    if args.when == "committed":
        out["first_commit_seen"] = False
        deadline = time.monotonic() + 20
        uri = "file:%s?mode=ro" % args.db
        while time.monotonic() < deadline:
            try:
                db = sqlite3.connect(uri, uri=True, timeout=0.5)
                k = db.execute("SELECT count(*) FROM incidents WHERE title LIKE ?", (args.tag + " write %",)).fetchone()[0]
                db.close()
                if k > 0:
                    out["first_commit_seen"] = True
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.003)
    else:
        time.sleep(args.delay)
    os.kill(args.pid, signal.SIGTERM)
    out["term_at_ns"] = time.time_ns()
    for t in threads:
        t.join(args.timeout + 5)
    out["writes"] = [r if r is not None else {"error": "client thread did not finish"} for r in results]
    with open(args.out, "w") as f:
        json.dump(out, f)
    print(json.dumps({k: v for k, v in out.items() if k != "writes"}))
    return 0


def cmd_account(args):
    """Matches the writes' replies against the export made after the server
    exited."""
    with open(args.results) as f:
        res = json.load(f)
    with open(args.export) as f:
        exp = json.load(f)
    committed = {i["title"] for i in exp["incidents"] if i["title"].startswith(args.tag + " write ")}
    out = {"writes": len(res["writes"]), "committed": len(committed), "replies": {},
           "committed_without_2xx": [], "2xx_not_committed": [], "503_committed": [],
           "503_without_json_error": [], "unanswered": []}
    for w in res["writes"]:
        st = w.get("status")
        key = str(st) if st is not None else "none: " + w.get("error", "?")
        out["replies"][key] = out["replies"].get(key, 0) + 1
        title = w.get("title")
        ok = st is not None and 200 <= st < 300
        if title in committed and not ok:
            out["committed_without_2xx"].append("%s (%s)" % (title, key))
        if ok and title not in committed:
            out["2xx_not_committed"].append(title)
        if st == 503:
            if title in committed:
                out["503_committed"].append(title)
            try:
                if not isinstance(json.loads(w.get("body", "")).get("error"), str):
                    raise ValueError
            except (ValueError, AttributeError):
                out["503_without_json_error"].append(title)
        if st is None:
            out["unanswered"].append("%s (%s)" % (title, w.get("error")))
    print(json.dumps(out))
    return 0


def cmd_hold_lock(args):
    db = sqlite3.connect(args.db, timeout=10, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    with open(args.ready, "w") as f:
        f.write("held\n")
    time.sleep(args.seconds)
    db.execute("ROLLBACK")
    db.close()
    return 0


# ---------------------------------------------------------------------------


def add_attack_options(p):
    p.add_argument("--rate", type=float, default=1000.0, help="flood: new connections per second")
    p.add_argument("--src", default=None, help="flood: the attacker's address (127.0.0.2)")
    p.add_argument("--max-open", type=int, default=15000, help="flood: at most this many open at once")
    p.add_argument("--addrs", default=None, help="holders/burst/...: source addresses, e.g. 127.0.1.1-40")
    p.add_argument("--per-addr", type=int, default=25, help="holders: connections per address")
    p.add_argument("--interval", type=float, default=3.0, help="slow: seconds between bytes")
    p.add_argument("--count", type=int, default=5000, help="burst: connects per burst")
    p.add_argument("--concurrency", type=int, default=16, help="garbage/pipeline/huge: connections at once")
    p.add_argument("--warmup", type=float, default=None, help="seconds between the attack's start and the clients'")
    p.add_argument("--ready-timeout", type=float, default=15.0)
    p.add_argument("--legit-rate", type=float, default=20.0, help="legitimate requests per second per protocol")


def main(argv):
    if not argv or argv[0].startswith("-"):
        p = argparse.ArgumentParser(prog="hostile.py", description="Measures what hostile peers do to legitimate clients.")
        p.add_argument("--bin", required=True, help="the outpost binary")
        p.add_argument("--seconds", type=float, default=5.0, help="legitimate clients run this long per attack")
        p.add_argument("--attacks", default="", help="comma-separated subset of: " + ",".join(a for a, _ in ATTACKS))
        p.add_argument("--server-nofile", type=int, default=1024, help="the server's soft descriptor limit at start")
        p.add_argument("--json", action="store_true", help="also print each attack's raw result on stderr")
        p.add_argument("--keep", action="store_true", help="keep the server logs")
        add_attack_options(p)
        args = p.parse_args(argv)
        return measure(args)
    p = argparse.ArgumentParser(prog="hostile.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("attack")
    a.add_argument("name", choices=[x for x, _ in ATTACKS] + ["mixed"])
    for k in ("http", "gopher", "finger"):
        a.add_argument("--" + k, type=int, default=0)
    a.add_argument("--seconds", type=float, default=4.0)
    a.add_argument("--pid", type=int, default=None, help="the server's pid, to report whether it survived")
    add_attack_options(a)
    k = sub.add_parser("keepalive-fill")
    k.add_argument("--http", type=int, required=True)
    k.add_argument("--count", type=int, default=50)
    k.add_argument("--addrs", default="127.0.2.1-5")
    k.add_argument("--new-src", default="127.0.0.9")
    k.add_argument("--gap", type=float, default=0.02)
    k.add_argument("--wait", type=float, default=3.0)
    h = sub.add_parser("http09")
    h.add_argument("--http", type=int, required=True)
    h.add_argument("--timeout", type=float, default=2.0)
    n = sub.add_parser("netns-burst")
    n.add_argument("--bin", required=True)
    n.add_argument("--db", required=True)
    n.add_argument("--log", required=True)
    n.add_argument("--count", type=int, default=5000)
    n.add_argument("--proto", choices=["finger", "http"], default="finger")
    n.add_argument("--addrs", default="127.0.3.1-50")
    w = sub.add_parser("writes")
    w.add_argument("--http", type=int, required=True)
    w.add_argument("--token", required=True)
    w.add_argument("--count", type=int, default=16)
    w.add_argument("--pid", type=int, required=True)
    w.add_argument("--db", required=True)
    w.add_argument("--tag", required=True)
    w.add_argument("--when", choices=["committed", "sent"], default="committed")
    w.add_argument("--delay", type=float, default=0.5)
    w.add_argument("--timeout", type=float, default=40.0)
    w.add_argument("--out", required=True)
    c = sub.add_parser("account")
    c.add_argument("--results", required=True)
    c.add_argument("--export", required=True)
    c.add_argument("--tag", required=True)
    l = sub.add_parser("hold-lock")
    l.add_argument("--db", required=True)
    l.add_argument("--seconds", type=float, default=5.0)
    l.add_argument("--ready", required=True)
    args = p.parse_args(argv)
    return {"attack": cmd_attack, "keepalive-fill": cmd_keepalive_fill, "http09": cmd_http09,
            "netns-burst": cmd_netns_burst, "writes": cmd_writes, "account": cmd_account,
            "hold-lock": cmd_hold_lock}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
