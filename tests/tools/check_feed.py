"""Parses a feed with feedparser (Debian's python3-feedparser) and checks
what feed readers rely on: well-formed XML (bozo == 0), the expected
version, every entry with a title, a link, a stable id and a date.

usage: check_feed.py FILE atom|rss MIN_ENTRIES
"""
import sys

import feedparser


def main():
    path, kind, min_entries = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, "rb") as f:
        d = feedparser.parse(f.read())
    problems = []
    if d.bozo:
        problems.append(f"not well-formed: {d.bozo_exception}")
    want = "atom10" if kind == "atom" else "rss20"
    if d.version != want:
        problems.append(f"version {d.version!r}, want {want!r}")
    if len(d.entries) < min_entries:
        problems.append(f"{len(d.entries)} entries, want >= {min_entries}")
    ids = set()
    for e in d.entries:
        for field in ("title", "link", "id"):
            if not e.get(field):
                problems.append(f"entry without {field}: {e.get('title')}")
        date = e.get("updated_parsed") or e.get("published_parsed")
        if not date:
            problems.append(f"entry without a date: {e.get('title')}")
        if e.get("id") in ids:
            problems.append(f"duplicate id {e.get('id')}")
        ids.add(e.get("id"))
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
