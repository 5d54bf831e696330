"""Parses a feed with feedparser (Debian's python3-feedparser) and checks
what feed readers rely on: well-formed XML (bozo == 0), the expected
version, every entry with a title, a link, a stable absolute id, a date
and content, no duplicate ids, entries newest change first; and, given a
second feed, that both carry the same entries under the same ids.

usage: check_feed.py FILE atom|rss MIN_ENTRIES [OTHER_FEED]
"""
import sys

import feedparser


def parse(path):
    with open(path, "rb") as f:
        return feedparser.parse(f.read())


def main():
    path, kind, min_entries = sys.argv[1], sys.argv[2], int(sys.argv[3])
    d = parse(path)
    problems = []
    if d.bozo:
        problems.append(f"not well-formed: {d.bozo_exception}")
    want = "atom10" if kind == "atom" else "rss20"
    if d.version != want:
        problems.append(f"version {d.version!r}, want {want!r}")
    if not d.feed.get("title") or not d.feed.get("link"):
        problems.append("the feed has no title or link")
    if kind == "atom" and not d.feed.get("updated_parsed"):
        problems.append("the feed has no updated date")
    if len(d.entries) < min_entries:
        problems.append(f"{len(d.entries)} entries, want >= {min_entries}")
    ids = []
    dates = []
    for e in d.entries:
        for field in ("title", "link", "id"):
            if not e.get(field):
                problems.append(f"entry without {field}: {e.get('title')}")
        if not str(e.get("id", "")).startswith(("http://", "https://", "tag:")):
            problems.append(f"entry id not absolute: {e.get('id')}")
        date = e.get("updated_parsed") or e.get("published_parsed")
        if not date:
            problems.append(f"entry without a date: {e.get('title')}")
        dates.append(date)
        if kind == "atom" and not e.get("published_parsed"):
            problems.append(f"entry without published: {e.get('title')}")
        text = e.get("content", [{}])[0].get("value") or e.get("summary")
        if not text or "<p>" not in text:
            problems.append(f"entry without HTML content: {e.get('title')}")
        if e.get("id") in ids:
            problems.append(f"duplicate id {e.get('id')}")
        ids.append(e.get("id"))
    if all(dates) and dates != sorted(dates, reverse=True):
        problems.append("entries are not newest change first")
    if len(sys.argv) > 4:
        other = [e.get("id") for e in parse(sys.argv[4]).entries]
        if other != ids:
            problems.append(f"ids differ from {sys.argv[4]}: {ids} {other}")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
