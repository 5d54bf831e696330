#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets: tests/fuzz/corpus/TARGET/seed-*.

    python3 tests/fuzz/make_corpus.py zig-out/bin/outpost

The seeds come from what the repository already knows about its inputs: the
requests, queries, selectors and documents in the unit tests' tables, the
selectors of the golden Gopher menus (tests/golden/), the demo export
(`outpost export` of `outpost init --demo` at the fixture clock), a few small
zone files from /usr/share/zoneinfo (tzdata is in the public domain) and POSIX
TZ strings from tests/unit/test_tz.c wrapped in zone files, and config and
command-line samples from README.md. Old seed-* files are replaced; the
regress-* inputs (crashes found and fixed) are never touched.

Each protocol seed is the 8-byte control prefix of tests/fuzz/fuzz.h followed
by the bytes a client sends.
"""

import hashlib
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
TOKEN = "op_" + "0" * 64
REVOKED = "op_" + "1" * 64
NOW = 1795000000

# ---- C string literals out of the unit tests ------------------------------

ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "0": b"\0", "\\": b"\\",
           '"': b'"', "'": b"'", "a": b"\a", "b": b"\b", "f": b"\f",
           "v": b"\v", "?": b"?"}
LITERAL = r'"(?:[^"\\\n]|\\.)*"'


def decode(lit):
    """The bytes of one C string literal (quotes included)."""
    body, out, i = lit[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = body[i + 1]
        if n == "x":
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 2:j], 16) & 0xFF)
            i = j
        elif n in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out += ESCAPES.get(n, n.encode())
            i += 2
    return bytes(out)


def strings(path):
    """Every run of adjacent string literals and string macros in a C file,
    concatenated, after comments are dropped."""
    src = open(path, encoding="utf-8").read()
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"\\\n", " ", src)
    macros = {}
    for m in re.finditer(r"^#define\s+(\w+)\s+((?:%s\s*|\w+\s*)+)$" % LITERAL,
                         src, flags=re.M):
        macros[m.group(1)] = m.group(2)
    token = re.compile(r"%s|\b[A-Z_][A-Z0-9_]*\b" % LITERAL)
    out, run, last_end = [], [], -1

    def expand(tok, depth=0):
        if tok.startswith('"'):
            return decode(tok)
        if tok in macros and depth < 4:
            return b"".join(expand(t, depth + 1)
                            for t in token.findall(macros[tok]))
        return None

    for m in token.finditer(src):
        value = expand(m.group(0))
        adjacent = last_end >= 0 and src[last_end:m.start()].strip() == ""
        if value is None:
            if run:
                out.append(b"".join(run))
            run, last_end = [], -1
            continue
        if not adjacent and run:
            out.append(b"".join(run))
            run = []
        run.append(value)
        last_end = m.end()
    if run:
        out.append(b"".join(run))
    return out


def unit(name):
    return strings(os.path.join(ROOT, "tests", "unit", name))


# ---- writing ---------------------------------------------------------------

written = {}


def put(target, data, name=None):
    """Adds one seed (deduplicated by content)."""
    digest = hashlib.sha1(data).hexdigest()[:12]
    key = (target, digest)
    if key in written:
        return
    written[key] = data
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    fname = "seed-%s%s" % (name + "-" if name else "", digest)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def proto(target, request, variants=((0, 0, b"\0" * 6),)):
    for flags, result, chunks in variants:
        put(target, bytes([flags, result]) + chunks + request)


# The control prefixes (fuzz.h): one read then EOF; a byte at a time with a
# reload after every reply; pieces of 7 and 3 bytes, the read deadline, and
# a failed write (rc UV_EINVAL); refused by the caps.
ONE_READ = (0, 0, b"\0" * 6)
BYTEWISE = (4 | 1, 0, b"\x01" * 6)
PIECES = (1 << 3 | 2, 1 | 2 << 3 | 2 << 6, b"\x07\x03\x07\x03\x07\x03")
BUSY = (3 << 3, 0, b"\0" * 6)

# ---- the protocols ---------------------------------------------------------


def http_seeds():
    reqs = [s for s in unit("test_http.c")
            if re.match(rb"^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PRI|BREW) ", s)]
    paths = ["/", "/status.txt", "/incidents/42", "/incidents/42.txt",
             "/incidents/1", "/services/dsl", "/services/imap", "/history",
             "/history/2026-11", "/history/2026-10", "/search?q=mail+delay",
             "/search?q=%E2%80%94&x=1", "/search?q=mail&page=2",
             "/search?page=10000&q=a+b", "/history.atom", "/history.rss",
             "/help", "/help.txt", "/api/v2/summary.json",
             "/api/v2/status.json", "/api/v2/components.json",
             "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json",
             "/api/v2/scheduled-maintenances.json",
             "/api/v2/scheduled-maintenances/upcoming.json",
             "/api/v2/scheduled-maintenances/active.json"]
    host = b"Host: status.example.net\r\n"
    for p in paths:
        reqs.append(b"GET " + p.encode() + b" HTTP/1.1\r\n" + host + b"\r\n")
    reqs += [
        b"HEAD / HTTP/1.1\r\n" + host + b"Accept-Encoding: gzip\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        b"GET /status.txt HTTP/1.1\r\n" + host +
        b"If-Modified-Since: Wed, 18 Nov 2026 10:45:00 GMT\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + host + b"\r\nGET /help HTTP/1.1\r\n" + host +
        b"\r\nHEAD /history HTTP/1.1\r\n" + host + b"\r\n",
        b"GET / HTTP/1.1\r\n" + host + b"Upgrade: h2c\r\n"
        b"Connection: Upgrade, HTTP2-Settings\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ]
    api = [s for s in unit("test_api.c") if s.startswith(b"{")]
    endpoints = [("POST", "/api/v1/incidents"),
                 ("POST", "/api/v1/incidents/42/updates"),
                 ("POST", "/api/v1/incidents/42/resolve"),
                 ("POST", "/api/v1/incidents/41/postmortem"),
                 ("POST", "/api/v1/maintenances"),
                 ("POST", "/api/v1/maintenances/43/start"),
                 ("POST", "/api/v1/maintenances/44/complete"),
                 ("POST", "/api/v1/notices"), ("POST", "/api/v1/services"),
                 ("PUT", "/api/v1/services/dsl/status"),
                 ("PUT", "/api/v1/updates/423")]
    for i, body in enumerate(api):
        method, path = endpoints[i % len(endpoints)]
        token = TOKEN if i % 7 else REVOKED
        head = ("%s %s HTTP/1.1\r\nHost: status.example.net\r\n"
                "Authorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (method, path, token, len(body)))
        reqs.append(head.encode() + body)
    chunked = (b"POST /api/v1/notices HTTP/1.1\r\n" + host +
               b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
               b"Content-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n"
               b"b\r\n{\"title\":\"n\r\n11\r\n\",\"body\":\"b\"}\r\n0\r\n\r\n"
               b"GET / HTTP/1.1\r\n" + host + b"\r\n")
    reqs.append(chunked)
    for i, r in enumerate(reqs):
        variants = [ONE_READ]
        if i % 5 == 0:
            variants.append(BYTEWISE)
        if i % 5 == 1:
            variants.append(PIECES)
        if i % 17 == 2:
            variants.append(BUSY)
        proto("http", r, variants)
    # The write API answered with each result code.
    post = (b"POST /api/v1/incidents HTTP/1.1\r\n" + host +
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 14\r\n\r\n"
            b"{\"title\":\"x\"}\nGET / HTTP/1.1\r\n" + host + b"\r\n")
    for rc in range(8):
        proto("http", post, [(0, rc | (rc % 8) << 3 | (rc % 4) << 6,
                              b"\0" * 6)])


def golden_selectors():
    sels = set()
    gdir = os.path.join(ROOT, "tests", "golden", "gopher")
    for name in sorted(os.listdir(gdir)):
        for line in open(os.path.join(gdir, name), "rb").read().split(b"\r\n"):
            fields = line.split(b"\t")
            if len(fields) >= 2 and line[:1] in b"0179h" and fields[1]:
                sels.add(fields[1])
    return sorted(sels)


def gopher_seeds():
    reqs = [s for s in unit("test_gopher.c")
            if s.endswith(b"\n") and len(s) < 1200]
    for s in golden_selectors():
        reqs.append(s + b"\r\n")
    reqs += [b"/search\tmail delay\r\n", b"/search\t\xe2\x80\x94\t$\r\n",
             b"/search?q=mail%20delay&page=2\r\n", b"/search?page=1&q=%\r\n",
             b"\t$\r\n", b"URL:javascript:alert(1)\r\n",
             b"/incidents/42\t+\r\n", b"/history"]
    for i, r in enumerate(reqs):
        variants = [ONE_READ]
        if i % 6 == 0:
            variants.append(BYTEWISE)
        if i % 23 == 1:
            variants.append(BUSY)
        proto("gopher", r, variants)


def finger_seeds():
    reqs = [s for s in unit("test_finger.c")
            if s.endswith(b"\n") and len(s) < 700]
    gdir = os.path.join(ROOT, "tests", "golden", "finger")
    for name in sorted(os.listdir(gdir)):
        q = name[:-4]
        long_form = q.startswith("W")
        q = q[2:] if q.startswith("W_") else ("" if q == "W" else q)
        q = re.sub(r"^(service|incident)_", "", q)
        q = {"empty": "", "unknown": "no-such-name",
             "no_such_incident": "999999", "forward": "root@elsewhere.example",
             "too_long": "a" * 600}.get(q, q)
        reqs.append(("/W " if long_form else "").encode() + q.encode() +
                     b"\r\n")
    for i, r in enumerate(reqs):
        variants = [ONE_READ]
        if i % 6 == 0:
            variants.append(BYTEWISE)
        if i % 23 == 1:
            variants.append(BUSY)
        proto("finger", r, variants)


# ---- documents -------------------------------------------------------------


def demo_export(outpost):
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "demo.db")
        env = dict(os.environ, OUTPOST_NOW=str(NOW))
        subprocess.run([outpost, "--db", db, "init", "--demo"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([outpost, "--db", db, "token", "add", "noc-bot"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        return subprocess.run([outpost, "--db", db, "export"], env=env,
                              check=True, stdout=subprocess.PIPE).stdout


def small_export():
    """One of each row, by hand, in the exporter's layout."""
    return (b'{\n  "format": "outpost-export",\n  "version": 1,\n'
            b'  "services": [\n'
            b'    {"id": 1, "slug": "dsl", "name": "DSL", "group": "Access", '
            b'"description": null, "position": 1, "manual_status": null, '
            b'"created_at": 1795000000, "updated_at": 1795000000}\n  ],\n'
            b'  "incidents": [\n'
            b'    {"id": 7, "kind": "incident", "title": "Slow \\u00e9", '
            b'"status": "resolved", "impact": "minor",\n'
            b'     "created_at": 1795000000, "started_at": 1795000000, '
            b'"updated_at": 1795003600, "monitoring_at": 0, '
            b'"resolved_at": 1795003600, "scheduled_start": 0, '
            b'"scheduled_end": 0,\n'
            b'     "postmortem": null, "postmortem_at": 0, '
            b'"postmortem_via": null,\n'
            b'     "services": [{"service_id": 1, "window_start": 0, '
            b'"window_end": 0}],\n'
            b'     "updates": [\n'
            b'       {"id": 1, "created_at": 1795000000, "status": '
            b'"investigating", "body": "Looking.", "author": null, "via": '
            b'"cli", "revisions": []},\n'
            b'       {"id": 2, "created_at": 1795003600, "status": "resolved", '
            b'"body": "Fixed.", "author": "Lee", "via": "noc-bot", '
            b'"revisions": [{"id": 1, "edited_at": 1795004000, "old_body": '
            b'"Fixd.", "via": "cli"}]}\n'
            b'     ]}\n  ],\n'
            b'  "tokens": [\n'
            b'    {"id": 1, "name": "noc-bot", "hash": "' + b"ab" * 32 +
            b'", "created_at": 1795000000, "revoked_at": 0, '
            b'"last_used_at": 1795003600}\n  ]\n}\n')


def json_seeds(demo):
    for s in unit("test_jsonr.c") + unit("test_api.c"):
        if (s[:1] in b"{[\"0123456789-tfn \t\r\n" and len(s) < 2000
                and b"%s" not in s and b"%d" not in s):
            put("json", s)
    put("json", small_export(), "export")


def import_seeds(demo):
    put("import", demo, "demo")
    put("import", small_export(), "small")
    put("import", b'{"format": "outpost-export", "version": 1, '
        b'"services": [], "incidents": [], "tokens": []}', "empty")
    for s in unit("test_export.c"):
        if s.startswith(b"{") and len(s) < 4000:
            put("import", s)


# ---- zones -----------------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Europe/Dublin", "Pacific/Apia", "America/St_Johns",
         "Antarctica/Troll", "Asia/Kathmandu", "Pacific/Chatham",
         "America/Sao_Paulo", "Africa/Abidjan"]


def slim_zone(footer, utoff=0, abbr=b"XXX"):
    """A version 2 TZif file with one type, no transitions, and footer."""
    chars = abbr + b"\0"

    def block(tb):
        head = b"TZif2" + b"\0" * 15 + struct.pack(
            ">6l", 0, 0, 0, 0, 1, len(chars))
        return head + struct.pack(">lBB", utoff, 0, 0) + chars

    return block(4) + block(8) + b"\n" + footer + b"\n"


def tzif_seeds():
    t = struct.pack(">q", NOW)
    for z in ZONES:
        path = os.path.join("/usr/share/zoneinfo", z)
        if os.path.isfile(path) and os.path.getsize(path) < 8192:
            put("tzif", t + open(path, "rb").read(),
                z.replace("/", "_"))
    footers = set()
    for s in unit("test_tz.c"):
        if re.match(rb"^(<[^>]*>|[A-Za-z]{3,})[-+0-9]", s) and len(s) < 100:
            footers.add(s)
    for f in sorted(footers):
        put("tzif", t + slim_zone(f))
    # Around the 2026 changes of New York and the far edges of the years.
    for when in (1772953200, 1793512800, -62167219200, 253402300799):
        put("tzif", struct.pack(">q", when) +
            slim_zone(b"EST5EDT,M3.2.0,M11.1.0"))


# ---- config and command line ----------------------------------------------


def config_seeds():
    put("config", b"# a comment\n\nhostname = status.example.net\n"
        b"name = \"Example Net status\"\n  gopher_public_port=70  \n", "unit")
    put("config", b"http = 127.0.0.1:7080\ngopher = [::1]:7070\n"
        b"finger = off\nhostname = status.example.net\nname = Network status\n"
        b"base_url = https://status.example.net\nhttp_public_port = 80\n"
        b"gopher_public_port = 70\nfinger_public_port = 79\n"
        b"time_zone = America/New_York\nmax_age = 15\n"
        b"max_connections = 900\nmax_per_address = 64\n"
        b"read_timeout_ms = 10000\nidle_timeout_ms = 30000\n"
        b"reload_ms = 250\n", "every-key")
    put("config", b"http = :8080\r\nname=\"x\"\r\n# crlf\r\n", "crlf")
    for s in unit("test_config.c"):
        if re.match(rb"^(\[|:|\d)", s) and len(s) < 100:
            put("config", s)


def cli_seeds():
    allowed_all = b"\xff\x7f"
    lines = [
        ["--title", "Fibre cut", "--service", "fibre", "--impact", "major",
         "--body", "-", "--author", "NOC"],
        ["--title=T", "--start", "2026-11-23T22:00Z",
         "--end=2026-11-24T01:00+01:00", "--service",
         "imap1@2026-11-23T22:00Z/2026-11-23T23:00Z"],
        ["42", "--status", "monitoring", "--", "--not-an-option"],
        ["--json", "--open"], ["--demo"], ["-"], ["-x"], ["--body"],
        ["--json=1"],
    ]
    for words in lines:
        put("cli", allowed_all + b"\0".join(w.encode() for w in words))
    for s in unit("test_timeutil.c"):
        if re.match(rb"^\d{4}-", s):
            put("cli", allowed_all + b"--start\0" + s)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for target in sorted(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else []:
        d = os.path.join(CORPUS, target)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))
    demo = demo_export(sys.argv[1])
    http_seeds()
    gopher_seeds()
    finger_seeds()
    json_seeds(demo)
    import_seeds(demo)
    tzif_seeds()
    config_seeds()
    cli_seeds()
    total = sum(len(v) for v in written.values())
    print("%d seeds, %d bytes" % (len(written), total))


if __name__ == "__main__":
    main()
