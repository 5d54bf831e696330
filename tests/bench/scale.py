#!/usr/bin/env python3
"""tests/bench/scale.py: outpost with years of history.

    python3 tests/bench/scale.py [--sizes 10000,100000] [--changes 100]
                                 [--more-changes 1000] [--budget SECONDS]
                                 [--visible-timeout SECONDS] [--idle SECONDS]
                                 [--search-seconds SECONDS] [--cache DIR]
                                 [--out FILE] [--json FILE]

For each size N it writes an archive of N resolved posts (gen_archive.py,
five updates each), loads it with `outpost import` into a database, and
serves a copy of that database on free loopback ports (HTTP, Gopher,
finger), then measures, each step bounded in time:

  start     `outpost serve` to the first whole answer on every protocol (the
            summary page with status 200, the Gopher root menu, the finger
            status reply; polled every 20 ms)
  changes   --changes CLI changes (default 100), one at a time, in a cycle
            of five: a new incident opened (`incident open`), an old post's
            update rewritten (`update edit`), the new incident updated
            (`incident update --body`), another old post's update rewritten,
            the new incident resolved (`incident resolve --body`). Each
            carries a marker string; it is visible when the HTTP page, the
            Gopher item and the finger reply that show that post all hold
            the marker (polled every 20 ms, for at most --visible-timeout
            seconds: a change not seen by then counts as "> T s"). Latency
            runs from the CLI's start to the last protocol showing it. A
            keep-alive probe (one request for /api/v2/status.json every
            2 ms on one connection) runs meanwhile; its slowest answer is
            the longest pause a client saw
  memory    VmRSS at 0 changes, after --changes, and after --more-changes in
            all (default 1,000; the same cycle, each also waited for): flat
            or not
  idle      the server's CPU time (user + system) over --idle seconds
            without a request or a change, as CPU seconds per minute (a
            whole minute by default: the server rebuilds once a minute)
  search    20 keep-alive clients asking /search?q=zzz (a word no post
            holds, so every post is looked at) for --search-seconds, while
            10 other keep-alive clients ask for the summary page and the
            probe runs; the other clients' p99 is also measured alone first
A step that runs out of --budget seconds stops and reports what it did; a
server whose RSS passes --max-rss MiB (default 8192) is stopped and the
size reported as far as it got.
The archive and the imported database are made once a size per run (in the
run's temporary directory, or in --cache DIR, which keeps them for the next
run). Every load comes from zig-out/bench/load, which checks each status.

Prints a markdown table, a column a size. Exit status 0; 1 if the server
failed or exited uncleanly; 2 if a tool is missing.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (AS_ROOT, HOST, ROOT, TICK, BenchError, Load, Server, cpu_ticks, free_port, http_raw,  # noqa: E402
                      line_get, loadavg, log, machine, on_loader_cpu, outpost_version, raise_nofile,
                      status_kb)

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE_TARGET = "/api/v2/status.json"
SEARCH_TARGET = "/search?q=zzz"


def pctl(xs, p):
    """Nearest-rank percentile; None (a timeout) ranks above everything."""
    if not xs:
        return None
    s = sorted(xs, key=lambda x: float("inf") if x is None else x)
    rank = max(1, -(-len(s) * p // 100))
    return s[rank - 1]


def fmt_s(x, bound=None):
    if x is None:
        return f"> {bound:g} s" if bound is not None else "—"
    if x < 1:
        return f"{x * 1000:.0f} ms"
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def fmt_mib(kb):
    return "—" if kb is None else f"{kb / 1024:.0f} MiB"


def fmt_us(us):
    if us is None:
        return "—"
    return fmt_s(us / 1e6)


class Scale:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="outpost-scale.")
        self.cache = args.cache or self.dir
        os.makedirs(self.cache, exist_ok=True)
        self.failures = []
        self.results = {}

    def fail(self, msg):
        log("FAIL " + msg)
        self.failures.append(msg)

    # -- the archive

    def archive(self, n):
        """The archive and imported database of size n (made once), and the
        newest update id of each post (from the archive, one post a line,
        without holding the whole document)."""
        a = self.args
        js = os.path.join(self.cache, f"archive-{n}-s{a.seed}.json")
        db = os.path.join(self.cache, f"base-{n}-s{a.seed}.db")
        res = {}
        if not os.path.exists(js):
            t = time.monotonic()
            with open(js + ".part", "w") as f:
                subprocess.run([sys.executable, os.path.join(HERE, "gen_archive.py"), str(n), "--seed", str(a.seed)],
                               stdout=f, check=True, timeout=a.budget)
            os.rename(js + ".part", js)
            res["gen_s"] = time.monotonic() - t
        if not os.path.exists(db):
            t = time.monotonic()
            r = subprocess.run([a.outpost, "--db", db + ".part", "import", js], capture_output=True, text=True,
                               timeout=a.budget)
            if r.returncode != 0:
                raise BenchError(f"outpost import of {n} posts: {r.stderr.strip()}")
            os.rename(db + ".part", db)
            res["import_s"] = time.monotonic() - t
        res["json_bytes"] = os.path.getsize(js)
        res["db_bytes"] = os.path.getsize(db)
        # gen_archive.py writes one post a line, its updates newest first.
        updates = {}
        post_re = re.compile(r'\{"id": (\d+), .*?"updates": \[\{"id": (\d+),')
        with open(js) as f:
            for line in f:
                m = post_re.match(line)
                if m:
                    updates[int(m.group(1))] = int(m.group(2))
        if len(updates) != n:
            raise BenchError(f"{js}: {len(updates)} posts read, {n} expected")
        return db, updates, res

    # -- the server

    def start(self, db, res):
        a = self.args
        self.ports = {p: free_port() for p in ("http", "gopher", "finger")}
        argv = [a.outpost, "--db", db, "serve", "--quiet", "--hostname", HOST,
                "--http", f"{HOST}:{self.ports['http']}", "--gopher", f"{HOST}:{self.ports['gopher']}",
                "--finger", f"{HOST}:{self.ports['finger']}",
                "--set", "max_connections=20000", "--set", "max_per_address=20000"] + AS_ROOT
        self.server = Server("outpost", outpost_version(), argv, list(self.ports.values()), key=f"outpost-{a.n}")
        t0 = time.monotonic()
        self.server.start(self.dir, wait=False)
        first = {}
        deadline = t0 + a.start_timeout
        checks = {"http": lambda: http_raw(self.ports["http"], "/", gzip=False, timeout=5)[0] == 200,
                  "gopher": lambda: line_get(self.ports["gopher"], "", timeout=5).endswith(b".\r\n"),
                  "finger": lambda: len(line_get(self.ports["finger"], "status", timeout=5)) > 0}
        while len(first) < 3 and time.monotonic() < deadline:
            if self.server.proc.poll() is not None:
                raise BenchError(f"outpost serve exited with {self.server.proc.returncode} at start")
            for proto, check in checks.items():
                if proto in first:
                    continue
                try:
                    if check():
                        first[proto] = time.monotonic() - t0
                except (OSError, BenchError):
                    pass
            time.sleep(0.02)
        for proto in checks:
            res[f"first_{proto}_s"] = first.get(proto)
        res["start_s"] = max(first.values()) if len(first) == 3 else None
        log(f"  serve: every protocol answers after {fmt_s(res['start_s'], a.start_timeout)}")
        return res["start_s"] is not None

    def watch(self, res):
        """Stops the server (SIGKILL, by its PID) if its RSS passes
        --max-rss: the machine is shared, and a server that grows without
        bound would take it down before the run could report."""
        pid, bound = self.server.pid, self.args.max_rss * 1024

        def run():
            while not self.watch_stop.wait(0.2):
                kb = status_kb(pid, "VmRSS")
                if kb > bound:
                    res["rss_bound_kb"] = kb
                    log(f"  RSS {fmt_mib(kb)} is over --max-rss {self.args.max_rss} MiB: stopping the server")
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    return

        self.watch_stop = threading.Event()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def alive(self):
        if self.server.proc.poll() is not None:
            raise BenchError(f"the server is gone (exit {self.server.proc.returncode})")

    def rss_kb(self):
        return status_kb(self.server.pid, "VmRSS")

    # -- changes

    def change(self, k, updates, state):
        """Makes change k of the cycle; returns (argv, [(proto, what)...],
        marker) for the views that must show it."""
        a = self.args
        marker = f"scalemark{k:05d}q"
        body = f"Scale benchmark change {marker}: the engineers are still on it."
        db = state["db"]
        step = k % 5
        if step in (2, 4) and state["new"] is None:
            step = 1  # no incident is open (its opening failed): an edit instead
        if step == 0:
            argv = [a.outpost, "--db", db, "incident", "open", "--title", f"Scale test {marker}",
                    "--service", "dns", "--impact", "minor", "--body", body]
            views = [("http", "/"), ("gopher", ""), ("finger", "status")]
            state["opening"] = True
        elif step in (1, 3):
            post = state["rnd"].randint(1, a.n)
            argv = [a.outpost, "--db", db, "update", "edit", str(updates[post]), "--body", body]
            views = [("http", f"/incidents/{post}"), ("gopher", f"/incidents/{post}"), ("finger", str(post))]
        elif step == 2:
            new = state["new"]
            argv = [a.outpost, "--db", db, "incident", "update", str(new), "--status", "identified",
                    "--body", body]
            views = [("http", f"/incidents/{new}"), ("gopher", f"/incidents/{new}"), ("finger", str(new))]
        else:
            new = state["new"]
            argv = [a.outpost, "--db", db, "incident", "resolve", str(new), "--body", body]
            views = [("http", f"/incidents/{new}"), ("gopher", f"/incidents/{new}"), ("finger", str(new))]
            state["new"] = None
        return argv, views, marker

    def shows(self, proto, what, marker):
        m = marker.encode()
        try:
            if proto == "http":
                st, _, body, _ = http_raw(self.ports["http"], what, gzip=False, timeout=5)
                return st == 200 and m in body
            return m in line_get(self.ports[proto], what, timeout=5)
        except (OSError, BenchError):
            return False

    def changes(self, first, count, updates, state, deadline):
        """Changes first .. first+count-1, each waited for on every
        protocol. Returns ([latency or None], [CLI seconds]) for those made
        before the deadline."""
        a = self.args
        lat, cli = [], []
        for k in range(first, first + count):
            if time.monotonic() >= deadline:
                break
            self.alive()
            argv, views, marker = self.change(k, updates, state)
            t0 = time.monotonic()
            r = subprocess.run(argv, capture_output=True, text=True, timeout=a.visible_timeout + 60)
            t1 = time.monotonic()
            if r.returncode != 0:
                raise BenchError(f"change {k}: {' '.join(argv[3:6])}: exit {r.returncode}: {r.stderr.strip()}")
            if state.pop("opening", False):
                state["new"] = int(r.stdout.strip().split()[-1])
            cli.append(t1 - t0)
            todo = list(views)
            seen = None
            while time.monotonic() - t0 < a.visible_timeout:
                self.alive()
                todo = [v for v in todo if not self.shows(v[0], v[1], marker)]
                if not todo:
                    seen = time.monotonic() - t0
                    break
                time.sleep(0.02)
            lat.append(seen)
            if seen is None:
                log(f"    change {k}: not visible on {', '.join(p for p, _ in todo)} after {a.visible_timeout} s")
            if (k + 1) % 100 == 0 or (k - first) < 3:
                log(f"    change {k + 1}: visible after {fmt_s(seen, a.visible_timeout)} (CLI {fmt_s(t1 - t0)}), "
                    f"RSS {fmt_mib(self.rss_kb())}")
        return lat, cli

    def load(self, *args, **kw):
        """A Load, remembered so that none outlives a failed step."""
        ld = Load(self.args.load, self.dir, self.ports["http"], "http", *args, **kw)
        self.loads.append(ld)
        return ld

    def probe(self, seconds):
        return self.load(1, seconds, [(200, -1, PROBE_TARGET)], timeout_ms=60000, interval_us=2000, gzip=False,
                         name="probe")

    # -- one size

    def run_size(self, n):
        a = self.args
        a.n = n
        res = {"n": n}
        self.results[n] = res
        log(f"N = {n:,}: archive")
        base, updates, info = self.archive(n)
        res.update(info)
        db = os.path.join(self.dir, f"serve-{n}.db")
        shutil.copyfile(base, db)
        log(f"N = {n:,}: serve")
        self.loads = []
        try:
            watcher = None
            if not self.start(db, res):
                self.fail(f"N={n}: outpost did not answer on every protocol within {a.start_timeout} s")
                return
            watcher = self.watch(res)
            self.measure(n, db, updates, res)
        finally:
            for ld in self.loads:
                if ld.proc and ld.proc.poll() is None:
                    ld.stop()
                    try:
                        ld.proc.communicate(timeout=ld.bound)
                    except subprocess.TimeoutExpired:
                        ld.proc.kill()
                        ld.proc.communicate()
            if watcher:
                self.watch_stop.set()
                watcher.join()
            rc = self.server.stop(secs=30)
            res["exit"] = rc
            if "rss_bound_kb" in res:
                self.fail(f"N={n}: stopped at RSS {fmt_mib(res['rss_bound_kb'])}, over --max-rss")
            elif rc != 0:
                with open(os.path.join(self.dir, f"outpost-{n}.log"), errors="replace") as f:
                    tail = f.read()[-1500:]
                self.fail(f"N={n}: outpost exited with status {rc}: {tail}")

    def measure(self, n, db, updates, res):
        a = self.args
        state = {"db": db, "rnd": random.Random(n), "new": None}
        res["rss_0_kb"] = self.rss_kb()

        log(f"N = {n:,}: {a.changes} changes, each waited for on every protocol")
        probe = self.probe(a.budget + a.visible_timeout).start()
        lat, cli = self.changes(0, a.changes, updates, state, time.monotonic() + a.budget)
        probe.stop()
        p = probe.wait()
        res.update({"changes_done": len(lat), "visible_p50_s": pctl(lat, 50), "visible_p99_s": pctl(lat, 99),
                    "visible_max_s": pctl(lat, 100), "visible_timeouts": sum(x is None for x in lat),
                    "cli_p50_s": pctl(cli, 50), "cli_p99_s": pctl(cli, 99),
                    "pause_changes_us": p["max_us"], "probe_changes_errors": p["errors"],
                    "rss_changes_kb": self.rss_kb(), "rss_changes_at": len(lat)})

        more = a.more_changes - len(lat)
        if more > 0 and len(lat) == a.changes:
            log(f"N = {n:,}: {more} more changes")
            lat2, _ = self.changes(len(lat), more, updates, state, time.monotonic() + a.budget)
            res["rss_more_at"] = len(lat) + len(lat2)
            res["more_timeouts"] = sum(x is None for x in lat2)
        else:
            res["rss_more_at"] = len(lat)
        res["rss_more_kb"] = self.rss_kb()
        res["rss_peak_kb"] = status_kb(self.server.pid, "VmHWM")

        log(f"N = {n:,}: {a.idle} s idle")
        time.sleep(1)
        c0, t0 = cpu_ticks(self.server.pid, children=False), time.monotonic()
        time.sleep(a.idle)
        c1, t1 = cpu_ticks(self.server.pid, children=False), time.monotonic()
        self.alive()
        res["idle_cpu_per_min"] = (c1 - c0) / TICK / (t1 - t0) * 60

        s = a.search_seconds
        log(f"N = {n:,}: other clients alone, then with 20 searching, {s} s each")
        others = [(200, -1, "/")]
        alone = self.load(10, s, others, timeout_ms=60000, name="others").run()
        searchers = self.load(20, s, [(200, -1, SEARCH_TARGET)], timeout_ms=60000, name="search").start()
        busy = self.load(10, s, others, timeout_ms=60000, name="others").start()
        pr = self.probe(s).start()
        sr, br, pr = searchers.wait(), busy.wait(), pr.wait()
        res.update({"others_alone_p99_us": alone["p99_us"], "others_alone_rps": alone["rps"],
                    "others_alone_errors": alone["errors"],
                    "others_busy_p99_us": br["p99_us"], "others_busy_rps": br["rps"], "others_busy_errors": br["errors"],
                    "search_p50_us": sr["p50_us"], "search_p99_us": sr["p99_us"], "search_rps": sr["rps"],
                    "search_errors": sr["errors"], "search_requests": sr["requests"],
                    "pause_search_us": pr["max_us"], "probe_search_errors": pr["errors"]})
        for what, r in (("searches", sr), ("other clients", br), ("probe", pr), ("other clients alone", alone)):
            if r["wrong"]:
                self.fail(f"N={n}: {r['wrong']} wrong answers to the {what}")

    # -- report

    def report(self):
        a = self.args
        sizes = [n for n in a.sizes if n in self.results]
        vt = a.visible_timeout
        out = []
        w = out.append
        w(f"- Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}; {outpost_version()}; "
          f"load average {loadavg()} at the end.")
        w(f"- Archives from tests/bench/gen_archive.py (seed {a.seed}): N resolved posts over eight years, five "
          f"updates each. Changes: the CLI, one at a time, each waited for on HTTP, Gopher and finger "
          f"(at most {vt:g} s); every step at most {a.budget:g} s.")
        w("")
        w("| | " + " | ".join(f"N = {n:,}" for n in sizes) + " |")
        w("|---|" + "--:|" * len(sizes))

        def row(label, f):
            cells = []
            for n in sizes:
                r = self.results[n]
                try:
                    cells.append(f(r))
                except (KeyError, TypeError):
                    cells.append("—")
            w(f"| {label} | " + " | ".join(cells) + " |")

        row("archive JSON / database", lambda r: f"{r['json_bytes'] / 2**20:.0f} MiB / {r['db_bytes'] / 2**20:.0f} MiB")
        row("generate / import", lambda r: (f"{fmt_s(r['gen_s'])}" if "gen_s" in r else "(cached)") + " / "
            + (f"{fmt_s(r['import_s'])}" if "import_s" in r else "(cached)"))
        row("serve start to first answer, all three", lambda r: fmt_s(r["start_s"], a.start_timeout))
        row("… HTTP / Gopher / finger", lambda r: " / ".join(fmt_s(r[f"first_{p}_s"], a.start_timeout)
                                                               for p in ("http", "gopher", "finger")))
        row("changes made (of %d)" % a.changes, lambda r: f"{r['changes_done']}")
        row("change visible everywhere, p50", lambda r: fmt_s(r["visible_p50_s"], vt))
        row("change visible everywhere, p99", lambda r: fmt_s(r["visible_p99_s"], vt))
        row("change visible everywhere, max", lambda r: fmt_s(r["visible_max_s"], vt))
        row("… not visible within %g s" % vt, lambda r: str(r["visible_timeouts"]))
        row("CLI command alone, p50 / p99", lambda r: f"{fmt_s(r['cli_p50_s'])} / {fmt_s(r['cli_p99_s'])}")
        row("RSS at 0 changes", lambda r: fmt_mib(r["rss_0_kb"]))
        row("RSS after the changes", lambda r: f"{fmt_mib(r['rss_changes_kb'])} (at {r['rss_changes_at']})")
        row(f"RSS at {a.more_changes:,} changes", lambda r: f"{fmt_mib(r['rss_more_kb'])}"
            + ("" if r["rss_more_at"] == a.more_changes else f" (at {r['rss_more_at']}: bound)"))
        row("peak RSS (VmHWM)", lambda r: fmt_mib(r["rss_peak_kb"]))
        row(f"idle CPU ({a.idle:g} s window)", lambda r: f"{r['idle_cpu_per_min']:.2f} CPU s/min")
        row(f"{SEARCH_TARGET}, 20 clients: p50 / p99", lambda r: f"{fmt_us(r['search_p50_us'])} / "
            f"{fmt_us(r['search_p99_us'])}")
        row("… searches answered, errors", lambda r: f"{r['search_requests']} ({r['search_rps']:.1f}/s), "
            f"{r['search_errors']}")
        row("other clients' p99 (summary page, 10 conns): alone / while searching",
            lambda r: f"{fmt_us(r['others_alone_p99_us'])} / {fmt_us(r['others_busy_p99_us'])}")
        row("… their req/s: alone / while searching", lambda r: f"{r['others_alone_rps']:,.0f} / "
            f"{r['others_busy_rps']:,.0f}")
        row("longest pause of a keep-alive client: during changes", lambda r: fmt_us(r["pause_changes_us"]))
        row("… during searches", lambda r: fmt_us(r["pause_search_us"]))
        if any("rss_bound_kb" in self.results[n] for n in sizes):
            row(f"stopped: RSS over --max-rss ({a.max_rss:,} MiB)",
                lambda r: fmt_mib(r["rss_bound_kb"]) if "rss_bound_kb" in r else "no")
        return "\n".join(out) + "\n"

    def cleanup(self):
        if self.args.keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="outpost with years of history: start, changes, memory, idle, search")
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated archive sizes (default 10000,100000)")
    ap.add_argument("--changes", type=int, default=100, help="changes timed (default 100)")
    ap.add_argument("--more-changes", type=int, default=1000, help="changes in all for the memory (default 1000)")
    ap.add_argument("--budget", type=float, default=600, help="bound of each step, seconds (default 600)")
    ap.add_argument("--visible-timeout", type=float, default=60, help="bound of one change's wait (default 60)")
    ap.add_argument("--start-timeout", type=float, default=300, help="bound of serve's start (default 300)")
    ap.add_argument("--idle", type=float, default=60, help="idle window, seconds (default 60)")
    ap.add_argument("--search-seconds", type=float, default=10, help="length of each search load (default 10)")
    ap.add_argument("--max-rss", type=int, default=8192,
                    help="stop the server if its RSS passes this many MiB (default 8192)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", help="keep (and reuse) the archives and imported databases in this directory")
    ap.add_argument("--outpost", default=os.path.join(ROOT, "zig-out/bin/outpost"))
    ap.add_argument("--load", default=os.path.join(ROOT, "zig-out/bench/load"))
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="write the results as JSON to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    try:
        args.sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        ap.error("--sizes: a comma-separated list of numbers")
    if not args.sizes or any(not 1 <= n <= 1000000 for n in args.sizes):
        ap.error("--sizes: numbers from 1 to 1000000")
    if args.changes < 1 or args.more_changes < args.changes:
        ap.error("--changes at least 1, --more-changes at least --changes")
    for k in ("budget", "visible_timeout", "start_timeout", "idle", "search_seconds"):
        if not 0 < getattr(args, k) <= 3600:
            ap.error(f"--{k.replace('_', '-')}: more than 0 and at most 3600 seconds")
    missing = [p for p in (args.outpost, args.load) if not os.access(p, os.X_OK)]
    if missing:
        log("scale: missing " + ", ".join(missing) + " (tools/dev scale builds them)")
        return 2
    raise_nofile()
    on_loader_cpu()

    sc = Scale(args)
    try:
        for n in args.sizes:
            try:
                sc.run_size(n)
            except (BenchError, OSError, subprocess.SubprocessError) as e:
                sc.fail(f"N={n}: {e}")
    finally:
        sc.cleanup()
    report = sc.report() if sc.results else ""
    sys.stdout.write(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": sc.results, "failures": sc.failures}, f, indent=1)
    if sc.failures:
        log(f"scale: {len(sc.failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
