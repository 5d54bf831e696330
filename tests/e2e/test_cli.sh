# test_cli.sh: the operator command line (README "Command line"), end to
# end against real database files. No server is needed: the CLI talks to
# SQLite directly.
#
# Run: OUTPOST_BIN=$PWD/zig-out/bin/outpost bash tests/e2e/test_cli.sh

. "$(dirname "$0")/lib.sh"

DB=$T/cli.db

# expect NAME RC ARGS...: runs `outpost --db $DB ARGS...` with no input and
# checks the exit status. A success must be quiet on stderr; a failure must
# say why in exactly one line "outpost: ...". Leaves $OUT and $ERR set, and
# the raw output in $T/out and $T/err.
expect() {
    local name=$1 want=$2
    shift 2
    "$OUTPOST" --db "$DB" "$@" >"$T/out" 2>"$T/err" </dev/null
    local rc=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
    check_rc "$name: exit status" "$rc" "$want"
    if [ "$want" -eq 0 ]; then
        check_eq "$name: nothing on stderr" "$ERR" ""
    else
        check_eq "$name: one line on stderr" "$(wc -l <"$T/err")" 1
        case "$ERR" in
        "outpost: "?*) pass "$name: reason says outpost:" ;;
        *) fail "$name: reason says outpost:" "got [$ERR]" ;;
        esac
    fi
}

# expect_id NAME ARGS...: a creating command succeeds and prints only the
# new id; the id is left in $ID.
expect_id() {
    local name=$1
    shift
    expect "$name" 0 "$@"
    ID=$OUT
    case "$ID" in
    '' | *[!0-9]*) fail "$name: prints the id" "got [$ID]" ;;
    *) pass "$name: prints the id" ;;
    esac
}

# py FILE EXPR: evaluates a Python expression over the JSON in FILE (as d).
py() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}

json_parses() {
    check "$1" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$2"
}

# snapshot_db FILE: everything the CLI can show, to prove a failure left
# the database untouched.
snapshot_db() {
    { "$OUTPOST" --db "$DB" incident list --json
      "$OUTPOST" --db "$DB" service list --json; } >"$1" 2>&1
}

# ---- usage and --help (no database needed, none created) ---------------

"$OUTPOST" --help >"$T/out" 2>&1
check_rc "outpost --help: exit status" $? 0
check_has "outpost --help lists incident open" "$(cat "$T/out")" "incident open"
check_has "outpost --help lists postmortem" "$(cat "$T/out")" "postmortem ID"
check "outpost --help: every command listed once" python3 -c '
import sys, collections
lines = [l.strip() for l in open(sys.argv[1]) if l.strip().startswith("outpost ")]
dup = [l for l, n in collections.Counter(lines).items() if n > 1]
assert not dup, dup
for want in ("token add NAME", "token list", "token revoke NAME", "export [FILE|-]", "import [--merge] FILE|-"):
    assert sum(want in l for l in lines) == 1, (want, lines)' "$T/out"
for o in --http --gopher --finger --hostname --name --time-zone --base-url --user --config --set --quiet; do
    check_has "outpost --help: serve takes $o" "$(sed -n '/outpost serve/,/outpost init/p' "$T/out")" "[$o"
done

for cmd in "init" "service add" "service set" "service list" \
    "incident open" "incident update" "incident resolve" "incident show" \
    "incident list" "maintenance schedule" "maintenance start" \
    "maintenance complete" "notice post" "postmortem"; do
    # shellcheck disable=SC2086
    expect "$cmd --help" 0 $cmd --help
    check_has "$cmd --help: usage line" "$OUT" "usage: outpost [--db FILE] $cmd"
done
for group in service incident maintenance notice; do
    expect "$group --help" 0 "$group" --help
    check_has "$group --help lists subcommands" "$OUT" "outpost [--db FILE] $group "
done
expect "--help wins over other arguments" 0 incident open --bogus --help
check_has "--help wins: usage" "$OUT" "incident open --title T"
check "--help created no database" test ! -e "$DB"

# ---- the store cannot be opened: exit 2 ---------------------------------

expect "command on a missing database" 2 incident list
check_has "missing database: says run init" "$ERR" "outpost init"
check "a read command does not create the database" test ! -e "$DB"
expect "missing database, write command" 2 incident open --title T
check "a write command does not create the database" test ! -e "$DB"
expect "init in a missing directory" 2 --db /nonexistent-dir/x.db init
expect "list in a missing directory" 2 --db /nonexistent-dir/x.db incident list
mkdir "$T/adir"
expect "init on a directory" 2 --db "$T/adir" init
expect "list on a directory" 2 --db "$T/adir" incident list
printf 'this is not an SQLite database, just some text\n' >"$T/junk.db"
expect "list on a file that is not a database" 2 --db "$T/junk.db" incident list
expect "init on a file that is not a database" 2 --db "$T/junk.db" init

# ---- init and services ---------------------------------------------------

expect "init" 0 init
check "init created the database" test -s "$DB"
expect "init again (migrations are idempotent)" 0 init

expect "service list on an empty database" 0 service list --json
check_eq "no services yet" "$OUT" "[]"

expect "service add dsl" 0 service add dsl --name "DSL broadband" \
    --group Access --description "ADSL and VDSL lines" --position 1
check_eq "service add prints nothing" "$OUT" ""
expect "service add fibre (--opt=value form)" 0 service add fibre \
    --name="Fibre to the home" --group=Access --position=2
expect "service add imap" 0 service add imap --name "Mailboxes (IMAP)" \
    --group Mail
expect "service add smtp" 0 service add smtp --name "Outgoing mail" \
    --group Mail

expect "service list --json" 0 service list --json
json_parses "service list --json parses" "$T/out"
check_eq "four services, in position order" \
    "$(py "$T/out" '",".join(s["slug"] for s in d)')" "dsl,fibre,imap,smtp"
check_eq "service fields" \
    "$(py "$T/out" '(d[0]["name"], d[0]["group"], d[0]["description"], d[0]["status"], d[0]["manual"])')" \
    "('DSL broadband', 'Access', 'ADSL and VDSL lines', 'operational', False)"
check_eq "status_reason with nothing open" \
    "$(py "$T/out" 'd[0]["status_reason"]')" "no open incidents"
check_eq "ungrouped description is null" "$(py "$T/out" 'd[1]["description"]')" "None"

expect "service list (text)" 0 service list
check_has "service list header" "$OUT" "SLUG"
check_has "service list shows why" "$OUT" "WHY"
check_has "service list row" "$OUT" "no open incidents"

# ---- incidents -----------------------------------------------------------

expect_id "incident open with every option" incident open \
    --title "Packet loss in Millbrook" --service dsl --service fibre \
    --impact major --status identified --body "A line card is failing." \
    --author "Maya, NOC"
INC=$ID
expect "incident show --json" 0 incident show "$INC" --json
json_parses "incident show --json parses" "$T/out"
check_eq "incident fields" \
    "$(py "$T/out" '(d["id"], d["name"], d["kind"], d["status"], d["impact"])')" \
    "($INC, 'Packet loss in Millbrook', 'incident', 'identified', 'major')"
check_eq "repeated --service accumulates" \
    "$(py "$T/out" '[c["slug"] for c in d["components"]]')" "['dsl', 'fibre']"
check_eq "first update" \
    "$(py "$T/out" '(len(d["incident_updates"]), d["incident_updates"][0]["body"], d["incident_updates"][0]["author"], d["incident_updates"][0]["via"])')" \
    "(1, 'A line card is failing.', 'Maya, NOC', 'cli')"
check "created_at is ISO 8601 UTC" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["created_at"]), d
assert d["resolved_at"] is None' "$T/out"

expect "service list --json while open" 0 service list --json
check_eq "affected service derives its status" \
    "$(py "$T/out" '(d[0]["status"], d[0]["status_reason"])')" \
    "('partial_outage', 'incident #$INC')"
check_eq "unaffected service stays operational" \
    "$(py "$T/out" 'd[2]["status"]')" "operational"

expect_id "incident open with defaults" incident open --title "Webmail slow"
INC2=$ID
expect "incident show defaults" 0 incident show "$INC2" --json
check_eq "defaults: investigating, minor, no services" \
    "$(py "$T/out" '(d["status"], d["impact"], d["components"])')" \
    "('investigating', 'minor', [])"

expect "incident update --status" 0 incident update "$INC" \
    --status monitoring --body "Card replaced; watching." --author Tomás
check_eq "incident update prints nothing" "$OUT" ""
expect "incident update --impact only" 0 incident update "$INC" \
    --impact critical
expect "incident show after updates" 0 incident show "$INC" --json
check_eq "status, impact and updates newest first" \
    "$(py "$T/out" '(d["status"], d["impact"], [u["status"] for u in d["incident_updates"]], d["monitoring_at"] is not None)')" \
    "('monitoring', 'critical', ['monitoring', 'monitoring', 'identified'], True)"
check_eq "update author kept (UTF-8)" \
    "$(py "$T/out" 'd["incident_updates"][1]["author"]')" "Tomás"

expect "incident show (text)" 0 incident show "$INC"
check_has "text: title" "$OUT" "#$INC Packet loss in Millbrook"
check_has "text: kind" "$OUT" "incident"
check_has "text: impact" "$OUT" "critical"
check_has "text: times in UTC" "$OUT" " UTC"
check_has "text: services" "$OUT" "dsl (DSL broadband)"
check_has "text: author" "$OUT" "-- Maya, NOC"
newer=${OUT%%Card replaced*}
older=${OUT%%A line card is failing*}
if [ ${#newer} -lt ${#older} ]; then pass "text: updates newest first"; else fail "text: updates newest first"; fi

expect "postmortem of an open incident" 1 postmortem "$INC" --body "Too early."
check_has "it says to resolve it first" "$ERR" "is still monitoring; resolve it before publishing its postmortem"
expect "incident resolve" 0 incident resolve "$INC" --body "Stable for an hour."
expect "incident show resolved" 0 incident show "$INC" --json
check_eq "resolved with a time" \
    "$(py "$T/out" '(d["status"], d["resolved_at"] is not None, d["incident_updates"][0]["body"])')" \
    "('resolved', True, 'Stable for an hour.')"
expect "service list after resolve" 0 service list --json
check_eq "service back to operational" \
    "$(py "$T/out" '(d[0]["status"], d[0]["status_reason"])')" \
    "('operational', 'no open incidents')"

expect "reopen with --status" 0 incident update "$INC" --status investigating \
    --body "It is back."
expect "resolve again" 0 incident resolve "$INC"

# --body - reads standard input: several paragraphs of UTF-8, the trailing
# newline of a here-document dropped.
"$OUTPOST" --db "$DB" postmortem "$INC" --body - >"$T/out" 2>"$T/err" <<'EOF'
Résumé — what happened

A line card in the Millbrook “north” shelf failed; 412 lines were down.

Timeline (UTC):
  09:38  alarms
  10:15  card swapped ✓
EOF
check_rc "postmortem --body - : exit status" $? 0
expect "show postmortem" 0 incident show "$INC" --json
check "postmortem body is stdin, paragraphs and UTF-8 intact" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
want = ("Résumé — what happened\n\nA line card in the Millbrook “north” shelf "
        "failed; 412 lines were down.\n\nTimeline (UTC):\n  09:38  alarms\n"
        "  10:15  card swapped ✓")
assert d["postmortem_body"] == want, repr(d["postmortem_body"])
assert d["status"] == "postmortem", d["status"]
assert d["postmortem_published_at"] is not None' "$T/out"
expect "show postmortem (text)" 0 incident show "$INC"
check_has "text shows the postmortem" "$OUT" "Postmortem"
check_has "text keeps UTF-8" "$OUT" "card swapped ✓"

printf 'First paragraph, ünïcode.\n\n"Quoted", back\\slash,\ttab.\n' |
    "$OUTPOST" --db "$DB" incident open --title "From stdin" --body - \
        >"$T/out" 2>"$T/err"
check_rc "incident open --body - : exit status" $? 0
STDIN_ID=$(cat "$T/out")
expect "show stdin incident" 0 incident show "$STDIN_ID" --json
check "stdin body: JSON escapes quotes, backslash, tab and newlines" \
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
body = d["incident_updates"][0]["body"]
assert body == "First paragraph, ünïcode.\n\n\"Quoted\", back\\slash,\ttab.", repr(body)' \
    "$T/out"
check_has "JSON output keeps UTF-8 unescaped" "$(cat "$T/out")" "ünïcode"
check_has "JSON output escapes the tab" "$(cat "$T/out")" '\ttab'
expect "show stdin incident (text)" 0 incident show "$STDIN_ID"
check_has "text: paragraphs indented" "$OUT" $'\n\n  "Quoted", back\\slash,\ttab.'

# An empty standard input (or one of white space only) is refused with a
# reason, and nothing is written; an explicit --body '' stays allowed. (A
# database of its own, so the lists below are as they were.)
E=(--db "$T/empty-body.db")
"$OUTPOST" "${E[@]}" init >/dev/null
"$OUTPOST" "${E[@]}" service add dsl --name DSL >/dev/null
EID=$("$OUTPOST" "${E[@]}" incident open --title "Empty bodies" --service dsl --body "First.")
updates_of() { "$OUTPOST" "${E[@]}" incident show "$EID" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["incident_updates"]))'; }
"$OUTPOST" "${E[@]}" incident update "$EID" --body - </dev/null >"$T/out" 2>"$T/err"
check_rc "incident update --body - with empty stdin: exit status" $? 1
check_eq "empty stdin: one line" "$(wc -l <"$T/err")" 1
check_has "empty stdin: says so" "$(cat "$T/err")" "the body on standard input is empty"
printf ' \n\t\n' | "$OUTPOST" "${E[@]}" incident update "$EID" --body - >"$T/out" 2>"$T/err"
check_rc "incident update --body - with only white space: exit status" $? 1
check_has "white space only: says so" "$(cat "$T/err")" "the body on standard input is empty"
"$OUTPOST" "${E[@]}" notice post --title Empty --body - </dev/null >"$T/out" 2>"$T/err"
check_rc "notice post --body - with empty stdin: exit status" $? 1
check_eq "empty stdin: nothing written" "$(updates_of)" 1
"$OUTPOST" "${E[@]}" incident update "$EID" --body '' --status identified >"$T/out" 2>"$T/err"
check_rc "incident update --body '' is still allowed" $? 0
check_eq "--body '': the update is written" "$(updates_of)" 2

# ---- maintenance and notices ---------------------------------------------

expect_id "maintenance schedule" maintenance schedule \
    --title "Mail server reboots" --start 2030-01-05T17:00-05:00 \
    --end 2030-01-05T23:30:00Z --service imap --service smtp \
    --body $'imap1 at 22:00\nimap2 at 22:45' --author "Priya, systems"
MNT=$ID
expect "maintenance show" 0 incident show "$MNT" --json
check_eq "maintenance fields (window converted to UTC)" \
    "$(py "$T/out" '(d["kind"], d["status"], d["impact"], d["scheduled_for"], d["scheduled_until"])')" \
    "('maintenance', 'scheduled', 'maintenance', '2030-01-05T22:00:00Z', '2030-01-05T23:30:00Z')"
expect "maintenance start" 0 maintenance start "$MNT" --body "Rebooting imap1."
expect "service list during maintenance" 0 service list --json
check_eq "service under maintenance" \
    "$(py "$T/out" '(d[2]["status"], d[2]["status_reason"])')" \
    "('under_maintenance', 'maintenance #$MNT')"
expect "maintenance complete" 0 maintenance complete "$MNT" --author Priya
expect "maintenance completed" 0 incident show "$MNT" --json
check_eq "maintenance timeline" \
    "$(py "$T/out" '[u["status"] for u in d["incident_updates"]]')" \
    "['completed', 'in_progress', 'scheduled']"

expect_id "notice post" notice post --title "Phishing warning" \
    --body "We never ask for your password by mail." --author Ruth
NOTICE=$ID
expect "notice show" 0 incident show "$NOTICE" --json
check_eq "notice fields" "$(py "$T/out" '(d["kind"], d["status"])')" \
    "('notice', 'posted')"

# ---- manual service status ----------------------------------------------

expect "service set" 0 service set fibre major_outage
expect "service list after set" 0 service list --json
check_eq "manual status shown" \
    "$(py "$T/out" '(d[1]["status"], d[1]["manual"], d[1]["manual_status"])')" \
    "('major_outage', True, 'major_outage')"
expect "service list text after set" 0 service list
check_has "text list shows major_outage" "$OUT" "major_outage"
expect "service set auto" 0 service set fibre auto
expect "service list after auto" 0 service list --json
check_eq "auto clears the manual status" \
    "$(py "$T/out" '(d[1]["status"], d[1]["manual"])')" "('operational', False)"

# ---- lists ----------------------------------------------------------------

expect "incident list --json" 0 incident list --json
json_parses "incident list --json parses" "$T/out"
# Newest first by the time each is filed under: the maintenance by its
# window, which is ahead.
check_eq "every post listed, newest first" \
    "$(py "$T/out" '[i["id"] for i in d]')" \
    "[$MNT, $NOTICE, $STDIN_ID, $INC2, $INC]"
expect "incident list --open --json" 0 incident list --open --json
check_eq "open posts only" "$(py "$T/out" '[i["id"] for i in d]')" \
    "[$NOTICE, $STDIN_ID, $INC2]"
expect "incident list (text)" 0 incident list
check_has "text list header" "$OUT" "TITLE"
check_has "text list row" "$OUT" "Packet loss in Millbrook"
expect "incident list --open (text)" 0 incident list --open
check_lacks "text --open leaves out resolved" "$OUT" "Packet loss in Millbrook"

# ---- bad input: exit 1, one line, nothing changed -------------------------

snapshot_db "$T/before.json"
expect "unknown command" 1 frobnicate
expect "unknown subcommand" 1 incident frobnicate
expect "missing subcommand" 1 incident
expect "unknown option" 1 incident open --title T --colour red
expect "unknown short option" 1 incident list -x
expect "option of another command" 1 incident list --title T
expect "option missing its value" 1 incident open --title
expect "flag given a value" 1 incident list --json=yes
expect "missing --title" 1 incident open --service dsl --body x
expect "empty --title" 1 incident open --title ""
expect "title with an escape sequence" 1 incident open --title $'a\e[2Jb'
expect "bad status" 1 incident open --title T --status bogus
check_has "bad status: names the valid ones" "$ERR" "investigating"
expect "status of another kind" 1 incident open --title T --status scheduled
expect "bad impact" 1 incident open --title T --impact huge
expect "newline in a bad value stays one line" 1 incident open --title T \
    --status $'bad\nstatus'
expect "unknown service" 1 incident open --title T --service nosuch
check_has "unknown service: named" "$ERR" "nosuch"
expect "update: bad status" 1 incident update "$INC2" --status bogus
expect "update: nothing to change" 1 incident update "$INC2"
expect "update: empty body is no change" 1 incident update "$INC2" --body ""
expect "update of a resolved incident without reopening" 1 \
    incident update "$INC" --body "more"
expect "resolving a maintenance" 1 incident resolve "$MNT"
expect "completing an incident" 1 maintenance complete "$INC2"
expect "starting a notice" 1 maintenance start "$NOTICE"
expect "end before start" 1 maintenance schedule --title M \
    --start 2030-01-01T10:00Z --end 2030-01-01T09:00Z
expect "end equal to start" 1 maintenance schedule --title M \
    --start 2030-01-01T10:00Z --end 2030-01-01T10:00Z
expect "time without a zone" 1 maintenance schedule --title M \
    --start 2030-01-01T10:00 --end 2030-01-01T12:00Z
expect "not a time" 1 maintenance schedule --title M --start tomorrow \
    --end 2030-01-01T12:00Z
expect "missing --end" 1 maintenance schedule --title M \
    --start 2030-01-01T10:00Z
expect "maintenance on an unknown service" 1 maintenance schedule --title M \
    --start 2030-01-01T10:00Z --end 2030-01-01T12:00Z --service nosuch
expect "non-numeric id (show)" 1 incident show abc
expect "non-numeric id (update)" 1 incident update 12x --body y
expect "id zero" 1 incident show 0
expect "negative id" 1 incident resolve -- -3
expect "huge id" 1 incident show 99999999999999999999999
expect "unknown id (show)" 1 incident show 999999
expect "unknown id (update)" 1 incident update 999999 --body x
expect "unknown id (resolve)" 1 incident resolve 999999
expect "unknown id (start)" 1 maintenance start 999999
expect "unknown id (postmortem)" 1 postmortem 999999 --body x
expect "postmortem of a maintenance" 1 postmortem "$MNT" --body x
expect "postmortem without --body" 1 postmortem "$INC"
expect "notice without --body" 1 notice post --title N
expect "missing id" 1 incident show
expect "extra argument" 1 incident show "$INC" "$INC2"
expect "service add without --name" 1 service add newsvc
expect "service add duplicate slug" 1 service add dsl --name Again
expect "service add bad slug" 1 service add "Bad Slug!" --name X
expect "service add bad position" 1 service add newsvc --name X --position abc
expect "service set bad status" 1 service set dsl broken
expect "service set unknown service" 1 service set nosuch major_outage
expect "service set missing status" 1 service set dsl
expect "init --demo on a database with data" 1 init --demo
check_has "init --demo refusal says why" "$ERR" "already has data"
head -c 70000 /dev/zero | tr '\0' a >"$T/big.txt"
"$OUTPOST" --db "$DB" notice post --title Big --body - <"$T/big.txt" \
    >"$T/out" 2>"$T/err"
check_rc "body over 64 KiB on stdin: exit status" $? 1
check_eq "body over 64 KiB: one line" "$(wc -l <"$T/err")" 1
head -c 65536 /dev/zero | tr '\0' b >"$T/max.txt"
snapshot_db "$T/after.json"
check "failed commands left the database unchanged" \
    cmp -s "$T/before.json" "$T/after.json"

# A body of exactly 64 KiB is accepted.
"$OUTPOST" --db "$DB" notice post --title Max --body - <"$T/max.txt" \
    >"$T/out" 2>"$T/err"
check_rc "body of exactly 64 KiB: exit status" $? 0

# ---- two writers at once lose nothing ------------------------------------

expect_id "incident for concurrent updates" incident open --title Busy
BUSY=$ID
writer() {
    local i
    for i in $(seq 1 20); do
        "$OUTPOST" --db "$DB" incident update "$BUSY" --body "$1 $i" \
            >/dev/null 2>>"$T/writer-$1.err" || echo "$1 $i" >>"$T/writer-fail"
    done
}
writer alpha &
wa=$!
writer beta &
wb=$!
wait "$wa" "$wb"
check "no concurrent write failed" test ! -e "$T/writer-fail"
expect "show concurrent incident" 0 incident show "$BUSY" --json
check_eq "all 40 concurrent updates are stored" \
    "$(py "$T/out" 'len(d["incident_updates"])')" 41
check_eq "every body arrived exactly once" \
    "$(py "$T/out" 'sorted(u["body"] for u in d["incident_updates"][:-1]) == sorted([f"{w} {i}" for w in ("alpha","beta") for i in range(1,21)])')" \
    "True"

# ---- the demo ISP ----------------------------------------------------------

DB=$T/demo.db
NOW=1795000000 # 2026-11-18 11:06:40 UTC
export OUTPOST_NOW=$NOW
expect "init --demo on a new database" 0 init --demo
expect "demo: service list" 0 service list --json
json_parses "demo: service list parses" "$T/out"
check "demo: at least 8 services in 3 groups" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) >= 8, len(d)
assert len({s["group"] for s in d if s["group"]}) >= 3
assert all(s["description"] for s in d)' "$T/out"
check_has "demo: open incident shows in service list" \
    "$(py "$T/out" '[s["status_reason"] for s in d]')" "incident #"
expect "demo: incident list" 0 incident list --json
json_parses "demo: incident list parses" "$T/out"
check "demo: content is current and two years deep" python3 -c '
import json, sys
from datetime import datetime, timezone
now = int(sys.argv[2])
def t(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
d = json.load(open(sys.argv[1]))
assert len(d) >= 20, len(d)
inc = [i for i in d if i["kind"] == "incident"]
open_ = [i for i in inc if i["status"] in ("investigating", "identified", "monitoring")]
assert len(open_) == 1, [i["name"] for i in open_]
o = open_[0]
assert len(o["incident_updates"]) >= 3 and 1 <= len(o["components"]) <= 2
assert now - 4 * 3600 < t(o["created_at"]) < now, o["created_at"]
assert all(u["author"] for u in o["incident_updates"])
up = [i for i in d if i["kind"] == "maintenance" and i["status"] == "scheduled"]
assert len(up) == 1 and now < t(up[0]["scheduled_for"]) < t(up[0]["scheduled_until"]) < now + 8 * 86400
notices = [i for i in d if i["kind"] == "notice" and now - t(i["created_at"]) < 7 * 86400]
assert 1 <= len(notices) <= 2, len(notices)
done = [i for i in d if i["status"] in ("resolved", "postmortem", "completed")]
assert len(done) >= 20, len(done)
assert any(i["postmortem_body"] for i in d)
assert any(i["kind"] == "maintenance" and i["status"] == "completed" for i in d)
assert now - min(t(i["created_at"]) for i in d) > 700 * 86400
for i in d:
    ts = [t(u["created_at"]) for u in i["incident_updates"]]
    assert ts == sorted(ts, reverse=True), i["id"]
    assert all(x <= now for x in ts), i["id"]
' "$T/out" "$NOW"
expect "demo: --open list" 0 incident list --open
check_has "demo: --open shows the scheduled maintenance" "$OUT" "scheduled"
cp "$T/out" "$T/demo-before"
expect "init --demo twice is refused" 1 init --demo
expect "demo: unchanged after the refusal" 0 incident list --open
check_eq "demo: --open list identical" "$OUT" "$(cat "$T/demo-before")"

DB=$T/demo2.db
expect "init, then init --demo on the empty database" 0 init
expect "init --demo after init" 0 init --demo
expect "demo is deterministic for a fixed clock" 0 incident list --json
"$OUTPOST" --db "$T/demo.db" incident list --json >"$T/demo1.json" 2>&1
check "same clock, same demo" cmp -s "$T/out" "$T/demo1.json"
unset OUTPOST_NOW

# Per-service windows inside a maintenance window: --service SLUG@START/END.
DB=$T/windows.db
expect "windows: init" 0 init
for s in imap1 imap2 imap3; do expect "windows: add $s" 0 service add "$s" --name "Mailbox server $s"; done
expect_id "windows: schedule with per-server slots" maintenance schedule --title "Reboot mailbox servers" \
    --start 2099-01-20T23:00Z --end 2099-01-21T01:00Z \
    --service imap1@2099-01-20T23:00Z/2099-01-20T23:20Z \
    --service imap2@2099-01-20T23:30:00+00:00/2099-01-20T23:50Z --service imap3
expect "windows: show --json" 0 incident show "$ID" --json
check "windows: each service keeps its own slot" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
comps = {c["slug"] if "slug" in c else c["id"]: c for c in d["components"]}
text = json.dumps(d)
assert "2099-01-20T23:20:00Z" in text and "2099-01-20T23:50:00Z" in text, text
' "$OUT"
expect "windows: a slot outside the window is refused" 1 maintenance schedule --title X \
    --start 2099-01-20T23:00Z --end 2099-01-21T01:00Z --service imap1@2099-01-21T05:00Z/2099-01-21T06:00Z
check_has "windows: says why" "$ERR" "outside the maintenance window"
expect "windows: a malformed slot is refused" 1 maintenance schedule --title X \
    --start 2099-01-20T23:00Z --end 2099-01-21T01:00Z --service imap1@junk
expect "windows: a slot without a zone is refused" 1 maintenance schedule --title X \
    --start 2099-01-20T23:00Z --end 2099-01-21T01:00Z --service imap1@2099-01-20T23:00/2099-01-20T23:20Z

# Export and import: a lossless round trip through files and pipes.
DB=$T/export-a.db
expect "export: init --demo" 0 init --demo
expect "export: show an incident" 0 incident show 1
UPD=$(printf '%s' "$OUT" | grep -o '\[update [0-9]*\]' | head -1 | tr -dc 0-9)
check "export: incident show names its update ids" test -n "$UPD"
expect "update edit replaces the text" 0 update edit "$UPD" --body "Corrected: the fault was in exchange N4."
expect "update edit: show" 0 incident show 1
check_has "update edit: the new text is shown" "$OUT" "Corrected: the fault was in exchange N4."
check_has "update edit: marked as edited" "$OUT" "(edited "
expect "update edit: unknown update" 1 update edit 999999 --body "x"
check_has "update edit: says which" "$ERR" "unknown update 999999"
expect "update edit: empty body refused" 1 update edit "$UPD" --body ""
expect "update edit: --body required" 1 update edit "$UPD"
expect "export to a file" 0 export "$T/a.json"
check "export: the file is JSON" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"] == "outpost-export"' "$T/a.json"
check_has "export: the old text is kept as a revision" "$(cat "$T/a.json")" '"revisions": [{"id": 1'
DB=$T/export-b.db
expect "import into a new database" 0 import "$T/a.json"
expect "export again to stdout" 0 export
printf '%s\n' "$OUT" >"$T/b.json"
check "export -> import -> export is byte-identical" cmp -s "$T/a.json" "$T/b.json"
expect "import into a non-empty database is refused" 1 import "$T/a.json"
check_has "import: says why" "$ERR" "not empty"
DB=$T/export-c.db
sed 's/"kind": "incident"/"kind": "outage"/' "$T/a.json" >"$T/bad.json"
expect "import of a damaged export is refused" 1 import "$T/bad.json"
check_has "import: names the path" "$ERR" "kind: unknown kind 'outage'"
expect "import: a refused import leaves the database empty" 0 incident list --json
check_eq "import: nothing was written" "$OUT" "[]"
DB=$T/export-d.db
"$OUTPOST" --db "$DB" import - <"$T/a.json"
check_rc "import from standard input" $? 0
"$OUTPOST" --db "$DB" export "$T/d.json"
check "import from standard input is lossless too" cmp -s "$T/a.json" "$T/d.json"
expect "import: a missing file" 1 import "$T/no-such.json"

# API tokens: shown once, stored as a hash, listed, revoked.
DB=$T/tokens.db
expect "token: init" 0 init
expect "token add prints the token once" 0 token add noc-bot
TOKEN=$OUT
check "token: op_ and 64 hex digits" python3 -c 'import re,sys; assert re.fullmatch(r"op_[0-9a-f]{64}", sys.argv[1])' "$TOKEN"
check "token: the database does not contain it" sh -c "! grep -q '${TOKEN#op_}' '$DB' '$DB-wal' 2>/dev/null"
expect "token add: a second token" 0 token add monitoring
check "token: tokens differ" test "$OUT" != "$TOKEN"
expect "token add: a taken name" 1 token add noc-bot
check_has "token add: says it is taken" "$ERR" "already exists"
expect "token add: a bad name" 1 token add "Bad Name"
expect "token add: needs a name" 1 token add
# A token that cannot be shown is lost to its owner but would stay valid:
# it is revoked again, and the command fails.
"$OUTPOST" --db "$DB" token add unseen >/dev/full 2>"$T/err"
check_rc "token add to a full stdout: exit status 2" $? 2
check_has "token add to a full stdout: says it was revoked" "$(cat "$T/err")" "it was revoked"
check_has "token add to a full stdout: the token is revoked" "$("$OUTPOST" --db "$DB" token list)" "unseen"
check "token add to a full stdout: listed as revoked" sh -c "'$OUTPOST' --db '$DB' token list | grep unseen | grep -q revoked"
expect "token list" 0 token list
check_has "token list names both" "$OUT" "monitoring"
check_lacks "token list never shows a token" "$OUT" "op_"
expect "token revoke" 0 token revoke noc-bot
expect "token revoke twice" 1 token revoke noc-bot
expect "token revoke unknown" 1 token revoke nobody
expect "token list --json" 0 token list --json
check "token list --json: revoked and valid" python3 -c '
import json, sys
d = {t["name"]: t for t in json.loads(sys.argv[1])}
assert d["noc-bot"]["revoked_at"] is not None and d["monitoring"]["revoked_at"] is None, d' "$OUT"
expect "token: tokens survive export" 0 export "$T/tok.json"
DB=$T/tokens2.db
expect "token: import" 0 import "$T/tok.json"
expect "token: list after import" 0 token list
check_has "token: imported list" "$OUT" "noc-bot"


# A database file changed by other means (the sqlite3 shell, an old or
# damaged file) may hold what the store refuses to write; the terminal
# still gets none of it: a byte that is not UTF-8 (here a lone 0x9b, which
# 8-bit terminals take as CSI) and every C0 and C1 control (ESC, U+009B)
# show as '?'. The JSON stays valid.
DB=$T/tampered.db
expect "tampered: init" 0 init
expect_id "tampered: open" incident open --title Plain --body plain
check "tampered: the file is changed behind the store's back" python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bad = b"A\x9b[2J\x1b[31m\xc2\x9bB"
db.execute("UPDATE incidents SET title = CAST(? AS TEXT)", (bad,))
db.execute("UPDATE updates SET body = CAST(? AS TEXT)", (bad + b"\nline\xff",))
db.commit()' "$DB"
expect "tampered: show" 0 incident show "$ID"
check "tampered: the text is UTF-8 without a control character" python3 -c '
import sys, unicodedata
text = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [hex(ord(c)) for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"]
assert not bad, bad' "$T/out"
check_has "tampered: each one shows as ?" "$OUT" "#$ID A?[2J?[31m?B"
check_has "tampered: also in a body" "$OUT" "  line?"
expect "tampered: show --json" 0 incident show "$ID" --json
json_parses "tampered: the JSON parses" "$T/out"
expect "tampered: incident list" 0 incident list
check_has "tampered: the list row too" "$OUT" " A?[2J?[31m?B"

finish
