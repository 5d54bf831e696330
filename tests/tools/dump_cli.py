#!/usr/bin/env python3
"""Writes every answer of the command line into a folder.

    python3 tests/tools/dump_cli.py BIN OUTDIR

Runs BIN (the outpost binary) through every command of README.md's
"Command line" section at a fixed clock (OUTPOST_NOW), on a fresh demo
database and on a few others: the help of every command and group, every
read command in its text and --json forms over every post of the demo,
every write with the reads that show what it did, and the refusals (bad
usage, input the store refuses, a store that cannot be opened, an output
that cannot be written). Each run leaves three files in OUTDIR, numbered
in the order they ran: NNN-name.stdout, .stderr and .status (the exit
status), plus .cmd (the command line, for reading a diff) and, for an
export to a file, .file. The tokens `token add` prints and the hashes an
export holds are random, so they are written as <token> and <hash>.

Two runs of two builds can then be compared with `diff -r`: a refactoring
that changes no behaviour leaves the folders identical.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

NOW = "1795000000"  # 2026-11-18 11:06:40 UTC, as the golden files use

GROUPS = ["service", "incident", "maintenance", "notice", "update", "token"]
COMMANDS = ["init", "service add", "service set", "service list",
            "incident open", "incident update", "incident resolve",
            "incident show", "incident list", "maintenance schedule",
            "maintenance start", "maintenance complete", "notice post",
            "postmortem", "update edit", "token add", "token list",
            "token revoke", "export", "import"]


def mask(data):
    """Hides what is random in a run: API tokens and their hashes."""
    data = re.sub(rb"op_[0-9a-f]{64}", b"op_<token>", data)
    return re.sub(rb'"hash": "[0-9a-f]{64}"', b'"hash": "<hash>"', data)


class Dump:
    def __init__(self, binary, out, work):
        self.binary, self.out, self.work = binary, out, work
        self.n = 0
        self.env = dict(os.environ, OUTPOST_NOW=NOW)
        self.env.pop("OUTPOST_DB", None)

    def run(self, name, args, db="demo.db", stdin=b"", env=None,
            full=False, keep=None):
        """Runs one command (with --db db unless db is None) in the work
        folder and records its answer; returns its stdout. full sends
        stdout to /dev/full; keep names a file the command writes, to be
        recorded too."""
        self.n += 1
        argv = [self.binary] + (["--db", db] if db is not None else []) + args
        run_env = dict(self.env, **(env or {}))
        sink = open("/dev/full", "wb") if full else subprocess.PIPE
        try:
            p = subprocess.run(argv, input=stdin, cwd=self.work, env=run_env,
                               stdout=sink, stderr=subprocess.PIPE,
                               timeout=120)
        finally:
            if full:
                sink.close()
        base = "%s/%03d-%s" % (self.out, self.n,
                               re.sub(r"[^A-Za-z0-9._-]+", "_", name))
        shown = [shlex.quote(a) for a in ["outpost"] + argv[1:]]
        extra = "".join(" %s=%s" % kv for kv in sorted((env or {}).items()))
        with open(base + ".cmd", "w", errors="backslashreplace") as f:
            f.write("%s%s%s%s\n" % (extra.strip() + " " if extra else "",
                                    " ".join(shown),
                                    " <stdin(%d bytes)" % len(stdin)
                                    if stdin else "",
                                    " >/dev/full" if full else ""))
        stdout = mask(p.stdout or b"")
        for ext, data in ((".stdout", stdout), (".stderr", mask(p.stderr)),
                          (".status", b"%d\n" % p.returncode)):
            with open(base + ext, "wb") as f:
                f.write(data)
        if keep is not None:
            path = os.path.join(self.work, keep)
            data = open(path, "rb").read() if os.path.exists(path) else b""
            with open(base + ".file", "wb") as f:
                f.write(mask(data))
        return p.stdout or b""

    def show_all(self, prefix, db="demo.db"):
        """Every read command, and every post in both forms."""
        self.run(prefix + " service list", ["service", "list"], db=db)
        self.run(prefix + " service list json", ["service", "list", "--json"],
                 db=db)
        self.run(prefix + " incident list", ["incident", "list"], db=db)
        self.run(prefix + " incident list open",
                 ["incident", "list", "--open"], db=db)
        self.run(prefix + " incident list open json",
                 ["incident", "list", "--open", "--json"], db=db)
        posts = json.loads(self.run(prefix + " incident list json",
                                    ["incident", "list", "--json"], db=db))
        for post in posts:
            i = str(post["id"])
            self.run(prefix + " show " + i, ["incident", "show", i], db=db)
            self.run(prefix + " show json " + i,
                     ["incident", "show", i, "--json"], db=db)
        self.run(prefix + " token list", ["token", "list"], db=db)
        self.run(prefix + " token list json", ["token", "list", "--json"],
                 db=db)
        return posts


def help_cases(d):
    d.run("no arguments", [], db=None)
    d.run("--db without a file", ["--db"], db=None)
    d.run("--version", ["--version"], db=None)
    for words in (["--help"], ["-h"], ["help"], ["help", "bogus"],
                  ["--db", "x.db", "help"]):
        d.run(" ".join(words), words, db=None)
    for g in GROUPS:
        d.run("help " + g, ["help", g], db=None)
        d.run(g + " --help", [g, "--help"], db=None)
        d.run(g + " -h", [g, "-h"], db=None)
        d.run(g + " alone", [g], db=None)
        d.run(g + " bogus", [g, "bogus"], db=None)
    for c in COMMANDS:
        d.run(c + " --help", c.split() + ["--help"], db=None)
        d.run(c + " -h", c.split() + ["-h"], db=None)
    d.run("--help wins", ["incident", "open", "--bogus", "--help"], db=None)
    d.run("--help after --", ["incident", "show", "--", "--help"], db=None)
    d.run("serve --help", ["serve", "--help"], db=None)
    d.run("serve bogus option", ["serve", "--bogus"], db=None)
    d.run("unknown command", ["frobnicate"], db=None)


def unopenable_cases(d):
    os.mkdir(os.path.join(d.work, "adir"))
    with open(os.path.join(d.work, "junk.db"), "w") as f:
        f.write("this is not an SQLite database, just some text\n")
    for db in ("missing.db", "/nonexistent-dir/x.db", "adir", "junk.db"):
        d.run("init on " + db, ["init"], db=db)
        for words in (["incident", "list"], ["service", "list", "--json"],
                      ["incident", "open", "--title", "T"],
                      ["incident", "show", "1"], ["token", "list"],
                      ["export"], ["postmortem", "1", "--body", "x"],
                      ["update", "edit", "1", "--body", "x"],
                      ["service", "set", "dsl", "auto"],
                      ["token", "revoke", "x"], ["token", "add", "x"]):
            d.run(db + " " + " ".join(words), words, db=db)
    d.run("default database missing", ["incident", "list"], db=None)
    d.run("OUTPOST_DB missing", ["incident", "list"], db=None,
          env={"OUTPOST_DB": "envmissing.db"})


def empty_cases(d):
    d.run("empty init", ["init"], db="empty.db")
    d.run("empty init again", ["init"], db="empty.db")
    d.show_all("empty", db="empty.db")
    d.run("empty export", ["export"], db="empty.db")
    d.run("empty init --demo", ["init", "--demo"], db="empty.db")
    d.run("demo init --demo", ["init", "--demo"], db="demo.db")
    d.run("demo init --demo again", ["init", "--demo"], db="demo.db")
    d.run("demo init again", ["init"], db="demo.db")
    d.run("demo init --demo=x", ["init", "--demo=x"], db="demo.db")
    d.run("demo init extra", ["init", "x"], db="demo.db")
    d.run("init --demo full", ["init", "--demo"], db="full.db", full=True)


def usage_error_cases(d):
    for name, words in [
            ("unknown option", ["incident", "open", "--title", "T",
                                "--colour", "red"]),
            ("unknown short option", ["incident", "list", "-x"]),
            ("option of another command", ["incident", "list", "--title",
                                           "T"]),
            ("option missing its value", ["incident", "open", "--title"]),
            ("flag given a value", ["incident", "list", "--json=yes"]),
            ("unknown option with =", ["incident", "list", "--nope=1"]),
            ("option named by -- alone", ["incident", "list", "---"]),
            ("missing --title", ["incident", "open", "--service", "dsl"]),
            ("empty --title", ["incident", "open", "--title", ""]),
            ("title with ESC", ["incident", "open", "--title", "a\x1b[2Jb"]),
            ("title with TAB", ["incident", "open", "--title", "a\tb"]),
            ("title with LF", ["incident", "open", "--title", "a\nb"]),
            ("title with DEL", ["incident", "open", "--title", "a\x7fb"]),
            ("title with C1", ["incident", "open", "--title", "a\u009bb"]),
            ("bad status", ["incident", "open", "--title", "T", "--status",
                            "bogus"]),
            ("status of another kind", ["incident", "open", "--title", "T",
                                        "--status", "scheduled"]),
            ("bad impact", ["incident", "open", "--title", "T", "--impact",
                            "huge"]),
            ("impact maintenance", ["incident", "open", "--title", "T",
                                    "--impact", "maintenance"]),
            ("newline in a bad value", ["incident", "open", "--title", "T",
                                        "--status", "bad\nstatus"]),
            ("escape in a bad value", ["incident", "open", "--title", "T",
                                       "--impact", "\x1b[31mred"]),
            ("unknown service", ["incident", "open", "--title", "T",
                                 "--service", "nosuch"]),
            ("update bad status", ["incident", "update", "1", "--status",
                                   "bogus"]),
            ("update status posted", ["incident", "update", "1", "--status",
                                      "posted"]),
            ("update nothing", ["incident", "update", "1"]),
            ("update empty body", ["incident", "update", "1", "--body", ""]),
            ("update blank body", ["incident", "update", "1", "--body",
                                   " \n\t"]),
            ("end before start", ["maintenance", "schedule", "--title", "M",
                                  "--start", "2030-01-01T10:00Z", "--end",
                                  "2030-01-01T09:00Z"]),
            ("end equal start", ["maintenance", "schedule", "--title", "M",
                                 "--start", "2030-01-01T10:00Z", "--end",
                                 "2030-01-01T10:00Z"]),
            ("time without zone", ["maintenance", "schedule", "--title", "M",
                                   "--start", "2030-01-01T10:00", "--end",
                                   "2030-01-01T12:00Z"]),
            ("not a time", ["maintenance", "schedule", "--title", "M",
                            "--start", "tomorrow", "--end",
                            "2030-01-01T12:00Z"]),
            ("missing --end", ["maintenance", "schedule", "--title", "M",
                               "--start", "2030-01-01T10:00Z"]),
            ("schedule missing --title", ["maintenance", "schedule",
                                          "--start", "2030-01-01T10:00Z",
                                          "--end", "2030-01-01T12:00Z"]),
            ("maintenance unknown service", [
                "maintenance", "schedule", "--title", "M", "--start",
                "2030-01-01T10:00Z", "--end", "2030-01-01T12:00Z",
                "--service", "nosuch"]),
            ("slot outside the window", [
                "maintenance", "schedule", "--title", "M", "--start",
                "2030-01-01T10:00Z", "--end", "2030-01-01T12:00Z",
                "--service", "dsl@2030-01-01T13:00Z/2030-01-01T14:00Z"]),
            ("malformed slot", [
                "maintenance", "schedule", "--title", "M", "--start",
                "2030-01-01T10:00Z", "--end", "2030-01-01T12:00Z",
                "--service", "dsl@junk"]),
            ("slot bad start", [
                "maintenance", "schedule", "--title", "M", "--start",
                "2030-01-01T10:00Z", "--end", "2030-01-01T12:00Z",
                "--service", "dsl@2030-01-01T10:00/2030-01-01T11:00Z"]),
            ("slot bad end", [
                "maintenance", "schedule", "--title", "M", "--start",
                "2030-01-01T10:00Z", "--end", "2030-01-01T12:00Z",
                "--service", "dsl@2030-01-01T10:00Z/soon"]),
            ("non-numeric id show", ["incident", "show", "abc"]),
            ("non-numeric id update", ["incident", "update", "12x", "--body",
                                       "y"]),
            ("id zero", ["incident", "show", "0"]),
            ("empty id", ["incident", "show", ""]),
            ("negative id", ["incident", "resolve", "--", "-3"]),
            ("id with a sign", ["incident", "show", "+3"]),
            ("huge id", ["incident", "show", "99999999999999999999999"]),
            ("largest id", ["incident", "show", "9223372036854775807"]),
            ("unknown id show", ["incident", "show", "999999"]),
            ("unknown id show json", ["incident", "show", "999999",
                                      "--json"]),
            ("unknown id update", ["incident", "update", "999999", "--body",
                                   "x"]),
            ("unknown id resolve", ["incident", "resolve", "999999"]),
            ("unknown id start", ["maintenance", "start", "999999"]),
            ("unknown id complete", ["maintenance", "complete", "999999"]),
            ("unknown id postmortem", ["postmortem", "999999", "--body",
                                       "x"]),
            ("postmortem bad id", ["postmortem", "x", "--body", "x"]),
            ("postmortem without --body", ["postmortem", "1"]),
            ("postmortem empty body", ["postmortem", "1", "--body", ""]),
            ("notice without --body", ["notice", "post", "--title", "N"]),
            ("notice without --title", ["notice", "post", "--body", "N"]),
            ("missing id", ["incident", "show"]),
            ("extra argument", ["incident", "show", "1", "2"]),
            ("service add without --name", ["service", "add", "newsvc"]),
            ("service add without slug", ["service", "add", "--name", "X"]),
            ("service add duplicate", ["service", "add", "dsl", "--name",
                                       "Again"]),
            ("service add bad slug", ["service", "add", "Bad Slug!",
                                      "--name", "X"]),
            ("service add slug with @", ["service", "add", "a@b", "--name",
                                         "X"]),
            ("service add position abc", ["service", "add", "newsvc",
                                          "--name", "X", "--position",
                                          "abc"]),
            ("service add position 0", ["service", "add", "newsvc", "--name",
                                        "X", "--position", "0"]),
            ("service add position -1", ["service", "add", "newsvc",
                                         "--name", "X", "--position", "-1"]),
            ("service add position big", ["service", "add", "newsvc",
                                          "--name", "X", "--position",
                                          "1000001"]),
            ("service add position +5", ["service", "add", "newsvc",
                                         "--name", "X", "--position", "+5"]),
            ("service add name with TAB", ["service", "add", "newsvc",
                                           "--name", "a\tb"]),
            ("service set bad status", ["service", "set", "dsl", "broken"]),
            ("service set unknown", ["service", "set", "nosuch",
                                     "major_outage"]),
            ("service set missing status", ["service", "set", "dsl"]),
            ("update edit unknown", ["update", "edit", "999999", "--body",
                                     "x"]),
            ("update edit bad id", ["update", "edit", "u1", "--body", "x"]),
            ("update edit empty body", ["update", "edit", "1", "--body", ""]),
            ("update edit without --body", ["update", "edit", "1"]),
            ("token add bad name", ["token", "add", "Bad Name"]),
            ("token add without name", ["token", "add"]),
            ("token revoke unknown", ["token", "revoke", "nobody"]),
            ("token list extra", ["token", "list", "x"]),
            ("export two files", ["export", "a", "b"]),
            ("import without file", ["import"]),
            ("import missing file", ["import", "no-such.json"]),
            ("import into the demo", ["import", "-"]),
    ]:
        d.run(name, words)
    # Input that is not UTF-8, in a one-line field and in a body.
    d.run("title not UTF-8", ["incident", "open", "--title",
                              os.fsdecode(b"caf\xe9")])
    d.run("body not UTF-8", ["incident", "update", "1", "--body",
                             os.fsdecode(b"\xc0\xafx")])
    d.run("body with ESC", ["incident", "update", "1", "--body", "a\x1bb"])
    d.run("body with a bare CR", ["incident", "update", "1", "--body",
                                  "a\rb"])


def stdin_cases(d):
    d.run("stdin body with NUL", ["notice", "post", "--title", "N", "--body",
                                  "-"], stdin=b"a\0b")
    d.run("stdin body too long", ["notice", "post", "--title", "Big",
                                  "--body", "-"], stdin=b"a" * 70000)
    d.run("stdin body just too long", ["notice", "post", "--title", "Big",
                                       "--body", "-"], stdin=b"a" * 65537)
    d.run("stdin body not UTF-8", ["notice", "post", "--title", "N",
                                   "--body", "-"], stdin=b"\xff\xfe")
    d.run("stdin import too large", ["import", "-"], db="huge.db",
          stdin=b" " * (64 * 1024 * 1024 + 1))
    d.run("stdin import not JSON", ["import", "-"], db="notjson.db",
          stdin=b"not json")


def write_cases(d):
    """Every write on the demo, and what it changed."""
    for name, words in [
            ("service add all", ["service", "add", "voip", "--name",
                                 "Telephony (VoIP)", "--group", "Voice",
                                 "--description", "SIP trunks and lines",
                                 "--position", "3"]),
            ("service add =", ["service", "add", "iptv",
                               "--name=Télévision", "--group=Vidéo",
                               "--position=1000000"]),
            ("service add ungrouped", ["service", "add", "zz_last",
                                       "--name", "Z  double  spaced"]),
            ("service add unicode", ["service", "add", "bidi", "--name",
                                     "x\u200bzero\u202ewidth", "--group",
                                     "\u00e9\u00e8\u00ea long group name"]),
            ("service set", ["service", "set", "voip", "major_outage"]),
            ("service set maintenance", ["service", "set", "iptv",
                                         "under_maintenance"]),
    ]:
        d.run(name, words)
    d.run("after service writes", ["service", "list"])
    d.run("after service writes json", ["service", "list", "--json"])
    d.run("service set auto", ["service", "set", "voip", "auto"])
    d.run("incident open all", [
        "incident", "open", "--title", "Packet loss in  Millbrook",
        "--service", "dsl", "--service", "voip", "--impact", "major",
        "--status", "identified", "--body", "A line card is failing.",
        "--author", "Maya, NOC"])
    d.run("incident open defaults", ["incident", "open", "--title",
                                     "Webmail slow"])
    d.run("incident open stdin", [
        "incident", "open", "--title", "From stdin \u201cquoted\u201d",
        "--body", "-", "--author", "Tom\u00e1s"],
        stdin=("First paragraph, \u00fcn\u00efcode.\r\n\r\n"
               "\"Quoted\", back\\slash,\ttab.\n  indented\n"
               "\u2028sep \u200b zw \u202e bidi\n\n\n").encode())
    d.run("incident open body -", ["incident", "open", "--title", "Dash",
                                   "--body", "-"], stdin=b"")
    d.run("incident open -- positional", ["incident", "open", "--title",
                                          "T", "--", "--body"])
    posts = json.loads(d.run("ids", ["incident", "list", "--json"]))
    new = [str(p["id"]) for p in posts[:4]]
    inc, inc2, inc3 = new[3], new[2], new[1]
    d.run("update status", ["incident", "update", inc, "--status",
                            "monitoring", "--body", "Card replaced;\n"
                            "watching.\ttabbed", "--author", "Tom\u00e1s"])
    d.run("update impact only", ["incident", "update", inc, "--impact",
                                 "critical"])
    d.run("update body only", ["incident", "update", inc2, "--body",
                               "Still slow."])
    d.run("update stdin", ["incident", "update", inc2, "--body", "-"],
          stdin=b"line one\nline two\n")
    d.run("resolve", ["incident", "resolve", inc, "--body",
                      "Stable for an hour."])
    d.run("update of a resolved incident", ["incident", "update", inc,
                                            "--body", "more"])
    d.run("reopen", ["incident", "update", inc, "--status", "investigating",
                     "--body", "It is back."])
    d.run("resolve again", ["incident", "resolve", inc, "--author", "Ruth"])
    d.run("postmortem stdin", ["postmortem", inc, "--body", "-"],
          stdin=("R\u00e9sum\u00e9 \u2014 what happened\n\n"
                 "Timeline (UTC):\n  09:38  alarms\n\t10:15  swapped\n"
                 ).encode())
    d.run("postmortem replace", ["postmortem", inc, "--body",
                                 "Shorter.\n\nTwo paragraphs."])
    d.run("postmortem of an open incident", ["postmortem", inc3, "--body",
                                             "x"])
    d.run("schedule windows", [
        "maintenance", "schedule", "--title", "Mail server reboots",
        "--start", "2030-01-05T17:00-05:00", "--end", "2030-01-05T23:30:00Z",
        "--service", "imap@2030-01-05T22:00Z/2030-01-05T22:30Z",
        "--service", "voip", "--body", "imap1 at 22:00\nimap2 at 22:45",
        "--author", "Priya, systems"])
    d.run("schedule plain", [
        "maintenance", "schedule", "--title", "Router swap", "--start",
        "2026-11-18T10:00Z", "--end", "2026-11-18T12:00Z", "--service",
        "dsl"])
    posts = json.loads(d.run("ids again", ["incident", "list", "--json"]))
    mnt, mnt2 = str(posts[1]["id"]), str(posts[0]["id"])
    d.run("resolving a maintenance", ["incident", "resolve", mnt])
    d.run("completing an incident", ["maintenance", "complete", inc2])
    d.run("maintenance start", ["maintenance", "start", mnt, "--body",
                                "Rebooting imap1."])
    d.run("maintenance start again", ["maintenance", "start", mnt])
    d.run("maintenance complete", ["maintenance", "complete", mnt,
                                   "--author", "Priya"])
    d.run("maintenance start 2", ["maintenance", "start", mnt2, "--body",
                                  "-"], stdin=b"Starting now.\n")
    d.run("postmortem of a maintenance", ["postmortem", mnt, "--body", "x"])
    d.run("notice post", ["notice", "post", "--title", "Phishing warning",
                          "--body", "We never ask for your password.",
                          "--author", "Ruth"])
    d.run("notice post stdin", ["notice", "post", "--title", "Max",
                                "--body", "-"], stdin=b"b" * 65536)
    posts = json.loads(d.run("ids notices", ["incident", "list", "--json"]))
    notice = str(posts[1]["id"])
    d.run("starting a notice", ["maintenance", "start", notice])
    d.run("updating a notice", ["incident", "update", notice, "--body",
                                "More."])
    upd = str(posts[-1]["incident_updates"][0]["id"])
    d.run("update edit", ["update", "edit", upd, "--body",
                          "Corrected:\tthe fault\nwas in N4."])
    d.run("update edit stdin", ["update", "edit", upd, "--body", "-"],
          stdin=b"Corrected again.\n")
    d.run("service list busy", ["service", "list"])
    d.run("service list full", ["service", "list"], full=True)
    d.run("incident show full", ["incident", "show", inc, "--json"],
          full=True)
    d.run("incident open full", ["incident", "open", "--title", "Full"],
          full=True)
    d.run("update full", ["incident", "update", inc2, "--body", "quiet"],
          full=True)


def token_cases(d):
    d.run("token add", ["token", "add", "noc-bot"])
    d.run("token add second", ["token", "add", "monitoring.v2"])
    d.run("token add taken", ["token", "add", "noc-bot"])
    d.run("token list two", ["token", "list"])
    d.run("token list two json", ["token", "list", "--json"])
    d.run("token revoke", ["token", "revoke", "noc-bot"])
    d.run("token revoke twice", ["token", "revoke", "noc-bot"])
    d.run("token list revoked", ["token", "list"])
    d.run("token list revoked json", ["token", "list", "--json"])
    d.run("token add full", ["token", "add", "quiet"], full=True)
    d.run("token list full", ["token", "list", "--json"], full=True)


def transfer_cases(d):
    d.run("export stdout", ["export"])
    d.run("export -", ["export", "-"])
    d.run("export file", ["export", "a.json"], keep="a.json")
    d.run("export to a directory", ["export", "adir"])
    d.run("export to a missing directory", ["export", "nodir/a.json"])
    d.run("export full", ["export"], full=True)
    d.run("import new", ["import", "a.json"], db="b.db")
    d.run("import new export", ["export"], db="b.db")
    d.run("import not empty", ["import", "a.json"], db="b.db")
    d.show_all("imported", db="b.db")
    with open(os.path.join(d.work, "a.json"), "rb") as f:
        doc = f.read()
    d.run("import stdin", ["import", "-"], db="c.db", stdin=doc)
    d.run("import stdin export", ["export"], db="c.db")
    bad = doc.replace(b'"kind": "incident"', b'"kind": "outage"', 1)
    d.run("import damaged", ["import", "-"], db="d.db", stdin=bad)
    d.run("import damaged left nothing", ["incident", "list", "--json"],
          db="d.db")
    d.run("import from a directory", ["import", "adir"], db="e.db")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    work = tempfile.mkdtemp(prefix="outpost-cli-")
    try:
        d = Dump(binary, out, work)
        help_cases(d)
        unopenable_cases(d)
        d.run("init --demo", ["init", "--demo"])
        d.show_all("demo")
        d.run("demo export", ["export"])
        d.run("--db= form", ["--db=demo.db", "service", "list"], db=None)
        d.run("OUTPOST_DB", ["incident", "list", "--open"], db=None,
              env={"OUTPOST_DB": "demo.db"})
        shutil.copy(os.path.join(work, "demo.db"),
                    os.path.join(work, "outpost.db"))
        d.run("default ./outpost.db", ["service", "list"], db=None)
        empty_cases(d)
        usage_error_cases(d)
        stdin_cases(d)
        write_cases(d)
        token_cases(d)
        d.show_all("after writes")
        transfer_cases(d)
        print("%d commands recorded in %s" % (d.n, out))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
