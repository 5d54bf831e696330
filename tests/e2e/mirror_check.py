#!/usr/bin/env python3
"""The checks of test_mirror.sh that read many replies: a static copy made
by `outpost mirror`, served by real servers, against what outpost serves
live. Each subcommand prints one line per problem and "checked N" last;
its exit status is 1 when there was a problem.

    http   DIR LIVE_PORT NGINX_PORT   every file of DIR/http through nginx
           is what outpost serves at its path: the same status, type and
           bytes (gzipped too, for the .gz twins), the HTML once its links
           are resolved against the page's address and the live page's
           search link is left out
    gopher DIR LIVE_PORT GN_PORT      every menu and text item of DIR/gopher
           through gophernicus is outpost's reply to the selector, but for
           the search items a static server cannot answer; and a crawl of
           gophernicus from its root reaches every one, with no error item
    finger DIR LIVE_PORT              every DIR/finger file is outpost's
           finger reply to its query
    lynx   URL                        lynx's own list of the links of every
           page reachable from URL (the pages under it), each fetched by
           lynx: no link is broken
    poll   SECONDS URL...             fetches the URLs in turn for SECONDS:
           every reply 200 and whole (HTML ends with </html>, JSON parses)
"""
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

problems = []


def problem(msg):
    problems.append(msg)
    print(msg)


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


def http_get(port, target, gz=False):
    req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n" % (
        target, "Accept-Encoding: gzip\r\n" if gz else "")
    raw = exchange(port, req.encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = headers.get("content-length")
    if n is not None and int(n) != len(body):
        problem("%s: short reply, %d of %s bytes" % (target, len(body), n))
    return status, headers, body


HREF = re.compile(rb'(href|action)="([^"]*)"')


def absolute_links(page_path, html):
    """The page with every relative link resolved against its address and
    written as the server writes it: a path, a page without its slash."""
    def fix(m):
        v = m.group(2).decode()
        if re.match(r"^[a-z]+:", v):
            return m.group(0)
        u = urllib.parse.urljoin("http://h" + page_path, v)
        p = urllib.parse.urlsplit(u).path
        if p != "/" and p.endswith("/"):
            p = p[:-1]
        return m.group(1) + b'="' + p.encode() + b'"'
    return HREF.sub(fix, html)


SEARCH_NAV = b'<a href="/search">Search</a> | '


def check_http(d, live, nginx):
    root = os.path.join(d, "http")
    n = 0
    # Without --gzip there are no twins, and nginx sends every body as it is.
    twins = any(f.endswith(".gz") for _, _, fs in os.walk(root) for f in fs)
    for base, _, files in os.walk(root):
        for f in sorted(files):
            if f.endswith(".gz"):
                continue
            rel = os.path.relpath(os.path.join(base, f), root)
            is_html = f == "index.html"
            path = "/" + (os.path.dirname(rel) if is_html else rel)
            if path == "/.":
                path = "/"
            # nginx names a page by its folder, with the slash.
            npath = path if not is_html or path == "/" else path + "/"
            for gz in (False, True) if twins else (False,):
                ls, lh, lb = http_get(live, path, gz)
                ns, nh, nb = http_get(nginx, npath, gz)
                n += 1
                what = "%s%s" % (path, " (gzip)" if gz else "")
                if ls != 200 or ns != 200:
                    problem("%s: status live %d, mirror %d" % (what, ls, ns))
                    continue
                if lh.get("content-type") != nh.get("content-type"):
                    problem("%s: type live %r, mirror %r" % (
                        what, lh.get("content-type"), nh.get("content-type")))
                if lh.get("content-encoding") != nh.get("content-encoding"):
                    problem("%s: encoding live %r, mirror %r" % (
                        what, lh.get("content-encoding"), nh.get("content-encoding")))
                if is_html:
                    if lh.get("content-encoding") == "gzip":
                        lb, nb = gzip.decompress(lb), gzip.decompress(nb)
                    want = lb.replace(SEARCH_NAV, b"")
                    got = absolute_links(npath, nb)
                    if got != want:
                        problem("%s: HTML differs once its links are resolved" % what)
                elif lb != nb:
                    problem("%s: bytes differ (live %d, mirror %d)" % (what, len(lb), len(nb)))
    print("checked %d" % n)


def gopher_get(port, sel):
    return exchange(port, sel.encode() + b"\r\n")


def no_search(menu):
    return b"".join(l for l in menu.splitlines(True)
                    if not (l.startswith(b"7") or b"\t/search" in l))


def check_gopher(d, live, gn):
    root = os.path.join(d, "gopher")
    want = {}
    for base, _, files in os.walk(root):
        for f in files:
            rel = os.path.relpath(os.path.join(base, f), root)
            if f == "gophermap":
                sel = os.path.dirname(rel)
                sel = "" if sel in ("", ".") else "/" + sel
                want[sel] = "1"
            else:
                want["/" + rel] = "0"
    n = 0
    for sel, kind in sorted(want.items()):
        lv = gopher_get(live, sel)
        mv = gopher_get(gn, sel)
        n += 1
        if kind == "1":
            lv = no_search(lv)
        if lv != mv:
            lo, mo = lv.splitlines(), mv.splitlines()
            diff = [(a, b) for a, b in zip(lo, mo) if a != b][:2]
            problem("gopher %r (%s): live %d lines, gophernicus %d; first "
                    "differences %r" % (sel, kind, len(lo), len(mo), diff))
    # A crawl from gophernicus's root: every item of ours it names is one
    # of the files, and none is an error.
    seen, todo = set(), [("", "1")]
    while todo:
        sel, kind = todo.pop()
        if sel == "/":
            sel = ""  # the root menu, as "Back to the main menu" names it
        if sel in seen:
            continue
        seen.add(sel)
        if sel not in want:
            problem("gopher crawl: %r is linked but not mirrored" % sel)
            continue
        if kind != "1":
            continue
        for line in gopher_get(gn, sel).split(b"\r\n"):
            if line.startswith(b"3"):
                problem("gopher crawl: error item in %r: %r" % (sel, line))
            f = line.decode("utf-8", "replace").split("\t")
            if len(f) == 4 and f[0][:1] in ("0", "1") and f[2] == "127.0.0.1" \
                    and int(f[3]) == gn:
                todo.append((f[1], f[0][:1]))
    missing = set(want) - seen
    if missing:
        problem("gopher crawl: never reached %s" % sorted(missing)[:5])
    print("checked %d (crawl reached %d)" % (n, len(seen)))


def check_finger(d, live):
    root = os.path.join(d, "finger")
    n = 0
    for base, _, files in os.walk(root):
        for f in files:
            rel = os.path.relpath(os.path.join(base, f), root)
            q = rel[:-4]
            if q.startswith("W/"):
                q = "/W " + q[2:]
            with open(os.path.join(base, f), "rb") as fh:
                got = fh.read()
            lv = exchange(live, q.encode() + b"\r\n")
            n += 1
            if lv != got:
                problem("finger %r: the file differs from the live reply" % q)
    print("checked %d" % n)


def check_lynx(start):
    seen, todo, n = set(), [start], 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        r = subprocess.run(["lynx", "-dump", "-listonly", "-nonumbers", url],
                           capture_output=True, timeout=30)
        n += 1
        if r.returncode != 0 or r.stderr.strip():
            problem("lynx %s: exit %d, %r" % (url, r.returncode, r.stderr[:200]))
            continue
        for link in r.stdout.decode("utf-8", "replace").split():
            if not link.startswith(start):
                continue
            link = link.split("#")[0]
            if link in seen:
                continue
            if re.search(r"/[^/]*\.[a-z]+$", link):
                # A file (text, JSON, a feed): lynx fetches it, nginx
                # answers 200 with it or lynx says why.
                seen.add(link)
                n += 1
                r2 = subprocess.run(["lynx", "-source", link], capture_output=True,
                                    timeout=30)
                if r2.returncode != 0 or r2.stderr.strip() or not r2.stdout:
                    problem("lynx %s (linked): exit %d, %r" % (link, r2.returncode,
                                                               r2.stderr[:200]))
            else:
                todo.append(link)
    print("checked %d" % n)


def poll(seconds, urls):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        for u in urls:
            p = urllib.parse.urlsplit(u)
            st, h, body = http_get(p.port, p.path)
            n += 1
            if st != 200:
                problem("%s: status %d" % (u, st))
            elif p.path.endswith(".json"):
                try:
                    json.loads(body)
                except ValueError:
                    problem("%s: not whole JSON (%d bytes)" % (u, len(body)))
            elif "text/html" in h.get("content-type", "") and \
                    not body.endswith(b"</html>\n"):
                problem("%s: not a whole page (%d bytes)" % (u, len(body)))
    print("checked %d" % n)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] == "http":
        check_http(a[1], int(a[2]), int(a[3]))
    elif a[0] == "gopher":
        check_gopher(a[1], int(a[2]), int(a[3]))
    elif a[0] == "finger":
        check_finger(a[1], int(a[2]))
    elif a[0] == "lynx":
        check_lynx(a[1])
    elif a[0] == "poll":
        poll(float(a[1]), a[2:])
    else:
        sys.exit(__doc__)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
