# End to end, maintenance that runs itself, overdue maintenance, and the
# feeds of one service and of the maintenance windows: the real binary, a
# real restart, curl, a raw finger socket, feedparser and python3-icalendar.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's python, with python3-feedparser and -icalendar
CHECKS=$(dirname "$0")/../tools
DB=$T/auto.db
op() { "$OUTPOST" --db "$DB" "$@"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# post ID FIELD: one field of `incident show ID --json`.
post() { op incident show "$1" --json | $PY -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
# updates ID TEXT: how many of the post's updates say TEXT.
updates() {
    op incident show "$1" --json | $PY -c "
import json, sys
d = json.load(sys.stdin)
print(sum(sys.argv[1] in u['body'] for u in d['incident_updates']))" "$2"
}

op init >/dev/null
op service add imap --name "Mailboxes" >/dev/null
op service add web --name "Web hosting" >/dev/null
TOKEN=$(op token add noc-bot)
check_rc "no token may take the name of the server's own updates" \
    "$(op token add schedule >/dev/null 2>&1; echo $?)" 1

# ---- a window a few seconds ahead, the server down across its start ----
server_start
# Far enough ahead for three CLI runs and a stop; under valgrind, which
# is slow to start and to stop, further.
# The window is long enough for the checks made inside it, and "on time"
# allows for valgrind's slowdown there too.
LEAD=6 LEN=7 LATE=2
[ "${OUTPOST_VALGRIND:-0}" = 1 ] && LEAD=30 LEN=40 LATE=10
now=$(date +%s)
START=$((now + LEAD)) END=$((now + LEAD + LEN))
id=$(op maintenance schedule --title "Mailbox reboot" --start "$(iso $START)" \
    --end "$(iso $END)" --service imap --auto-start --auto-complete)
check_eq "scheduled" "$id" 1
check_has "the CLI shows that it runs itself" "$(op incident show 1)" "starts and completes itself"
code=$(curl -s -o "$T/api.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"title\":\"Web move\",\"start\":\"$(iso $START)\",\"end\":\"$(iso $END)\",\"services\":[\"web\"],\"auto_start\":true}" \
    "http://127.0.0.1:$HTTP_PORT/api/v1/maintenances")
check_eq "the API schedules one that starts itself" "$code" 201
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"title\":\"x\",\"start\":\"$(iso $START)\",\"end\":\"$(iso $END)\",\"auto_start\":1}" \
    "http://127.0.0.1:$HTTP_PORT/api/v1/maintenances")
check_eq "auto_start must be a boolean" "$code" 400
check_eq "the JSON says so, as Statuspage names it" "$(post 2 scheduled_auto_in_progress)/$(post 2 scheduled_auto_completed)" "True/False"
server_stop
check "the server was stopped before the window began" test "$(date +%s)" -lt "$START"
check_eq "nothing started while no server ran" "$(post 1 status)" scheduled
# Wait (bounded) until the window has begun, then start the server again.
while [ "$(date +%s)" -le "$START" ]; do sleep 0.2; done
server_start
is_status() { [ "$(post "$1" status)" = "$2" ]; }
check "after the restart, the missed start is made" wait_for started 5 is_status 1 in_progress
check_eq "#1 is in progress" "$(post 1 status)" in_progress
check_eq "#2 (auto_start from the API) is in progress" "$(post 2 status)" in_progress
check_eq "#1 started once, with an update saying so" "$(updates 1 'Started automatically')" 1
check_eq "the update is the server's" "$(op incident show 1 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["incident_updates"][0]["via"])')" schedule
summary=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/api/v2/summary.json")
check_has "summary.json: the service is under maintenance" "$summary" '"status":"under_maintenance"'
# A second server on the same database: both are armed for the end.
read -r h2 g2 f2 <<<"$(free_ports 3)"
"$OUTPOST_BIN" --db "$DB" serve --user root --http "127.0.0.1:$h2" --gopher "127.0.0.1:$g2" \
    --finger "127.0.0.1:$f2" >"$T/server2.log" 2>&1 &
PID2=$!
check "a second server on the same database" wait_port "$h2" 20
check "it completes on time" wait_for completed $((END - $(date +%s) + 8)) is_status 1 completed
resolved=$(op incident show 1 --json | $PY -c "
import json, sys, datetime
d = json.load(sys.stdin)
t = datetime.datetime.strptime(d['resolved_at'][:19], '%Y-%m-%dT%H:%M:%S')
print(int(t.replace(tzinfo=datetime.timezone.utc).timestamp()))")
check "completed within $LATE s of the window's end ($((resolved - END)) s)" \
    test "$resolved" -ge "$END" -a "$resolved" -le $((END + LATE))
sleep 1
check_eq "#1 completed once, by one of the two servers" "$(updates 1 'Completed automatically')" 1
check_eq "and was started once" "$(updates 1 'Started automatically')" 1
check_eq "#2 (no auto_complete) stays in progress" "$(post 2 status)" in_progress
check_has "the server logs what it did" "$(cat "$T/server.log" "$T/server2.log")" "0 started, 1 completed on schedule"
kill -TERM "$PID2"; wait "$PID2"
check_eq "the second server exits 0" "$?" 0

# ---- overdue: a window in the past is never upcoming ----
op maintenance schedule --title "Forgotten window" --start "$(iso $((now - 7200)))" \
    --end "$(iso $((now - 3600)))" --service web >/dev/null
check "the server shows it at once" wait_for overdue 5 \
    sh -c "curl -fsS http://127.0.0.1:$HTTP_PORT/status.txt | grep -q 'Forgotten window'"
U=http://127.0.0.1:$HTTP_PORT
check_lacks "upcoming.json leaves it out" "$(curl -fsS "$U/api/v2/scheduled-maintenances/upcoming.json")" "Forgotten window"
check_lacks "summary.json's scheduled_maintenances leave it out" "$(curl -fsS "$U/api/v2/summary.json")" "Forgotten window"
check_has "scheduled-maintenances.json still lists it" "$(curl -fsS "$U/api/v2/scheduled-maintenances.json")" "Forgotten window"
txt=$(curl -fsS "$U/status.txt")
check_has "status.txt: overdue" "$txt" "Overdue maintenance (window begun, not started)"
check_lacks "status.txt: not upcoming" "$txt" "Upcoming maintenance"
check_has "the HTML page: overdue" "$(curl -fsS "$U/")" '<section id="overdue">'
check_has "Gopher root: overdue" "$(curl -fsS "gopher://127.0.0.1:$GOPHER_PORT/")" "Overdue maintenance"
fm=$(printf 'maintenance\r\n' | raw "$FINGER_PORT")
check_has "finger maintenance: overdue" "$fm" "Overdue (window begun, not started)"
check_has "Gopher /maintenance: overdue" "$(curl -fsS "gopher://127.0.0.1:$GOPHER_PORT/1/maintenance")" "Overdue (window begun"
server_stop

# ---- feeds of one service, and the maintenance calendar (demo data) ----
DB=$T/demo.db
server_start
U=http://127.0.0.1:$HTTP_PORT
for f in atom rss; do
    curl -fsS "$U/services/imap.$f" -o "$T/imap.$f"
    curl -fsS "$U/services/dsl.$f" -o "$T/dsl.$f"
done
check "the service's Atom feed parses cleanly with feedparser" $PY "$CHECKS/check_feed.py" "$T/imap.atom" atom 1 "$T/imap.rss"
check "the service's RSS feed parses cleanly with feedparser" $PY "$CHECKS/check_feed.py" "$T/imap.rss" rss 1 "$T/imap.atom"
check "another service's feeds too" $PY "$CHECKS/check_feed.py" "$T/dsl.atom" atom 1 "$T/dsl.rss"
curl -fsS "$U/history.atom" -o "$T/history.atom"
check "a service's feed holds only its posts" test "$(grep -c '<entry>' "$T/imap.atom")" -lt "$(grep -c '<entry>' "$T/history.atom")"
check_eq "Atom content type" "$(curl -fsS -o /dev/null -w '%{content_type}' "$U/services/imap.atom")" "application/atom+xml"
check_eq "an unknown service has no feed" "$(curl -s -o /dev/null -w '%{http_code}' "$U/services/nope.atom")" 404
e1=$(curl -fsSI "$U/services/imap.atom" | tr -d '\r' | grep -i '^etag:')
e2=$(curl -fsSI "$U/services/imap.atom" | tr -d '\r' | grep -i '^etag:')
check_eq "the cached feed validates alike" "$e1" "$e2"
page=$(curl -fsS "$U/services/imap")
check_has "the service page links its Atom feed" "$page" 'type="application/atom+xml" title="Mailboxes (IMAP and POP3) (Atom)" href="/services/imap.atom"'
check_has "and its RSS feed" "$page" '<a href="/services/imap.rss">RSS</a>'
check_has "its Gopher menu links them" "$(curl -fsS "gopher://127.0.0.1:$GOPHER_PORT/1/services/imap")" "URL:http://127.0.0.1:$HTTP_PORT/services/imap.atom"

curl -fsS "$U/maintenance.ics" -o "$T/m1.ics"
check_eq "ics content type" "$(curl -fsS -o /dev/null -w '%{content_type}' "$U/maintenance.ics")" "text/calendar; charset=utf-8"
check "the ics parses with python3-icalendar" $PY "$CHECKS/check_ics.py" "$T/m1.ics"
$PY "$CHECKS/check_ics.py" "$T/m1.ics" >"$T/m1.txt"
ev=$(grep '^maintenance-28@' "$T/m1.txt")
check_has "one event per window, the demo's upcoming one" "$ev" "maintenance-28@127.0.0.1 0 "
op maintenance start 28 --body "Starting." >/dev/null
check "the ics follows the change" wait_for ics 5 \
    sh -c "curl -fsS $U/maintenance.ics | grep -q '^SEQUENCE:1'"
curl -fsS "$U/maintenance.ics" -o "$T/m2.ics"
check "the changed ics parses" $PY "$CHECKS/check_ics.py" "$T/m2.ics"
check_has "same UID, SEQUENCE bumped" "$($PY "$CHECKS/check_ics.py" "$T/m2.ics")" "maintenance-28@127.0.0.1 1 "
op maintenance complete 28 --body "Done." >/dev/null
check "completed is reflected" wait_for ics 5 \
    sh -c "curl -fsS $U/maintenance.ics | grep -q '^SUMMARY:Completed: '"
curl -fsS "$U/maintenance.ics" -o "$T/m3.ics"
ev=$($PY "$CHECKS/check_ics.py" "$T/m3.ics" | grep '^maintenance-28@')
check_has "same UID, SEQUENCE bumped again" "$ev" "maintenance-28@127.0.0.1 2 "
check_has "and SUMMARY says it is completed" "$ev" "Z CONFIRMED Completed: Mailbox server reboots"
server_stop
finish
