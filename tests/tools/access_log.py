#!/usr/bin/env python3
"""Strict reader of outpost's access log (README.md, "Logs and metrics").

Every line must be the combined log format exactly:

    HOST - - [DD/Mon/YYYY:HH:MM:SS +0000] "REQUEST" STATUS BYTES "REFERER" "AGENT"

with STATUS three digits or "-", BYTES digits or "-", and each quoted
field holding printable ASCII in which '"' and '\\' appear only escaped
('\\"', '\\\\') and any other byte only as '\\xHH' (Apache httpd's
escapes). A line that is not so makes the run fail, naming it. The
fields are unescaped back to bytes.

usage: access_log.py FILE      prints one JSON object per line, then
                               {"lines": N} last
"""
import json
import re
import sys

FIELD = r'((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]|\\x[0-9a-f]{2})*)'
LINE = re.compile(
    r'^(\S+) - - \[(\d\d/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
    r'/\d{4}:\d\d:\d\d:\d\d \+0000)\] "' + FIELD + r'" (\d{3}|-) (\d+|-) "'
    + FIELD + r'" "' + FIELD + r'"$')


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "\\":
            if s[i + 1] == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
            else:
                out.append(ord(s[i + 1]))
                i += 2
        else:
            out.append(ord(s[i]))
            i += 1
    return out.decode("latin-1")


def main():
    data = open(sys.argv[1], "rb").read()
    if data and not data.endswith(b"\n"):
        sys.exit("the log does not end with a line end")
    n = 0
    for no, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            sys.exit("line %d holds a byte outside ASCII: %r" % (no, raw))
        m = LINE.match(line)
        if m is None:
            sys.exit("line %d is not in the combined format: %r" % (no, line))
        host, when, req, status, size, ref, agent = m.groups()
        print(json.dumps({"host": host, "time": when, "request": unescape(req),
                          "status": status, "bytes": size,
                          "referer": unescape(ref), "agent": unescape(agent)}))
        n += 1
    print(json.dumps({"lines": n}))


if __name__ == "__main__":
    main()
