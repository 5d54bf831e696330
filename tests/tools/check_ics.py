"""Parses an iCalendar document with Debian's python3-icalendar and checks
what a calendar program relies on (RFC 5545): CRLF line ends, no content
line longer than 75 octets, one VCALENDAR with VERSION 2.0, PRODID and
METHOD, and every VEVENT with a UID, a DTSTAMP, a SEQUENCE and a DTSTART
before its DTEND, in UTC, no UID twice. Prints one line per event,
"UID SEQUENCE DTSTART DTEND STATUS SUMMARY", for the caller to compare.

usage: check_ics.py FILE
"""
import sys

import icalendar


def main():
    raw = open(sys.argv[1], "rb").read()
    problems = []
    lines = raw.split(b"\r\n")
    if lines[-1] != b"":
        problems.append("the document does not end with CRLF")
    for n, line in enumerate(lines[:-1], 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {n}: a bare CR or LF")
        if len(line) > 75:
            problems.append(f"line {n}: {len(line)} octets")
    line_text = raw.decode("utf-8")  # every octet UTF-8, folds included
    cal = icalendar.Calendar.from_ical(line_text)
    if cal.name != "VCALENDAR":
        problems.append(f"top component {cal.name}")
    for prop in ("VERSION", "PRODID", "METHOD"):
        if prop not in cal:
            problems.append(f"no {prop}")
    if str(cal.get("VERSION")) != "2.0":
        problems.append(f"VERSION {cal.get('VERSION')}")
    uids = set()
    out = []
    for ev in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND",
                     "SUMMARY"):
            if prop not in ev:
                problems.append(f"event without {prop}: {ev.get('UID')}")
        uid = str(ev.get("UID"))
        if uid in uids:
            problems.append(f"UID {uid} twice")
        uids.add(uid)
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        if start.utcoffset() is None or start.utcoffset().total_seconds():
            problems.append(f"{uid}: DTSTART not in UTC")
        if not start < end:
            problems.append(f"{uid}: DTSTART not before DTEND")
        out.append(" ".join([uid, str(int(ev.get("SEQUENCE"))),
                             start.strftime("%Y%m%dT%H%M%SZ"),
                             end.strftime("%Y%m%dT%H%M%SZ"),
                             str(ev.get("STATUS")), str(ev.get("SUMMARY"))]))
    for p in problems:
        print("problem:", p)
    for o in out:
        print(o)
    sys.exit(1 if problems else 0)


main()
