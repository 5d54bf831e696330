# End to end: back-dated posts and updates (CLI --at, API "at") and
# `outpost import --merge`, seen in time order on every protocol with real
# clients: curl and lynx for HTTP (a post's page, a month, Atom, the v2
# JSON), curl for Gopher, and the Debian `finger` client, which only speaks
# to port 79: so, as test_finger.sh does, this file runs itself inside a
# private network namespace (unshare -rn) where binding 79 needs no
# privileges and touches no real network.
if [ -z "${OUTPOST_IN_NETNS:-}" ]; then
    exec unshare -rn env OUTPOST_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/lib.sh"
DB=$T/bd.db
op() { "$OUTPOST" --db "$DB" "$@"; }
old() { "$OUTPOST" --db "$T/old.db" "$@"; }

# iso SECONDS_FROM_NOW: an ISO 8601 UTC time that far from the clock.
iso() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

# in_order NAME TEXT NEEDLE...: every needle occurs in TEXT, each after the
# one before it.
in_order() {
    local name=$1 text=$2; shift 2
    if python3 - "$text" "$@" <<'PY'; then pass "$name"; else fail "$name" "$text"; fi
import sys
text, needles = sys.argv[1], sys.argv[2:]
at = -1
for n in needles:
    i = text.find(n)
    if i < 0:
        print("missing: " + n); sys.exit(1)
    if i < at:
        print("out of order: " + n); sys.exit(1)
    at = i
PY
}

op init >/dev/null
op service add core --name "Core network" >/dev/null
op service add dsl --name "DSL" --group Access >/dev/null

# ---- the CLI: --at ----------------------------------------------------------

NOW_ID=$(op incident open --title "Packet loss now" --service dsl --body "Started a minute ago.")
# "at 02:10 we lost the core switch", posted after the fact.
BACK_ID=$(op incident open --title "Core switch lost" --service core --impact critical \
    --at "$(iso -7200)" --body "We lost the core switch.")
check "incident open --at: an id" test -n "$BACK_ID"
check_rc "incident update --at" "$(op incident update "$BACK_ID" --status identified \
    --at "$(iso -6600)" --body "A failed supervisor card."; echo $?)" 0
check_rc "incident resolve --at" "$(op incident resolve "$BACK_ID" --at "$(iso -5400)" \
    --body "The standby card took over."; echo $?)" 0
json=$(op incident show "$BACK_ID" --json)
check_eq "the post is dated when it happened, its updates too" \
    "$(python3 -c '
import json, sys, datetime
d = json.loads(sys.argv[1])
t = lambda s: int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())
now = int(sys.argv[2])
print([round((now - t(d["created_at"])) / 60)] + [round((now - t(u["created_at"])) / 60) for u in d["incident_updates"]] + [round((now - t(d["resolved_at"])) / 60)])' "$json" "$(date +%s)")" \
    "[120, 90, 110, 120, 90]"

op incident open --title "Next year" --at "$(iso 86400)" >"$T/out" 2>"$T/err"
check_rc "--at a day ahead: refused" $? 1
check_has "it says the time is in the future" "$(cat "$T/err")" "is in the future"
op incident update "$NOW_ID" --body "Before it began." --at "$(iso -86400)" >"$T/out" 2>"$T/err"
check_rc "an update before its post: refused" $? 1
check_has "it says so" "$(cat "$T/err")" "is before #$NOW_ID was opened"
op incident update "$BACK_ID" --status investigating --body "x" --at "$(iso -6000)" 2>"$T/err"
check_rc "an update before the latest update: refused" $? 1
check_has "it says updates go in time order" "$(cat "$T/err")" "updates are added in time order"
op incident open --title "No zone" --at 2026-11-23T18:00 2>"$T/err"
check_rc "--at without a zone: refused" $? 1
check_has "it names the option" "$(cat "$T/err")" "--at"
SKEW_ID=$(op notice post --title "Fast clock" --body "Sent from a fast clock." --at "$(iso 120)")
check_rc "--at two minutes ahead is taken" $? 0
check "... as now" python3 -c '
import json, sys, datetime
d = json.loads(sys.argv[1])
t = datetime.datetime.strptime(d["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
sys.exit(0 if t <= int(sys.argv[2]) else 1)' "$(op incident show "$SKEW_ID" --json)" "$(date +%s)"
MAINT_ID=$(op maintenance schedule --title "Core upgrade" --service core --at "$(iso -4000)" \
    --start "$(iso -3600)" --end "$(iso -1800)" --body "Announced late.")
check_rc "maintenance start --at" "$(op maintenance start "$MAINT_ID" --at "$(iso -3600)" >/dev/null; echo $?)" 0
check_rc "maintenance complete --at" "$(op maintenance complete "$MAINT_ID" --at "$(iso -1900)" >/dev/null; echo $?)" 0

# ---- import --merge: an old page's history ----------------------------------

old init >/dev/null
old service add dsl --name "DSL (old page)" >/dev/null
old service add dialup --name "Dial-up" >/dev/null
M1=$(old incident open --title "Dial-up modems down" --service dialup --at 2024-03-05T09:00Z --body "Modem bank B.")
old incident resolve "$M1" --at 2024-03-05T11:00Z --body "Replaced." >/dev/null
M2=$(old incident open --title "DSL sync drops" --service dsl --at 2024-03-20T14:00Z --body "Exchange N2.")
old incident resolve "$M2" --at 2024-03-20T15:30Z --body "Line card reseated." >/dev/null
M3=$(old notice post --title "New support number" --body "Call 555-0100." --at 2024-05-02T08:00Z)
old token add old-bot >/dev/null
old export "$T/old.json"
before=$(op export)

sed 's/"body": "Replaced."/"body": "Replaced.  "/' "$T/old.json" >"$T/bad.json"
op import --merge "$T/bad.json" >"$T/out" 2>"$T/err"
check_rc "import --merge of a faulty document: refused" $? 1
check_eq "it names the JSON path" "$(cat "$T/err")" \
    "outpost: incidents[0].updates[1].body: body has CR line ends or trailing white space"
check_eq "... and wrote nothing" "$(op export)" "$before"
op import "$T/old.json" 2>"$T/err"
check_rc "import without --merge into a store with posts: refused" $? 1
check_has "it points at --merge" "$(cat "$T/err")" "--merge"

out=$(op import --merge "$T/old.json")
check_rc "import --merge" $? 0
LAST=$(op incident list --json | python3 -c 'import json,sys; print(max(i["id"] for i in json.load(sys.stdin)))')
check_eq "it says what it added" "$out" \
    "merged 3 posts as #$((LAST - 2)) to #$LAST; 1 new service"
N1=$((LAST - 2)) N2=$((LAST - 1)) N3=$LAST
svc=$(op service list --json)
check_eq "services matched by slug, the missing one made" \
    "$(python3 -c 'import json,sys; print([(s["slug"], s["name"]) for s in json.loads(sys.argv[1])])' "$svc")" \
    "[('core', 'Core network'), ('dsl', 'DSL'), ('dialup', 'Dial-up')]"
check_eq "no token taken over" "$(op token list --json)" "[]"
check_eq "incident list: newest first by time, whatever the ids" \
    "$(op incident list --json | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin)])')" \
    "[$SKEW_ID, $NOW_ID, $MAINT_ID, $BACK_ID, $N3, $N2, $N1]"

# ---- the write API: "at" ------------------------------------------------------

TOKEN=$(op token add noc-bot)
WANT_FINGER_PORT=79 server_start || { finish; exit 1; }
H="http://127.0.0.1:$HTTP_PORT"
G="gopher://127.0.0.1:$GOPHER_PORT"
api() {
    curl -s -o "$T/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data-binary "$2" "$H/api/v1$1"
    printf ' %s' "$(cat "$T/b")"
}
r=$(api /incidents "{\"title\":\"Fibre cut reported late\",\"services\":[\"dsl\"],\"at\":\"$(iso -10800)\",\"body\":\"A digger.\"}")
check_eq "API: a back-dated post, 201" "${r%% *}" 201
API_ID=$(printf '%s' "${r#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
r=$(api "/incidents/$API_ID/resolve" "{\"at\":\"$(iso -9000)\",\"body\":\"Spliced.\"}")
check_eq "API: a back-dated resolve, 200" "${r%% *}" 200
r=$(api "/incidents/$API_ID/updates" "{\"at\":\"$(iso -20000)\",\"status\":\"investigating\",\"body\":\"x\"}")
check_eq "API: an update before its post, 400" "${r%% *}" 400
check_has "... saying why" "$r" "was opened"
r=$(api /notices "{\"title\":\"t\",\"body\":\"b\",\"at\":\"$(iso 3600)\"}")
check_eq "API: an hour ahead, 400" "${r%% *}" 400
check_has "... in the future" "$r" "is in the future"
r=$(api /notices '{"title":"t","body":"b","at":1795000000}')
check_eq "API: \"at\" as a number, 400" "${r%% *}" 400
r=$(api /notices '{"title":"t","body":"b","at":"yesterday"}')
check_eq "API: \"at\" not a time, 400" "${r%% *}" 400
check_has "... asks for ISO 8601" "$r" "ISO 8601"
served() { curl -fsS "$H/api/v2/incidents.json" | grep -q "Fibre cut reported late"; }
if ms=$(wait_for "api write" 2 served); then pass "the API's back-dated post is served (${ms} ms)"
else fail "the API's back-dated post is served"; fi

# ---- every protocol, in time order -------------------------------------------

# The v2 JSON: recent incidents newest first by time, the merged ones
# (the highest ids) last.
v2=$(curl -fsS "$H/api/v2/incidents.json")
check_eq "v2 incidents.json: by time, not by id" \
    "$(python3 -c 'import json,sys; print([int(i["id"]) for i in json.loads(sys.argv[1])["incidents"]])' "$v2")" \
    "[$NOW_ID, $BACK_ID, $API_ID, $N2, $N1]"
# A post's page: its timeline newest first by the given times.
page=$(curl -fsS "$H/incidents/$BACK_ID")
in_order "HTTP post page: the timeline by time" "$page" \
    "The standby card took over." "A failed supervisor card." "We lost the core switch."
# The month of the old page, newest first, with lynx.
month=$(timeout 20 lynx -dump -nolist "$H/history/2024-03")
in_order "HTTP month 2024-03 (lynx): the merged posts in time order" "$month" \
    "DSL sync drops" "Dial-up modems down"
check_lacks "HTTP month 2024-03: nothing of today" "$month" "Core switch lost"
hist=$(curl -fsS "$H/history")
in_order "HTTP history: the months, newest first" "$hist" "2024-05" "2024-03"
atom=$(curl -fsS "$H/history.atom")
in_order "Atom: entries by time, the merged ones last" "$atom" \
    "/incidents/$NOW_ID<" "/incidents/$MAINT_ID<" "/incidents/$BACK_ID<" "/incidents/$API_ID<" \
    "/incidents/$N3<" "/incidents/$N2<" "/incidents/$N1<"
check "Atom: still XML" python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.argv[1])' "$atom"
# Gopher: the month's menu, and the post's text.
gm=$(curl -fsS "$G/1/history/2024-03")
in_order "Gopher month 2024-03: in time order" "$gm" "DSL sync drops" "Dial-up modems down"
gp=$(curl -fsS "$G/0/incidents/$BACK_ID")
in_order "Gopher post: the timeline by time" "$gp" \
    "The standby card took over." "A failed supervisor card." "We lost the core switch."
groot=$(curl -fsS "$G/1/history")
in_order "Gopher history: the months, newest first" "$groot" "2024-05" "2024-03"
# finger, with the Debian client on port 79.
fh=$(timeout 10 finger "history@127.0.0.1" 2>&1)
in_order "finger history@host: every post by time" "$fh" \
    "Packet loss now" "Core upgrade" "Core switch lost" "Fibre cut reported late" \
    "New support number" "DSL sync drops" "Dial-up modems down"
fp=$(timeout 10 finger -l "$BACK_ID@127.0.0.1" 2>&1)
in_order "finger -l ID@host: the timeline by time" "$fp" \
    "The standby card took over." "A failed supervisor card." "We lost the core switch."

# A back-dated write to a running server moves into its month at once.
op incident open --title "Remembered late" --service core --at 2024-03-12T10:00Z --body "Found in the logs." >/dev/null
in_month() { curl -fsS "$G/1/history/2024-03" | grep -q "Remembered late"; }
if ms=$(wait_for "month" 2 in_month); then pass "a back-dated write joins its month while serving (${ms} ms)"
else fail "a back-dated write joins its month while serving"; fi
gm=$(curl -fsS "$G/1/history/2024-03")
in_order "... in its place by time" "$gm" "DSL sync drops" "Remembered late" "Dial-up modems down"
month=$(curl -fsS "$H/history/2024-03")
in_order "... on HTTP too" "$month" "DSL sync drops" "Remembered late" "Dial-up modems down"

server_stop
finish
