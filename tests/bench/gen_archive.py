#!/usr/bin/env python3
"""Writes an outpost export document of N posts, for the scale benchmark.

    gen_archive.py N [--updates K] [--seed S] [--end UNIX] > archive.json
    outpost --db big.db import archive.json

The archive looks like a busy provider's years of history: incidents (most),
maintenance windows and notices, spread evenly back from --end (default: a
day ago), each with K updates (default 5) of a few sentences, touching one to
three of twelve services. Everything is resolved or completed, so the
summary stays small and the cost is all in the history. The same N and seed
always give the same bytes.
"""
import argparse
import json
import random
import sys
import time

SERVICES = [
    ("dsl", "DSL broadband", "Access"),
    ("fibre", "Fibre to the home", "Access"),
    ("wireless", "Fixed wireless", "Access"),
    ("imap", "Mailboxes (IMAP and POP3)", "Mail"),
    ("smtp", "Mail delivery (SMTP)", "Mail"),
    ("webmail", "Webmail", "Mail"),
    ("web", "Web hosting", "Hosting"),
    ("vps", "Virtual servers", "Hosting"),
    ("dns", "DNS", "Network"),
    ("core", "Core network", "Network"),
    ("voice", "Voice (SIP)", "Voice"),
    ("portal", "Customer portal", None),
]

PLACES = ["Millbrook", "Harrow Cross", "Ashby Fold", "Beacon Hill",
          "Stonegate", "Kettle Lane", "Northgate", "the Docks"]
THINGS = ["core router", "aggregation switch", "mail relay", "resolver",
          "BNG", "storage array", "hypervisor host", "OLT", "radio link",
          "SIP proxy", "load balancer", "fibre ring"]
TROUBLES = ["is dropping packets", "has failed over", "is overloaded",
            "lost power", "is flapping", "rejects new sessions",
            "answers slowly", "lost its uplink"]
WORDS = ("we are looking into reports that customers in the area cannot "
         "connect or see slow speeds while the engineers on site replace "
         "the faulty part and check the links on both sides of the ring "
         "before moving traffic back onto the primary path traceroute "
         "shows loss at the second hop latency is back to normal levels "
         "and we will keep watching it for the next hour").split()


def sentence(rnd, n):
    w = [rnd.choice(WORDS) for _ in range(n)]
    return " ".join(w).capitalize() + "."


def body(rnd):
    paras = []
    for _ in range(rnd.randint(1, 3)):
        paras.append(" ".join(sentence(rnd, rnd.randint(8, 18))
                              for _ in range(rnd.randint(1, 3))))
    return "\n\n".join(paras)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--updates", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end", type=int, default=int(time.time()) - 86400)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    t0 = a.end - 8 * 365 * 86400
    services = []
    for i, (slug, name, grp) in enumerate(SERVICES, 1):
        services.append({"id": i, "slug": slug, "name": name, "group": grp,
                         "description": None, "position": i,
                         "manual_status": None, "created_at": t0,
                         "updated_at": t0})
    out = sys.stdout
    out.write('{"format": "outpost-export", "version": 1,\n"services": ')
    out.write(json.dumps(services))
    out.write(',\n"incidents": [\n')
    step = (a.end - t0) // max(a.n, 1)
    uid = 0
    for i in range(1, a.n + 1):
        start = t0 + (i - 1) * step + rnd.randint(0, max(step // 2, 1))
        r = rnd.random()
        kind = "incident" if r < 0.8 else ("maintenance" if r < 0.95
                                           else "notice")
        place, thing = rnd.choice(PLACES), rnd.choice(THINGS)
        k = a.updates if kind != "notice" else 1
        times = sorted(start + rnd.randint(0, 4 * 3600) for _ in range(k))
        times[0] = start
        if kind == "incident":
            title = "%s at %s %s" % (thing.capitalize(), place,
                                     rnd.choice(TROUBLES))
            flow = (["investigating", "identified"] +
                    ["monitoring"] * max(k - 3, 0) + ["resolved"])[-k:]
            if k > 1:
                flow[0] = "investigating"
            impact = rnd.choice(["minor", "major", "critical", "none"])
            status = "resolved"
            sched = (0, 0)
        elif kind == "maintenance":
            title = "Planned work on the %s at %s" % (thing, place)
            flow = (["scheduled"] + ["in_progress"] * max(k - 2, 0) +
                    ["completed"])[-k:]
            flow[0] = "scheduled"
            impact = "maintenance"
            status = "completed"
            sched = (times[min(1, k - 1)], times[-1] + 600)
        else:
            title = "Notice: changes at %s" % place
            flow = ["posted"]
            impact = "none"
            status = "posted"
            sched = (0, 0)
        updates = []
        for t, st in zip(times, flow):
            uid += 1
            updates.append({"id": uid, "created_at": t, "status": st,
                            "body": body(rnd), "author": "NOC",
                            "via": "cli", "revisions": []})
        updates.reverse()
        svc = [] if kind == "notice" else [
            {"service_id": s, "window_start": 0, "window_end": 0}
            for s in sorted(rnd.sample(range(1, len(SERVICES) + 1),
                                       rnd.randint(1, 3)))]
        done = times[-1] if status != "posted" else 0
        inc = {"id": i, "kind": kind, "title": title, "status": status,
               "impact": impact, "created_at": start, "started_at": start,
               "updated_at": times[-1],
               "monitoring_at": 0, "resolved_at": done,
               "scheduled_start": sched[0], "scheduled_end": sched[1],
               "postmortem": None, "postmortem_at": 0,
               "postmortem_via": None, "services": svc,
               "updates": updates}
        out.write(json.dumps(inc))
        out.write(",\n" if i < a.n else "\n")
    out.write('],\n"tokens": []}\n')


if __name__ == "__main__":
    main()
