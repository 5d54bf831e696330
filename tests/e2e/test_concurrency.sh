# End to end: two CLIs write at once while the server serves a steady
# stream of readers; nothing is lost, every write is acknowledged only when
# durable, and the server shows the final state on every protocol.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
server_start || { finish; exit 1; }
N=15

A=$(op incident open --title "Concurrency A" --service dsl --body "start A")
B=$(op incident open --title "Concurrency B" --service fibre --body "start B")

writer() { # incident, tag
    local i rc=0
    for i in $(seq 1 $N); do
        op incident update "$1" --body "$2 update $i" >/dev/null 2>>"$T/writer-$2.err" || rc=1
    done
    return $rc
}
reader() { # keeps reading until the writers are done; counts non-200s
    local bad=0
    while [ ! -e "$T/done" ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/api/v2/summary.json")
        [ "$code" = 200 ] || bad=$((bad + 1))
        printf 'status\r\n' | raw "$FINGER_PORT" >/dev/null || bad=$((bad + 1))
    done
    echo "$bad" >"$T/reader.bad"
}
reader &
rpid=$!
writer "$A" A & wa=$!
writer "$B" B & wb=$!
wait "$wa"; rca=$?
wait "$wb"; rcb=$?
touch "$T/done"
wait "$rpid"
check_rc "writer A: every command acknowledged" "$rca" 0
check_rc "writer B: every command acknowledged" "$rcb" 0
check_eq "readers never failed while writes ran" "$(cat "$T/reader.bad")" 0

count() { op incident show "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["incident_updates"]))'; }
check_eq "incident A has all its updates" "$(count "$A")" $((N + 1))
check_eq "incident B has all its updates" "$(count "$B")" $((N + 1))

served() { curl -fsS "http://127.0.0.1:$HTTP_PORT/api/v2/incidents/unresolved.json" | python3 -c '
import json, sys
want = int(sys.argv[1])
d = json.load(sys.stdin)
n = [len(i["incident_updates"]) for i in d["incidents"] if i["name"].startswith("Concurrency")]
sys.exit(0 if n == [want, want] else 1)' $((N + 1)); }
if ms=$(wait_for served 3 served); then pass "the server shows every update (${ms} ms after the last)"; else fail "the server shows every update"; fi
last=$(printf '%s\r\n' "$A" | raw "$FINGER_PORT")
check_has "finger shows the last update of A" "$last" "A update $N"
server_stop
finish
