#!/usr/bin/env python3
"""Writes every view the server serves, on every protocol, into a folder.

    python3 tests/tools/dump_views.py BIN OUTDIR

Starts BIN (the outpost binary) on a fresh demo database at a fixed clock
(OUTPOST_NOW), with a display time zone and fixed public ports (so no
reply names the free loopback ports it listens on); walks every
HTTP page by following its links (plus the feeds, the Statuspage documents,
the text twins, a few searches and the error pages), every Gopher menu from
the root, and every finger query the summary and the views name; and writes
each reply to OUTDIR, one file per request (HTTP: the status line, the
headers that do not carry the wall clock, and the body). Two runs of two
builds can then be compared with `diff -r`: a refactoring that changes no
behaviour leaves the folders identical.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []  # serve refuses root unless meant
NOW = "1795000000"  # 2026-11-18 11:06:40 UTC, as the golden files use


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def exchange(port, data, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks)


def http_get(port, target, headers=""):
    req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n" % (
        target, headers)
    raw = exchange(port, req.encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    # Date is the wall clock, not the data: left out.
    kept = [l for l in lines if not l.lower().startswith(b"date:")]
    return b"\r\n".join(kept) + b"\r\n\r\n" + body, body


def safe_name(prefix, key):
    name = re.sub(r"[^A-Za-z0-9._-]", "_", key) or "_root"
    return "%s/%s" % (prefix, name)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out + "/http")
    os.makedirs(out + "/gopher")
    os.makedirs(out + "/finger")
    tmp = tempfile.mkdtemp(prefix="outpost-views-")
    hp, gp, fp = free_port(), free_port(), free_port()
    env = dict(os.environ, OUTPOST_NOW=NOW)
    db = tmp + "/views.db"
    subprocess.run([binary, "--db", db, "init", "--demo"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    srv = subprocess.Popen(
        [binary, "--db", db, "serve", "--http", "127.0.0.1:%d" % hp,
         "--gopher", "127.0.0.1:%d" % gp, "--finger", "127.0.0.1:%d" % fp,
         "--hostname", "status.example.net", "--time-zone",
         "America/New_York", "--set", "http_public_port=80",
         "--set", "gopher_public_port=70", "--set", "finger_public_port=79",
         "--quiet"] + AS_ROOT,
        env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", hp), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        count = 0
        # HTTP: follow every local link from the start pages.
        todo = ["/", "/history", "/help", "/help.txt", "/status.txt",
                "/history.atom", "/history.rss", "/api/v2/summary.json",
                "/api/v2/status.json", "/api/v2/components.json",
                "/api/v2/incidents.json",
                "/api/v2/incidents/unresolved.json",
                "/api/v2/scheduled-maintenances.json",
                "/api/v2/scheduled-maintenances/upcoming.json",
                "/api/v2/scheduled-maintenances/active.json",
                "/search?q=outage", "/search?q=mail+server",
                "/search?q=%3Cscript%3E", "/search?q=", "/search?q=e&page=2",
                "/no/such/page",
                "/incidents/999999", "/services/nosuch"]
        seen = set()
        while todo:
            target = todo.pop(0)
            if target in seen:
                continue
            seen.add(target)
            whole, body = http_get(hp, target)
            with open(safe_name(out + "/http", target), "wb") as f:
                f.write(whole)
            count += 1
            for link in re.findall(rb'href="([^"]+)"', body):
                link = link.decode("utf-8", "replace").replace("&amp;", "&")
                u = urllib.parse.urlsplit(link)
                if u.netloc not in ("", "status.example.net"):
                    continue
                if u.scheme not in ("", "http") or not u.path.startswith("/"):
                    continue
                t = u.path + ("?" + u.query if u.query else "")
                if t not in seen:
                    todo.append(t)
        # The same pages gzipped, and HEAD, for a few.
        for target in ["/", "/api/v2/summary.json", "/history.atom"]:
            whole, _ = http_get(hp, target, "Accept-Encoding: gzip\r\n")
            with open(safe_name(out + "/http", "gz" + target), "wb") as f:
                f.write(whole)
            count += 1
        # Gopher: every menu from the root.
        todo, seen = [""], set()
        while todo:
            sel = todo.pop(0)
            if sel in seen:
                continue
            seen.add(sel)
            reply = exchange(gp, sel.encode() + b"\r\n")
            with open(safe_name(out + "/gopher", sel), "wb") as f:
                f.write(reply)
            count += 1
            for line in reply.split(b"\r\n"):
                if len(line) < 2 or line[:1] not in (b"0", b"1"):
                    continue
                fields = line[1:].split(b"\t")
                if len(fields) >= 4 and fields[2] == b"status.example.net":
                    todo.append(fields[1].decode("utf-8", "replace"))
        for sel in ["/search\toutage", "/search\tmail server",
                    "/search?q=mail%20server&page=2", "URL:https://status.example.net/",
                    "/nosuch", "\t$"]:
            reply = exchange(gp, sel.encode() + b"\r\n")
            with open(safe_name(out + "/gopher", "q" + sel), "wb") as f:
                f.write(reply)
            count += 1
        # finger: the summary, its long form, and every name it mentions.
        queries = ["", "/W", "status", "/W status", "help", "history",
                   "/W history", "maintenance", "/W maintenance", "nosuch",
                   "a@b"]
        summary = exchange(fp, b"/W\r\n").decode("ascii", "replace")
        queries += sorted(set(re.findall(r"finger ([a-z0-9][a-z0-9_-]*)@",
                                         summary)))
        queries += sorted(set(re.findall(r"#(\d+)", summary)))
        for q in queries:
            for form in (q, "/W " + q):
                reply = exchange(fp, form.encode() + b"\r\n")
                with open(safe_name(out + "/finger", form), "wb") as f:
                    f.write(reply)
                count += 1
        print("%d replies written to %s" % (count, out))
    finally:
        srv.terminate()
        srv.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
