# End to end: the authenticated write API (/api/v1/) with curl.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
TOKEN=$(op token add noc-bot)
OLD=$(op token add old-script)
op token revoke old-script
server_start || { finish; exit 1; }
A="http://127.0.0.1:$HTTP_PORT/api/v1"

# api METHOD PATH JSON [TOKEN]: prints "STATUS BODY"; headers in $T/h.
api() {
    local auth=()
    [ -n "${4-$TOKEN}" ] && auth=(-H "Authorization: Bearer ${4-$TOKEN}")
    curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$1" "${auth[@]}" \
        -H 'Content-Type: application/json' --data-binary "$3" "$A$2"
    printf ' %s' "$(cat "$T/b")"
}

# Opening an incident: 201, Location, the id; served everywhere within 1 s.
r=$(api POST /incidents '{"title":"Power cut at <b>Elm St</b> exchange","services":["dsl","fibre"],"impact":"critical","body":"Mains power lost at 14:02.","author":"Ben, NOC"}')
check_eq "open: 201" "${r%% *}" 201
ID=$(printf '%s' "${r#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check "open: the reply names the id" test -n "$ID"
check_has "open: Location" "$(cat "$T/h")" "Location: http://127.0.0.1:$HTTP_PORT/incidents/$ID"
check_has "open: JSON content type" "$(cat "$T/h")" "Content-Type: application/json"
check_has "open: never cached" "$(cat "$T/h")" "Cache-Control: no-store"
on_http()   { curl -fsS "http://127.0.0.1:$HTTP_PORT/" | grep -q "Power cut at &lt;b&gt;Elm St"; }
on_gopher() { curl -fsS "gopher://127.0.0.1:$GOPHER_PORT/" | grep -q "Power cut at <b>Elm St"; }
on_finger() { printf '%s\r\n' "$ID" | raw "$FINGER_PORT" | grep -q "Mains power lost"; }
for p in http gopher finger; do
    if ms=$(wait_for "$p" 1 "on_$p"); then pass "API write served on $p within 1 s (${ms} ms)"
    else fail "API write served on $p within 1 s"; fi
done
check_lacks "the title is escaped on the page" "$(curl -fsS "http://127.0.0.1:$HTTP_PORT/incidents/$ID")" "<b>Elm St"
check_has "the write records the token's name" "$(op incident show "$ID")" "(via noc-bot)"

# Updates, resolve, postmortem.
r=$(api POST "/incidents/$ID/updates" '{"status":"identified","body":"A breaker tripped; generator running."}')
check_eq "update: 201" "${r%% *}" 201
jget() { printf '%s' "${1#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$2"; }
UPD=$(jget "$r" update_id)
check_eq "update: the reply names the incident" "$(jget "$r" id)" "$ID"
check "update: the reply names the new update" test "$UPD" -gt 0
r=$(api POST "/incidents/$ID/postmortem" '{"body":"Too early."}')
check_eq "postmortem of an open incident: 400" "${r%% *}" 400
check_has "it says to resolve it first" "$r" "is still identified; resolve it before publishing its postmortem"
check_lacks "nothing was published" "$(op incident show "$ID")" "Too early."
r=$(api POST "/incidents/$ID/resolve" '{"body":"Mains power is back."}')
check_eq "resolve: 200" "${r%% *}" 200
check "resolve: the reply names the resolving update" test "$(jget "$r" update_id)" -gt "$UPD"
r=$(api POST "/incidents/$ID/updates" '{"body":"One more thing."}')
check_eq "update of a resolved incident without reopening: 400" "${r%% *}" 400
check_has "it says why" "$r" "reopen"
r=$(api POST "/incidents/$ID/postmortem" '{"body":"The breaker was undersized."}')
check_eq "postmortem: 200" "${r%% *}" 200
check_has "postmortem shows" "$(op incident show "$ID")" "The breaker was undersized."

# Correcting an update's text: its id is the v2 JSON's update id; the old
# text stays as a revision and the page marks the update as edited.
UID_=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/api/v2/incidents.json" | python3 -c '
import json, sys
inc = [i for i in json.load(sys.stdin)["incidents"] if i["id"] == sys.argv[1]][0]
print([u for u in inc["incident_updates"] if u["status"] == "identified"][0]["id"])' "$ID")
check_eq "the update's id in the reply is the v2 JSON's" "$UPD" "$UID_"
r=$(api PUT "/updates/$UPD" '{"body":"A breaker tripped at 14:02; generator running."}')
check_eq "update edit: 200" "${r%% *}" 200
check_has "update edit: the reply names the incident" "$r" "/incidents/$ID\""
check_eq "update edit: the reply names the update" "$(jget "$r" update_id)" "$UPD"
check_has "update edit: the new text" "$(op incident show "$ID")" "at 14:02; generator"
check "update edit: the old text kept as a revision by the token" python3 -c '
import json, sys
d = json.load(sys.stdin)
revs = [r for i in d["incidents"] for u in i["updates"] for r in u["revisions"]]
assert any(r["old_body"] == "A breaker tripped; generator running." and r["via"] == "noc-bot"
           for r in revs), revs' < <(op export -)
edited_page() { curl -fsS "http://127.0.0.1:$HTTP_PORT/incidents/$ID" | grep -q "edited"; }
if ms=$(wait_for edit 1 edited_page); then pass "update edit: marked as edited on the page (${ms} ms)"
else fail "update edit: marked as edited on the page"; fi
r=$(api PUT /updates/999999 '{"body":"x"}')
check_eq "editing an unknown update: 404" "${r%% *}" 404

# Maintenance, notices, services.
r=$(api POST /maintenances '{"title":"Core switch swap","start":"2099-02-01T01:00:00Z","end":"2099-02-01T02:00:00+00:00","services":["dns"],"body":"Brief loss."}')
check_eq "maintenance: 201" "${r%% *}" 201
MID=$(printf '%s' "${r#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
r=$(api POST "/maintenances/$MID/complete" '{}')
check_eq "completing a maintenance that has not started: 400" "${r%% *}" 400
r=$(api POST "/maintenances/$MID/start" '{"body":"Starting."}')
check_eq "maintenance start: 200" "${r%% *}" 200
r=$(api POST "/maintenances/$MID/complete" '{"body":"Done."}')
check_eq "maintenance complete: 200" "${r%% *}" 200
r=$(api POST "/incidents/$MID/resolve" '{}')
check_eq "resolving a maintenance through /incidents: 400" "${r%% *}" 400
r=$(api POST /maintenances '{"title":"Bad","start":"2099-02-01T03:00:00Z","end":"2099-02-01T02:00:00Z"}')
check_eq "maintenance ending before it starts: 400" "${r%% *}" 400
r=$(api POST /maintenances '{"title":"Bad","start":"2099-02-01 03:00","end":"2099-02-01T04:00:00Z"}')
check_has "a time without a zone: 400 with the rule" "$r" "ISO 8601 time with a zone"
# A service with a window of its own inside the maintenance window.
r=$(api POST /maintenances '{"title":"Mailbox reboots","start":"2099-03-01T22:00:00Z","end":"2099-03-02T01:00:00Z","services":["imap",{"slug":"smtp","start":"2099-03-01T23:00:00Z","end":"2099-03-01T23:20:00Z"}]}')
check_eq "maintenance with a per-service window: 201" "${r%% *}" 201
WID=$(printf '%s' "${r#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check_has "the service keeps its own window" "$(op incident show "$WID" --json)" "2099-03-01T23:20:00Z"
r=$(api POST /maintenances '{"title":"Bad","start":"2099-03-01T22:00:00Z","end":"2099-03-02T01:00:00Z","services":[{"slug":"smtp","start":"2099-03-02T05:00:00Z","end":"2099-03-02T06:00:00Z"}]}')
check_eq "a service window outside the maintenance: 400" "${r%% *}" 400
check_has "it says why" "$r" "outside the maintenance window"
r=$(api POST /notices '{"title":"Ignore the test email","body":"It was sent by mistake."}')
check_eq "notice: 201" "${r%% *}" 201
r=$(api PUT /services/dns/status '{"status":"partial_outage"}')
check_eq "service status: 200" "${r%% *}" 200
check_has "service status is set by hand" "$(op service list)" "set by hand"
r=$(api PUT /services/dns/status '{"status":"auto"}')
check_eq "service status back to auto: 200" "${r%% *}" 200
r=$(api POST /services '{"slug":"voip","name":"Telephony","group":"Access"}')
check_eq "service add: 201" "${r%% *}" 201
check_has "service add: Location" "$(cat "$T/h")" "/services/voip"
check_eq "service add: the reply's id is the slug, as in components.json" "$(jget "$r" id)" voip
r=$(api POST /services '{"slug":"voip","name":"Again"}')
check_eq "a taken slug: 409" "${r%% *}" 409

# Refusals: authentication, media type, JSON, fields, routes, methods.
r=$(api POST /incidents '{"title":"x"}' "")
check_eq "no token: 401" "${r%% *}" 401
check_has "401 says how to authenticate" "$(cat "$T/h")" "WWW-Authenticate: Bearer"
check_has "no token: says what is needed" "$r" "an API token is required"
r=$(api POST /incidents '{"title":"x"}' "op_$(printf '0%.0s' $(seq 64))")
check_eq "a wrong token: 401" "${r%% *}" 401
check_has "a wrong token: invalid or revoked" "$r" "invalid or revoked token"
r=$(api POST /incidents '{"title":"x"}' "$OLD")
check_eq "a revoked token: 401" "${r%% *}" 401
check_has "a revoked token: invalid or revoked" "$r" "invalid or revoked token"
r=$(api POST /incidents '{"title":"x"}' "not-a-token")
check_eq "a malformed token: 401" "${r%% *}" 401
check_has "a malformed token: says so" "$r" "malformed token"
code=$(curl -s -o "$T/b" -w '%{http_code}' -X POST -H "Authorization: Basic dXNlcjpwYXNz" \
    -H 'Content-Type: application/json' -d '{}' "$A/incidents")
check_eq "another scheme: 401" "$code" 401
check_has "another scheme: says to use Bearer" "$(cat "$T/b")" "use the Bearer scheme"
# Whitespace after the token is not part of it (RFC 9110 §5.5).
for ws in ' ' $'\t' $' \t '; do
    code=$(curl -s -o "$T/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN$ws" \
        -H 'Content-Type: application/json' -d '{"title":"Spaces","body":"After the token."}' "$A/notices")
    check_eq "a token followed by $(printf '%q' "$ws"): 201" "$code" 201
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' -d 'x' "$A/incidents")
check_eq "not JSON content: 415" "$code" 415
r=$(api POST /incidents '{"title": "x",}')
check_eq "invalid JSON: 400" "${r%% *}" 400
check_has "invalid JSON: says where" "$r" "offset"
r=$(api POST /incidents '{"title": 7}')
check_has "a wrong type: 400 naming the field" "$r" "'title' must be a string"
r=$(api POST /incidents '{"body": "no title"}')
check_has "a missing field: 400" "$r" "'title' is required"
r=$(api POST /incidents '{"title":"x","impact":"apocalyptic"}')
check_has "an unknown enum value: 400" "$r" "unknown value 'apocalyptic'"
r=$(api POST /incidents '{"title":"x","services":["nope"]}')
check_has "an unknown service: 400 from the store" "$r" "unknown service 'nope'"
r=$(api POST /incidents/999999/updates '{"body":"x"}')
check_eq "an unknown incident: 404" "${r%% *}" 404
r=$(api POST /nothing '{}')
check_eq "an unknown endpoint: 404" "${r%% *}" 404
code=$(curl -s -o /dev/null -w '%{http_code}' -D "$T/h" "$A/incidents")
check_eq "GET on a write endpoint: 405" "$code" 405
check_has "405 names the method" "$(cat "$T/h")" "Allow: POST"
big=$(python3 -c 'print("{\"title\":\"x\",\"body\":\"" + "a" * 70000 + "\"}")')
r=$(api POST /incidents "$big")
check_eq "a body over 64 KiB: 413" "${r%% *}" 413
r=$(api POST /incidents '{"title":"Bad\u001b[2J"}')
check_has "control characters in a title: 400" "$r" "control characters"

# Nothing refused was written: the fixture's five posts and the seven the
# API created (incident, two maintenances, notice, and the three notices
# sent with whitespace after the token), no more.
n=$(op incident list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check_eq "refused requests wrote nothing" "$n" 12

# Maintenance updates, and hostile text: escaped on the page, not linked.
r=$(api POST "/maintenances/$MID/updates" '{"body":"Late note."}')
check_eq "an update to a completed maintenance: 400" "${r%% *}" 400
r=$(api POST /incidents '{"title":"\"><script>alert(1)</script>","body":"See javascript:alert(2) and <img src=x onerror=alert(3)> & more."}')
check_eq "hostile text is accepted as text: 201" "${r%% *}" 201
XID=$(printf '%s' "${r#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_for page 2 sh -c "curl -fsS 'http://127.0.0.1:$HTTP_PORT/incidents/$XID' >'$T/x.html'" >/dev/null
page=$(cat "$T/x.html")
check_has "hostile title shown escaped" "$page" "&lt;script&gt;alert(1)&lt;/script&gt;"
check_lacks "no script element from a title" "$page" "<script>alert"
check_lacks "no element from a body" "$page" "<img src=x"
check_lacks "no javascript: link" "$page" 'href="javascript:'
check_lacks "no attribute broken out of" "$page" '""><script'

# Tokens while the server runs: a new one works at once, before the
# snapshot has it (the store is read before a token is refused); a revoked
# one is refused at once; uses are recorded.
NEW=$(op token add late-bot)
r=$(api POST /notices '{"title":"Hello","body":"From late-bot."}' "$NEW")
check_eq "a token just made works at once" "${r%% *}" 201
check_has "its write records its name" "$(op incident show "$(op incident list --json | python3 -c 'import json,sys; print(max(i["id"] for i in json.load(sys.stdin)))')")" "(via late-bot)"
op token revoke late-bot
r=$(api POST /notices '{"title":"Again","body":"x"}' "$NEW")
check_eq "a token revoked while the server runs: 401 at once" "${r%% *}" 401
list=$(op token list)
check_has "token list: noc-bot's last write" "$(printf '%s\n' "$list" | grep '^noc-bot ')" "last used 20"
check_has "token list: old-script never wrote" "$(printf '%s\n' "$list" | grep '^old-script ')" "never used"
check "token list --json: last_used_at" python3 -c '
import json, sys
d = {t["name"]: t for t in json.loads(sys.argv[1])}
assert d["noc-bot"]["last_used_at"].endswith("Z"), d
assert d["old-script"]["last_used_at"] is None, d' "$(op token list --json)"
"$OUTPOST" --db "$DB" token add cli >/dev/null 2>"$T/err"
check_rc "the token name 'cli' is reserved" $? 1
check_has "and says why" "$(cat "$T/err")" "reserved"
server_stop
finish
