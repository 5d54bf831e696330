#!/usr/bin/env python3
"""crash.py: the writers, the checker and the kill-point sweep of
tests/e2e/test_crash.sh (which explains the test as a whole).

  crash.py writer NAME MODE ROUND LOG STOPFILE SEED BIN DB [PORT VIA TOKEN]
      MODE cli runs the real outpost binary once per write; MODE api writes
      through the server's /api/v1. Writes until STOPFILE exists (at most
      60 s), recording every attempt in LOG (one JSON object a line):
        {"ev": "try", "m": MARKER, "op": ..., everything the write asks for}
        {"ev": "ack", "m": MARKER, "id": ID}     acknowledged: must be stored
        {"ev": "nak", "m": MARKER, "why": ...}   refused: must not be stored
        {"ev": "unk", "m": MARKER, "why": ...}   no answer: either, but whole
      A write killed with its writer has a "try" line and nothing after it,
      which also means "either, but whole".
  crash.py check DB EXPORT LOG...
      Checks the database (integrity, foreign keys, row counts) and the
      export against every log; prints one summary line, or the problems
      and exits 1.
  crash.py sweep BIN DB LOG
      Kills one CLI write at each of its file-writing system calls in turn
      (strace's syscall fault injection delivers SIGKILL on entry to the
      Nth call), and after each kill checks that the next write goes
      through and the store holds the write whole or not at all.

Every marker (w1-r3-n17: writer, round, sequence) is unique and starts the
title and the body it was written into, so each write can be found again.
"""
import hashlib
import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time

MARK = re.compile(r"\b([a-z]\d+-r\d+-n\d+)\b")
SLUGS = ["dsl", "fibre", "mail"]
OPEN_STATUSES = ["investigating", "identified", "monitoring"]
CLOSED = {"resolved", "postmortem", "completed"}
# A busy CLI write waits at most 5 s for the lock (README); a write that
# takes four times as long is hung, not busy.
CLI_TIMEOUT = 20
HARD_LIMIT = 60  # seconds a writer runs at most, whatever happens
FILLER = ("Field teams report the line card in exchange N3 replaced; "
          "sessions are coming back.\nÜberwachung läuft weiter. ")


def body_text(marker, size):
    """The body a write sends: the marker, then `size` bytes of filler."""
    if size == 0:
        return f"{marker} short note"
    rep = FILLER * (size // len(FILLER) + 1)
    return (f"{marker} " + rep[:size]).rstrip()


def body_fields(body):
    """How a log line names a body: whole when short, else by hash."""
    if len(body) <= 300:
        return {"body": body}
    return {"body_sha": hashlib.sha256(body.encode()).hexdigest(),
            "body_len": len(body)}


def body_matches(rec, text):
    if "body" in rec:
        return rec["body"] == text
    return hashlib.sha256(text.encode()).hexdigest() == rec["body_sha"]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Log:
    """One JSON line per event, each one write(2) to an O_APPEND file, so a
    SIGKILL can cut the log only between lines."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def put(self, **ev):
        ev["t"] = round(time.time(), 3)  # for reading a failed run's logs
        line = json.dumps(ev, ensure_ascii=True) + "\n"
        os.write(self.fd, line.encode())


# ---- writers ---------------------------------------------------------------


class Writer:
    def __init__(self, argv):
        (self.name, self.mode, rnd, log, self.stop, seed, self.bin,
         self.db) = argv[:8]
        self.round = int(rnd)
        self.log = Log(log)
        self.rng = random.Random(f"{seed}-{self.name}-{rnd}")
        self.n = 0
        if self.mode == "api":
            self.port = int(argv[8])
            self.via = argv[9]
            self.token = argv[10]
        else:
            self.via = "cli"
        # Our own posts, whose state only we change: id -> [kind, status].
        # A post whose last write got no answer is dropped (its state is
        # unknown), and so is one with a postmortem (see check_post).
        self.posts = {}

    def marker(self):
        self.n += 1
        return f"{self.name}-r{self.round}-n{self.n}"

    def body(self, m):
        # Now and then a body of many pages, so that a kill can land in the
        # middle of a write; not often, as every snapshot renders them all.
        x = self.rng.random()
        if x < 0.01:
            return body_text(m, self.rng.randrange(20000, 40000))
        if x < 0.06:
            return body_text(m, self.rng.randrange(1000, 6000))
        return body_text(m, 0)

    def author(self):
        return self.rng.choice([None, f"{self.name} on call", "Ana, NOC"])

    # One write: log the attempt, run it, log the outcome.
    def write(self, rec, run):
        self.log.put(ev="try", via=self.via, **rec)
        kind, detail = run()
        self.log.put(ev=kind, m=rec["m"], **detail)
        return kind, detail

    # -- the two ways to write --

    def cli(self, args, stdin=None):
        try:
            p = subprocess.run([self.bin, "--db", self.db] + args,
                               input=stdin, capture_output=True,
                               timeout=CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            return "hang", {"why": f"no exit within {CLI_TIMEOUT} s"}
        out = p.stdout.decode(errors="replace").strip()
        err = p.stderr.decode(errors="replace").strip()
        if p.returncode == 0:
            return "ok", {"out": out}
        if p.returncode in (1, 2):
            return "nak", {"why": f"exit {p.returncode}: {err[:200]}"}
        return "unk", {"why": f"exit {p.returncode}: {err[:200]}"}

    def api(self, method, path, doc):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.connect()
        except ConnectionRefusedError:
            # Nothing was sent: the server is down.
            time.sleep(0.05)
            return "nak", {"why": "connection refused"}
        except OSError as e:
            return "nak", {"why": f"connect: {e}"}
        try:
            conn.request(method, "/api/v1" + path, json.dumps(doc).encode(),
                         {"Authorization": "Bearer " + self.token,
                          "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            return "unk", {"why": f"{type(e).__name__}: {e}"}
        finally:
            conn.close()
        # Any answer is final: the server answers a write only once its
        # transaction has committed (2xx) or rolled back (anything else).
        if r.status not in (200, 201):
            return "nak", {"why": f"HTTP {r.status}: {data[:200]!r}"}
        try:
            reply = json.loads(data)
        except ValueError:
            return "bad", {"why": f"HTTP {r.status} with {data[:200]!r}"}
        if reply.get("via") != self.via:
            return "bad", {"why": f"reply names via {reply.get('via')!r}"}
        return "ok", {"reply": reply}

    # -- the operations; each returns the id the acknowledgement names --

    def do(self, rec, cli_args, api_call, stdin=None, want_id=None):
        """Runs one write; returns the acknowledged id or None."""
        def run():
            if self.mode == "cli":
                kind, d = self.cli(cli_args, stdin)
                if kind != "ok":
                    return kind, d
                out = d["out"]
                if want_id is not None:
                    return ("ack", {"id": want_id}) if out == "" else \
                        ("bad", {"why": f"printed {out!r}"})
                if not out.isdigit():
                    return "bad", {"why": f"exit 0 but printed {out!r}"}
                return "ack", {"id": int(out)}
            kind, d = self.api(*api_call)
            if kind != "ok":
                return kind, d
            got = d["reply"].get("id")
            if not isinstance(got, int) or (want_id is not None and
                                            got != want_id):
                return "bad", {"why": f"reply {d['reply']!r}"}
            return "ack", {"id": want_id if want_id is not None else got}
        kind, d = self.write(rec, run)
        return d["id"] if kind == "ack" else None

    def cli_body(self, body):
        """--body TEXT, or a large body on standard input half the time."""
        if len(body) > 1000 and self.rng.random() < 0.5:
            return ["--body", "-"], body.encode()
        return ["--body", body], None

    def open_incident(self):
        m = self.marker()
        svc = self.rng.sample(SLUGS, self.rng.randrange(0, 4))
        st = self.rng.choice(OPEN_STATUSES)
        imp = self.rng.choice(["none", "minor", "major", "critical"])
        title, body, au = f"{m} Störung {self.rng.randrange(1000)}", \
            self.body(m), self.author()
        rec = dict(m=m, op="open", kind="incident", title=title, status=st,
                   impact=imp, services=[[s, 0, 0] for s in svc], start=0,
                   end=0, author=au, **body_fields(body))
        bargs, stdin = self.cli_body(body)
        args = ["incident", "open", "--title", title, "--impact", imp,
                "--status", st] + bargs
        for s in svc:
            args += ["--service", s]
        doc = {"title": title, "services": svc, "impact": imp, "status": st,
               "body": body}
        if au:
            args += ["--author", au]
            doc["author"] = au
        i = self.do(rec, args, ("POST", "/incidents", doc), stdin)
        if i is not None:
            self.posts[i] = ["incident", st]

    def schedule(self):
        m = self.marker()
        start = 4070908800 + self.rng.randrange(0, 10**6) * 60  # in 2099
        end = start + 7200
        svc = self.rng.sample(SLUGS, self.rng.randrange(1, 3))
        wins = []
        for s in svc:
            if self.rng.random() < 0.5:
                wins.append([s, start + 600, start + 1800])
            else:
                wins.append([s, 0, 0])
        title, body, au = f"{m} maintenance", self.body(m), self.author()
        rec = dict(m=m, op="open", kind="maintenance", title=title,
                   status="scheduled", impact="maintenance", services=wins,
                   start=start, end=end, author=au, **body_fields(body))
        bargs, stdin = self.cli_body(body)
        args = ["maintenance", "schedule", "--title", title, "--start",
                iso(start), "--end", iso(end)] + bargs
        jsvc = []
        for s, ws, we in wins:
            if ws:
                args += ["--service", f"{s}@{iso(ws)}/{iso(we)}"]
                jsvc.append({"slug": s, "start": iso(ws), "end": iso(we)})
            else:
                args += ["--service", s]
                jsvc.append(s)
        doc = {"title": title, "start": iso(start), "end": iso(end),
               "services": jsvc, "body": body}
        if au:
            args += ["--author", au]
            doc["author"] = au
        i = self.do(rec, args, ("POST", "/maintenances", doc), stdin)
        if i is not None:
            self.posts[i] = ["maintenance", "scheduled"]

    def notice(self):
        m = self.marker()
        title, body, au = f"{m} notice", self.body(m), self.author()
        rec = dict(m=m, op="open", kind="notice", title=title,
                   status="posted", impact="none", services=[], start=0,
                   end=0, author=au, **body_fields(body))
        bargs, stdin = self.cli_body(body)
        args = ["notice", "post", "--title", title] + bargs
        doc = {"title": title, "body": body}
        if au:
            args += ["--author", au]
            doc["author"] = au
        self.do(rec, args, ("POST", "/notices", doc), stdin)

    def update(self, pid, status, how):
        """how: update (any status), resolve, start, complete."""
        m = self.marker()
        body, au = self.body(m), self.author()
        kind = self.posts[pid][0]
        rec = dict(m=m, op="update", target=pid, status=status, author=au,
                   **body_fields(body))
        bargs, stdin = self.cli_body(body)
        doc = {"body": body}
        if how == "update":
            args = ["incident", "update", str(pid), "--status", status]
            doc["status"] = status
            path = ("/maintenances" if kind == "maintenance" else
                    "/incidents") + f"/{pid}/updates"
        elif how == "resolve":
            args = ["incident", "resolve", str(pid)]
            path = f"/incidents/{pid}/resolve"
        else:
            args = ["maintenance", how, str(pid)]
            path = f"/maintenances/{pid}/{how}"
        args += bargs
        if au:
            args += ["--author", au]
            doc["author"] = au
        ok = self.do(rec, args, ("POST", path, doc), stdin, want_id=pid)
        if ok is None:
            self.posts.pop(pid)  # refused or unknown: we no longer know it
        else:
            self.posts[pid][1] = status

    def postmortem(self, pid):
        m = self.marker()
        body = self.body(m)
        rec = dict(m=m, op="postmortem", target=pid, **body_fields(body))
        bargs, stdin = self.cli_body(body)
        self.do(rec, ["postmortem", str(pid)] + bargs,
                ("POST", f"/incidents/{pid}/postmortem", {"body": body}),
                stdin, want_id=pid)
        self.posts.pop(pid)  # done with it, whatever happened

    def edit(self, pid):
        """Corrects the text of one of our updates of post pid. The update
        ids come from a read (incident show --json)."""
        try:
            p = subprocess.run([self.bin, "--db", self.db, "incident", "show",
                                str(pid), "--json"], capture_output=True,
                               timeout=CLI_TIMEOUT)
            ups = json.loads(p.stdout)["incident_updates"] \
                if p.returncode == 0 else []
        except (subprocess.TimeoutExpired, ValueError):
            ups = []
        ours = [u["id"] for u in ups if u["body"].startswith(self.name + "-")]
        if not ours:
            return
        uid = self.rng.choice(ours)
        m = self.marker()
        body = self.body(m)
        rec = dict(m=m, op="edit", target=uid, post=pid, **body_fields(body))
        bargs, stdin = self.cli_body(body)
        self.do(rec, ["update", "edit", str(uid)] + bargs,
                ("PUT", f"/updates/{uid}", {"body": body}), stdin,
                want_id=pid)

    def refused(self):
        """A write the store must refuse, inside its transaction (after the
        API has recorded the token's use): an unknown service, or an update
        of a resolved incident that does not reopen it. It must leave
        nothing behind, crash or no crash."""
        m = self.marker()
        body = self.body(m)
        res = [i for i, (k, s) in self.posts.items() if s == "resolved"]
        if res and self.rng.random() < 0.5:
            pid = self.rng.choice(res)
            rec = dict(m=m, op="update", target=pid, status="resolved",
                       author=None, expect="nak", **body_fields(body))
            bargs, stdin = self.cli_body(body)
            self.do(rec, ["incident", "update", str(pid)] + bargs,
                    ("POST", f"/incidents/{pid}/updates", {"body": body}),
                    stdin, want_id=pid)
            return
        title = f"{m} refused"
        rec = dict(m=m, op="open", kind="incident", title=title,
                   status="investigating", impact="minor",
                   services=[["dsl", 0, 0], ["nosuch", 0, 0]], start=0,
                   end=0, author=None, expect="nak", **body_fields(body))
        bargs, stdin = self.cli_body(body)
        self.do(rec, ["incident", "open", "--title", title, "--service",
                      "dsl", "--service", "nosuch"] + bargs,
                ("POST", "/incidents", {"title": title, "body": body,
                                        "services": ["dsl", "nosuch"]}),
                stdin)

    def step(self):
        r = self.rng.random()
        if r < 0.03:
            return self.refused()
        inc_open = [i for i, (k, s) in self.posts.items()
                    if k == "incident" and s not in CLOSED]
        inc_res = [i for i, (k, s) in self.posts.items()
                   if k == "incident" and s == "resolved"]
        maint = [i for i, (k, s) in self.posts.items()
                 if k == "maintenance" and s != "completed"]
        if r < 0.20 or (not inc_open and r < 0.6):
            return self.open_incident()
        if r < 0.45 and inc_open:
            return self.update(self.rng.choice(inc_open),
                               self.rng.choice(OPEN_STATUSES), "update")
        if r < 0.55 and inc_open:
            return self.update(self.rng.choice(inc_open), "resolved",
                               "resolve")
        if r < 0.60 and inc_res:
            return self.update(self.rng.choice(inc_res), "investigating",
                               "update")  # reopens it
        if r < 0.65 and inc_res:
            return self.postmortem(self.rng.choice(inc_res))
        if r < 0.72:
            return self.schedule()
        if r < 0.82 and maint:
            pid = self.rng.choice(maint)
            st = self.posts[pid][1]
            if st == "scheduled":
                return self.update(pid, "in_progress", "start")
            if st == "in_progress" and self.rng.random() < 0.5:
                return self.update(pid, "verifying", "update")
            return self.update(pid, "completed", "complete")
        if r < 0.88:
            return self.notice()
        if self.posts:
            return self.edit(self.rng.choice(list(self.posts)))
        return self.open_incident()

    def run(self):
        deadline = time.monotonic() + HARD_LIMIT
        while not os.path.exists(self.stop) and time.monotonic() < deadline:
            self.step()


# ---- the checker -----------------------------------------------------------
#
# Each command is one transaction; here is what it writes, and so what a
# write "in part" would look like and how the checks below would see it:
#
#   incident open, maintenance schedule, notice post: the post's row (kind,
#     title, status, impact, window, times), an incident_services row per
#     service (with its own window), the first update (status, text,
#     author, via). In part: a post without its first update, a first
#     update whose status is not the post's, a service missing or extra.
#   incident update, incident resolve, maintenance start and complete: a new
#     update row, and on the post its status, resolved_at, monitoring_at and
#     updated_at. In part: the update without the status change (the post's
#     status is not its last update's), resolved_at or monitoring_at that do
#     not fit the updates, updated_at older than the newest update.
#   postmortem: its text, time and via, the status resolved -> postmortem,
#     updated_at. In part: any of them without the others.
#   update edit: a revision row holding the old text, the new text, the
#     post's updated_at. In part: the new text without the revision (the old
#     text is gone, so its write reads as lost), the revision without the
#     new text (the old text twice), updated_at older than the edit.
#   Every API write also records its token's last use, in the same
#     transaction: last_used_at is the time of its latest stored write.
#
# A refused write (exit 1 or 2, an HTTP error reply, a refused connection)
# stores nothing. An unanswered one (its process or its server killed, its
# connection cut) may be stored or not, but whole either way. Whatever the
# export shows, the tables must hold the same rows (nothing that belongs to
# no post) and pass PRAGMA integrity_check and foreign_key_check, and the
# search index FTS5's integrity-check.


def read_logs(paths):
    """marker -> {"try": rec, "out": "ack"/"nak"/"unk"/None, ...}"""
    w = {}
    problems = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for ln, line in enumerate(f, 1):
                try:
                    ev = json.loads(line)
                except ValueError:
                    problems.append(f"{path}:{ln}: not JSON: {line[:80]!r}")
                    continue
                m = ev["m"]
                if ev["ev"] == "try":
                    if m in w:
                        problems.append(f"marker {m} tried twice")
                    w[m] = {"try": ev, "out": None, "log": path}
                elif m not in w or w[m]["out"] is not None:
                    problems.append(f"{path}:{ln}: outcome without attempt")
                else:
                    w[m]["out"] = ev["ev"]
                    w[m]["id"] = ev.get("id")
                    w[m]["why"] = ev.get("why")
                    if ev["ev"] in ("bad", "hang"):
                        problems.append(f"{m}: {ev['ev']}: {ev.get('why')}")
                    if ev["ev"] == "ack" and w[m]["try"].get("expect"):
                        problems.append(f"{m}: an invalid write was "
                                        "acknowledged")
    return w, problems


def check(db, export_path, logs):
    w, problems = read_logs(logs)
    p = problems.append

    con = sqlite3.connect(db, timeout=10)
    ic = [r[0] for r in con.execute("PRAGMA integrity_check")]
    if ic != ["ok"]:
        p(f"PRAGMA integrity_check: {ic[:5]}")
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        p(f"PRAGMA foreign_key_check: {fk[:5]}")
    # The search index (FTS5, kept by triggers in each write's own
    # transaction) against the rows it indexes: SQLite's integrity_check
    # does not look inside FTS5 tables, FTS5's own check does.
    for t in ("search_posts", "search_updates"):
        try:
            con.execute(f"INSERT INTO {t} ({t}, rank) "
                        "VALUES ('integrity-check', 1)")
        except sqlite3.Error as e:
            p(f"{t} integrity-check: {e}")
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("incidents", "updates", "incident_services",
                        "update_revisions")}
    con.close()

    with open(export_path, encoding="utf-8") as f:
        exp = json.load(f)
    slug_of = {s["id"]: s["slug"] for s in exp["services"]}
    if sorted(slug_of.values()) != sorted(SLUGS):
        p(f"services are {sorted(slug_of.values())}, not ours alone "
          "(demo data written into an existing store?)")
    incs = exp["incidents"]
    got = {"incidents": len(incs),
           "updates": sum(len(i["updates"]) for i in incs),
           "incident_services": sum(len(i["services"]) for i in incs),
           "update_revisions": sum(len(u["revisions"]) for i in incs
                                   for u in i["updates"])}
    if got != counts:
        p(f"rows in the tables {counts} but in the export {got} "
          "(rows that belong to nothing?)")

    # Where each marker is: ("title", inc), ("body", inc, update, position
    # in the update's text history), ("postmortem", inc).
    seen = {}

    def mark(text, where):
        found = MARK.findall(text or "")
        if len(found) > 1:
            p(f"several markers in one text: {found[:3]}")
        if found and not (text or "").startswith(found[0]):
            p(f"marker {found[0]} not at the start of its text")
        if found:
            seen.setdefault(found[0], []).append(where)

    for inc in incs:
        mark(inc["title"], ("title", inc))
        for u in inc["updates"]:
            chain = [r["old_body"] for r in u["revisions"]] + [u["body"]]
            for pos, text in enumerate(chain):
                mark(text, ("body", inc, u, pos, chain))
        if inc["postmortem"] is not None:
            mark(inc["postmortem"], ("postmortem", inc))
        check_post(inc, p)

    for m, places in seen.items():
        e = w.get(m)
        if e is None:
            p(f"{m} is stored but was never written")
            continue
        if e["out"] == "nak":
            p(f"{m} is stored but its write was refused ({e['why']})")
        check_write(m, e, places, slug_of, p)
    lost = [m for m, e in w.items() if e["out"] == "ack" and m not in seen]
    for m in lost[:20]:
        p(f"{m} was acknowledged (id {w[m]['id']}) but is not stored")
    check_tokens(exp, w, seen, p)

    acked = sum(1 for e in w.values() if e["out"] == "ack")
    unsure = [m for m, e in w.items() if e["out"] in (None, "unk")]
    kept = sum(1 for m in unsure if m in seen)
    summary = (f"{acked} acknowledged writes all stored, "
               f"{sum(1 for e in w.values() if e['out'] == 'nak')} refused "
               f"and absent, {len(unsure)} unanswered ({kept} of them "
               f"committed), all whole; {len(incs)} posts")
    return summary, problems


def check_post(inc, p):
    """What every post must look like if each write was all or nothing."""
    i, ups = inc["id"], inc["updates"]
    if not ups:
        p(f"post #{i} has no updates (its first update is missing)")
        return
    if [u["id"] for u in ups] != sorted(u["id"] for u in ups):
        p(f"post #{i}: updates out of order")
    first, last = ups[0], ups[-1]
    if first["created_at"] != inc["created_at"] or \
            inc["started_at"] != inc["created_at"]:
        p(f"post #{i}: first update at {first['created_at']}, post created "
          f"at {inc['created_at']}")
    # Our writers never write to an incident after its postmortem, so a
    # postmortem means: resolved, then the postmortem, nothing since.
    if inc["postmortem"] is not None:
        want = "postmortem" if last["status"] == "resolved" else "?"
        if not inc["postmortem_at"] or not inc["postmortem_via"]:
            p(f"post #{i}: postmortem without its time or via")
    else:
        want = last["status"]
        if inc["postmortem_at"] or inc["postmortem_via"] is not None:
            p(f"post #{i}: postmortem time or via without a postmortem")
    if inc["status"] != want:
        p(f"post #{i} is {inc['status']} but its last update says "
          f"{last['status']} (an update without its status change?)")
    if bool(inc["resolved_at"]) != (inc["status"] in CLOSED):
        p(f"post #{i} is {inc['status']} with resolved_at "
          f"{inc['resolved_at']}")
    if bool(inc["monitoring_at"]) != any(u["status"] == "monitoring"
                                         for u in ups):
        p(f"post #{i}: monitoring_at {inc['monitoring_at']} does not fit "
          "its updates")
    times = [u["created_at"] for u in ups] + [inc["postmortem_at"]] + \
        [r["edited_at"] for u in ups for r in u["revisions"]]
    if inc["updated_at"] < max(times):
        p(f"post #{i}: updated_at {inc['updated_at']} is before its latest "
          f"change at {max(times)} (a change without its timestamp?)")


def check_write(m, e, places, slug_of, p):
    """The write with marker m, found at `places`, is all there and right."""
    t = e["try"]
    if e["out"] == "ack" and t["op"] == "open":
        ids = {pl[1]["id"] for pl in places}
        if ids != {e["id"]}:
            p(f"{m}: acknowledged as #{e['id']} but stored in {sorted(ids)}")
    bodies = [pl for pl in places if pl[0] == "body"]
    others = [pl[0] for pl in places if pl[0] != "body"]
    where = [pl[0] if pl[0] != "body" else f"text {pl[3]} of update "
             f"{pl[2]['id']}" for pl in places]
    if t["op"] == "open":
        if others != ["title"] or len(bodies) != 1 or bodies[0][3] != 0:
            p(f"{m} (open): found as {where}, want one title and one "
              "first-update text")
            return
        inc = [pl for pl in places if pl[0] == "title"][0][1]
        u = bodies[0][2]
        if bodies[0][1] is not inc or u is not inc["updates"][0]:
            p(f"{m} (open): its text is not the first update of its post")
            return
        svc = sorted([slug_of.get(s["service_id"], "?"), s["window_start"],
                      s["window_end"]] for s in inc["services"])
        want = {"kind": t["kind"], "title": t["title"], "impact":
                t["impact"], "scheduled_start": t["start"],
                "scheduled_end": t["end"]}
        have = {k: inc[k] for k in want}
        if have != want:
            p(f"{m} (open): post #{inc['id']} is {have}, want {want}")
        if svc != sorted(t["services"]):
            p(f"{m} (open): services {svc}, want {sorted(t['services'])}")
        check_update(m, t, u, bodies[0][4][0], p)
    elif t["op"] == "update":
        if others or len(bodies) != 1 or bodies[0][3] != 0:
            p(f"{m} (update): found as {where}, want the first text of "
              "one update")
            return
        _, inc, u, _, chain = bodies[0]
        if inc["id"] != t["target"] or u is inc["updates"][0]:
            p(f"{m} (update of #{t['target']}): stored in post "
              f"#{inc['id']} as update {u['id']}")
        check_update(m, t, u, chain[0], p)
    elif t["op"] == "postmortem":
        inc = places[0][1]
        if others != ["postmortem"] or bodies:
            p(f"{m} (postmortem): found as {where}")
        elif inc["id"] != t["target"]:
            p(f"{m}: postmortem of #{t['target']} stored on #{inc['id']}")
        elif not body_matches(t, inc["postmortem"]) or \
                inc["postmortem_via"] != t["via"]:
            p(f"{m}: postmortem text or via differ")
    elif t["op"] == "edit":
        if others or len(bodies) != 1 or bodies[0][3] == 0:
            p(f"{m} (edit): found as {where}, want one later text of "
              "one update")
            return
        _, inc, u, pos, chain = bodies[0]
        if u["id"] != t["target"]:
            p(f"{m}: edit of update {t['target']} stored in {u['id']}")
        elif not body_matches(t, chain[pos]):
            p(f"{m}: edited text differs")
        elif u["revisions"][pos - 1]["via"] != t["via"]:
            p(f"{m}: the revision it made names via "
              f"{u['revisions'][pos - 1]['via']}, want {t['via']}")


def check_update(m, t, u, text, p):
    have = (u["status"], u["author"], u["via"])
    want = (t["status"], t["author"], t["via"])
    if have != want:
        p(f"{m}: update {u['id']} has (status, author, via) {have}, "
          f"want {want}")
    if not body_matches(t, text):
        p(f"{m}: update {u['id']} text differs from what was written")


def check_tokens(exp, w, seen, p):
    """An API write records its token's use in its own transaction: the
    token was last used when its latest stored write was made (the two
    times are read a moment apart, so allow two seconds)."""
    latest = {}
    for m, places in seen.items():
        e = w.get(m)
        if e is None:
            continue
        for pl in places:
            if pl[0] == "title":
                at = pl[1]["created_at"]
            elif pl[0] == "postmortem":
                at = pl[1]["postmortem_at"]
            elif pl[3] == 0:
                at = pl[2]["created_at"]
            else:
                at = pl[2]["revisions"][pl[3] - 1]["edited_at"]
            v = e["try"]["via"]
            latest[v] = max(latest.get(v, 0), at)
    for tok in exp["tokens"]:
        want = latest.get(tok["name"])
        used = tok["last_used_at"]
        if want is None:
            if used:
                p(f"token {tok['name']} was used at {used} but no write "
                  "made with it is stored")
        elif not want - 2 <= used <= want:
            p(f"token {tok['name']}: last used {used}, but its latest "
              f"stored write is from {want}")


# ---- the sweep: a CLI write killed at each of its file-writing calls ------

# The calls that change files; fcntl takes and drops SQLite's locks, and is
# swept for the first command only (the locks are the same for every one).
SWEEP_CALLS = ["pwrite64", "fdatasync", "ftruncate", "unlink"]


def sweep(bin_, db, logpath):
    log = Log(logpath)
    n = [0]
    out = []

    def marker():
        n[0] += 1
        return f"s0-r0-n{n[0]}"

    def run(args, stdin=None, strace=None):
        cmd = [bin_, "--db", db] + args
        if strace:
            cmd = ["strace", "-qq", "-o", "/dev/null", "-e",
                   f"inject={strace[0]}:signal=KILL:when={strace[1]}"] + cmd
        t0 = time.monotonic()
        r = subprocess.run(cmd, input=stdin, capture_output=True,
                           timeout=CLI_TIMEOUT)
        return r, time.monotonic() - t0

    def probe():
        """The next writer: must get through at once, not after waiting
        out the busy timeout for a lock nobody holds any more."""
        m = marker()
        log.put(ev="try", m=m, op="open", kind="notice", title=f"{m} probe",
                status="posted", impact="none", services=[], start=0, end=0,
                author=None, body=f"{m} short note", via="cli")
        r, secs = run(["notice", "post", "--title", f"{m} probe", "--body",
                       f"{m} short note"])
        if r.returncode != 0:
            log.put(ev="nak", m=m, why=r.stderr.decode()[:200])
            return f"the next write failed: exit {r.returncode}: " \
                f"{r.stderr.decode()[:200]}", secs
        log.put(ev="ack", m=m, id=int(r.stdout))
        return None, secs

    # Something to update and edit: an incident with a long first update.
    m = marker()
    body = body_text(m, 20000)
    log.put(ev="try", m=m, op="open", kind="incident", title=f"{m} base",
            status="investigating", impact="major",
            services=[["dsl", 0, 0], ["mail", 0, 0]], start=0, end=0,
            author=None, via="cli", **body_fields(body))
    r, _ = run(["incident", "open", "--title", f"{m} base", "--impact",
                "major", "--service", "dsl", "--service", "mail", "--body",
                "-"], body.encode())
    base = int(r.stdout)
    log.put(ev="ack", m=m, id=base)
    r, _ = run(["incident", "show", str(base), "--json"])
    first_update = json.loads(r.stdout)["incident_updates"][0]["id"]

    def scenario(name, make, calls):
        points = kills = 0
        worst = 0.0
        for call in calls:
            for k in range(1, 200):
                m = marker()
                rec, args, stdin = make(m)
                log.put(ev="try", via="cli", **rec)
                r, _ = run(args, stdin, (call, k))
                if r.returncode == 0:  # fewer than k such calls: next one
                    log.put(ev="ack", m=m, id=int(r.stdout or base))
                    break
                points += 1
                if r.returncode not in (-9, 137):
                    return f"{name}: {call} #{k}: exit {r.returncode}, " \
                        f"not killed: {r.stderr.decode()[:200]}"
                kills += 1
                err, secs = probe()
                worst = max(worst, secs)
                if err:
                    return f"{name}: killed at {call} #{k}: {err}"
                ex = subprocess.run([bin_, "--db", db, "export", "-"],
                                    capture_output=True, timeout=CLI_TIMEOUT)
                with open(db + ".export", "wb") as f:
                    f.write(ex.stdout)
                os.fsync(log.fd)
                _, problems = check(db, db + ".export", [logpath])
                if ex.returncode != 0 or problems:
                    return f"{name}: killed at {call} #{k}:\n" + \
                        "\n".join(problems[:10])
        out.append(f"{name} killed at {kills} points "
                   f"(next write within {worst * 1000:.0f} ms)")
        return None

    def opening(m):
        body = body_text(m, 12000)
        rec = dict(m=m, op="open", kind="incident", title=f"{m} sweep",
                   status="identified", impact="critical",
                   services=[["dsl", 0, 0], ["fibre", 0, 0]], start=0,
                   end=0, author="Sweep", **body_fields(body))
        return rec, ["incident", "open", "--title", f"{m} sweep", "--impact",
                     "critical", "--status", "identified", "--service", "dsl",
                     "--service", "fibre", "--author", "Sweep", "--body",
                     "-"], body.encode()

    status = ["monitoring"]

    def updating(m):
        # Alternate, so that every update changes the incident's status.
        status[0] = "identified" if status[0] == "monitoring" else \
            "monitoring"
        rec = dict(m=m, op="update", target=base, status=status[0],
                   author=None, body=f"{m} short note")
        return rec, ["incident", "update", str(base), "--status", status[0],
                     "--body", f"{m} short note"], None

    def editing(m):
        body = body_text(m, 9000)
        rec = dict(m=m, op="edit", target=first_update, post=base,
                   **body_fields(body))
        return rec, ["update", "edit", str(first_update), "--body", "-"], \
            body.encode()

    for name, make, calls in (
            ("incident open", opening, SWEEP_CALLS + ["fcntl"]),
            ("incident update", updating, SWEEP_CALLS),
            ("update edit", editing, SWEEP_CALLS)):
        err = scenario(name, make, calls)
        if err:
            return err, out
        # A status the next scenario can rely on, whatever was stored.
        r, _ = run(["incident", "show", str(base), "--json"])
        status[0] = json.loads(r.stdout)["status"]
    return None, out


def main():
    cmd = sys.argv[1]
    if cmd == "writer":
        Writer(sys.argv[2:]).run()
    elif cmd == "check":
        summary, problems = check(sys.argv[2], sys.argv[3], sys.argv[4:])
        if problems:
            print(f"{len(problems)} problems:")
            print("\n".join(problems[:40]))
            sys.exit(1)
        print(summary)
    elif cmd == "sweep":
        err, out = sweep(sys.argv[2], sys.argv[3], sys.argv[4])
        print("; ".join(out))
        if err:
            print(err)
            sys.exit(1)
    else:
        sys.exit(f"crash.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
