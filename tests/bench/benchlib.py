"""benchlib: what tests/bench/bench.py and tests/bench/scale.py share.

Processes (start, CPU time, memory, stop by PID), clients (raw HTTP/1.x,
one-line exchanges), the load generator (zig-out/bench/load) and the
formatting of numbers. Standard library only; every wait is bounded.
"""
import os
import platform
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "127.0.0.1"
# outpost refuses to run as root unless told that it is meant (serve
# --user); the benchmarks and tests run as root.
AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []
TICK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- CPUs

TWO_CPUS = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) >= 2
SERVER_CPUS = {sorted(os.sched_getaffinity(0))[0]} if TWO_CPUS else None
LOADER_CPUS = {sorted(os.sched_getaffinity(0))[1]} if TWO_CPUS else None


def on_server_cpu():
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


def on_loader_cpu():
    """Pins the calling process; the drivers call it first thing, so that
    the loaders they start inherit the loaders' CPU (no preexec_fn while a
    sampler thread runs)."""
    if LOADER_CPUS:
        os.sched_setaffinity(0, LOADER_CPUS)


def raise_nofile():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# ----------------------------------------------------------- processes

def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


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


def cpu_ticks(pid, children=True):
    """utime + stime of pid (all its threads), plus cutime + cstime (the
    children it has reaped) if children; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0
    v = stat[stat.rindex(")") + 2:].split()
    # Fields 14-17 of proc(5), counted from 1 with pid and comm first.
    t = int(v[11]) + int(v[12])
    return t + int(v[13]) + int(v[14]) if children else t


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


def wait_port(port, proc, secs=30):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"nothing listens on port {port} after {secs} s")


class Server:
    """A server process (and, for inetd-style peers, the children it
    forks). Started in a session of its own, pinned to the servers' CPU,
    stopped by its PID."""

    def __init__(self, name, version, argv, ports, forks=False, cwd=None, env=None, key=None):
        self.name, self.version, self.argv = name, version, argv
        self.ports, self.forks, self.cwd, self.env = ports, forks, cwd, env
        self.key = key or name
        self.proc = None
        self.idle_kb = 0
        self.peak_exact = True

    def start(self, logdir, wait=True):
        self.log = open(os.path.join(logdir, self.key + ".log"), "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.cwd, env=self.env,
                                     preexec_fn=on_server_cpu, start_new_session=True)
        if wait:
            for port in self.ports:
                wait_port(port, self.proc)

    @property
    def pid(self):
        return self.proc.pid

    def pids(self):
        return proc_tree(self.proc.pid)

    def rss_kb(self):
        return sum(status_kb(p, "VmRSS") for p in self.pids())

    def cpu_ticks(self):
        """CPU time of the server so far, in clock ticks: every live
        process of its tree, and what each has reaped of its children (an
        inetd's per-connection servers, once they exit)."""
        return sum(cpu_ticks(p) for p in self.pids())

    def settle(self, secs=5):
        """Waits (bounded) until the per-connection children are gone, so
        that their CPU time has been reaped into the parent's."""
        if not self.forks:
            return
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline and len(self.pids()) > 1:
            time.sleep(0.02)

    def stop(self, sig=signal.SIGTERM, secs=20):
        """Stops the server by its PID (and then whatever is left of its
        session); returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            self.log.close()
            return self.proc.returncode
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(secs)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
            raise BenchError(f"{self.name} did not stop within {secs} s")
        finally:
            # The session holds only what this server started.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            self.log.close()
        return rc


# ------------------------------------------------------------- clients

def http_raw(port, target, version="1.1", gzip=True, timeout=10):
    """One GET, answered whole: returns (status, headers with lower-case
    names, body, the response's bytes as sent). HTTP/1.1 responses are
    framed by Content-Length (the connection is not closed first: the bytes
    are those of a keep-alive response); HTTP/1.0 ones by the close."""
    req = f"GET {target} HTTP/{version}\r\nHost: {HOST}:{port}\r\n"
    if gzip:
        req += "Accept-Encoding: gzip\r\n"
    req += "\r\n"
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(req.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            if time.monotonic() > deadline:
                raise BenchError(f"port {port}: no header block for {target} within {timeout} s")
            b = s.recv(65536)
            if not b:
                raise BenchError(f"port {port}: closed before the header block of {target}")
            buf += b
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise BenchError(f"port {port}: bad status line {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        clen = headers.get("content-length")
        while True:
            if version == "1.1" and clen is not None and len(body) >= int(clen):
                break
            if time.monotonic() > deadline:
                raise BenchError(f"port {port}: no end of {target} within {timeout} s")
            b = s.recv(65536)
            if not b:
                if clen is not None and len(body) != int(clen):
                    raise BenchError(f"port {port}: {target} cut at {len(body)} of {clen} bytes")
                break
            body += b
        return int(parts[1]), headers, body, head + b"\r\n\r\n" + body


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


# --------------------------------------------------------------- loads

class Load:
    """A run of zig-out/bench/load. mode: http, http10 or line; requests:
    (status, length, target) for HTTP, (length, line) for line (-1: any
    length, status 0: any)."""

    def __init__(self, binary, workdir, port, mode, conns, seconds, requests,
                 timeout_ms=5000, interval_us=0, gzip=True, name="load"):
        self.reqfile = os.path.join(workdir, f"{name}-{port}-{mode}.txt")
        with open(self.reqfile, "w") as f:
            for r in requests:
                f.write("\t".join(str(x) for x in r) + "\n")
        self.argv = [binary, "-m", mode, "-p", str(port), "-c", str(conns),
                     "-d", str(seconds), "-t", str(timeout_ms)]
        if interval_us:
            self.argv += ["-i", str(interval_us)]
        if gzip and mode != "line":
            self.argv += ["-H", "Accept-Encoding: gzip"]
        self.argv.append(self.reqfile)
        # load stops by itself; this is the bound on waiting for it.
        self.bound = seconds + timeout_ms / 1000 + 30
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return self

    def stop(self):
        """Asks it to finish now (SIGTERM): it stops starting requests and
        reports."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self):
        try:
            out, err = self.proc.communicate(timeout=self.bound)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=10)
            raise BenchError(f"load did not finish within {self.bound:.0f} s")
        if self.proc.returncode != 0 or "requests=" not in out:
            raise BenchError(f"load failed ({self.proc.returncode}): {err.strip()[-400:]}")
        v = {}
        for kv in out.split():
            k, _, x = kv.partition("=")
            v[k] = float(x) if "." in x else int(x)
        v["wrong"] = v["status"] + v["length"] + v["parse"]
        v["conn_errors"] = v["connect"] + v["io"] + v["eof"] + v["timeout"]
        return v

    def run(self):
        return self.start().wait()


# ------------------------------------------------------------- report

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


def outpost_version():
    """The commit, and "+changes" if outpost's own sources differ from it
    (changes to the benchmark itself do not count)."""
    rev = cmd_version(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    r = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "server", "protocols", "store",
                        "build.zig"], capture_output=True, text=True)
    return f"outpost {rev}" + ("+changes" if r.returncode == 0 and r.stdout.strip() else "")


def machine():
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


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def fmt_us(us):
    if us is None:
        return "—"
    if us < 1000:
        return f"{us / 1000:.2f} ms"
    if us < 100000:
        return f"{us / 1000:.1f} ms"
    if us < 10000000:
        return f"{us / 1000:.0f} ms"
    return f"{us / 1e6:.1f} s"


def fmt_kb(kb):
    return f"{kb / 1024:.1f} MiB"


def fmt_ratio(a, b):
    if not b or a is None:
        return "—"
    r = a / b
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
