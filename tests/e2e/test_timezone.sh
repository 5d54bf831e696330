# End to end: the configured display zone shows on every protocol, next to
# UTC; a bad zone is refused at startup with a clear reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"

"$OUTPOST_BIN" --db "$DB" serve --time-zone Nowhere/Atlantis --http 127.0.0.1:0 >"$T/bad.out" 2>&1
check_rc "an unknown zone is refused" $? 1
check_has "the refusal names the zone" "$(cat "$T/bad.out")" "time_zone 'Nowhere/Atlantis': unknown zone"
"$OUTPOST_BIN" --db "$DB" serve --time-zone ../../etc/passwd --http 127.0.0.1:0 >"$T/bad.out" 2>&1
check_rc "a path is not a zone name" $? 1

# A fixed clock in winter: New York is on EST (UTC-5).
export OUTPOST_NOW=1795000000   # 2026-11-18 11:06:40 UTC
server_start --time-zone America/New_York || { finish; exit 1; }
html=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/")
check_has "HTML: server time in UTC and EST" "$html" "2026-11-18 11:06 UTC (06:06 EST, UTC-05:00)"
txt=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/status.txt")
check_has "text: server time in UTC and EST" "$txt" "2026-11-18 11:06 UTC (06:06 EST, UTC-05:00)"
fin=$(printf 'status\r\n' | raw "$FINGER_PORT")
check_has "finger: server time in UTC and EST" "$fin" "2026-11-18 11:06 UTC (06:06 EST, UTC-05:00)"
gop=$(curl -fsS "gopher://127.0.0.1:$GOPHER_PORT/")
check_has "gopher: server time in UTC and EST" "$gop" "(06:06 EST, UTC-05:00)"
win=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/incidents/$MAINT_ID.txt")
check_has "maintenance window in both clocks" "$win" "2099-01-10 01:00 to 03:00 UTC (2099-01-09 20:00 to 22:00 EST)"
json=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/api/v2/summary.json")
check "JSON: page.time_zone is the IANA name, times stay UTC" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["page"]["time_zone"] == "America/New_York", d["page"]
assert d["page"]["updated_at"].endswith("Z")' "$json"
server_stop
finish
