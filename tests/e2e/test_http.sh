# End to end, HTTP: curl and lynx against the real server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
server_start || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"

body=$(curl -fsS "$U/")
check "GET / succeeds" test -n "$body"
check_has "summary names the open incident" "$body" "Packet loss on DSL North"
check_has "summary is HTML5" "$body" "<!DOCTYPE html>"
check_lacks "summary has no script" "$body" "<script"
check_has "summary shows server time" "$body" "Server time"

txt=$(curl -fsS "$U/status.txt")
check_has "status.txt names the incident" "$txt" "Packet loss on DSL North"
check_has "status.txt lists services" "$txt" "IMAP and POP3"
ctype=$(curl -fsS -o /dev/null -w '%{content_type}' "$U/status.txt")
check_has "status.txt is text/plain" "$ctype" "text/plain"

inc=$(curl -fsS "$U/incidents/$OPEN_ID")
check_has "incident page has the latest update" "$inc" "line card in exchange N3"
check_has "incident page has the first update" "$inc" "dropped sessions"
inctxt=$(curl -fsS "$U/incidents/$OPEN_ID.txt")
check_has "incident text twin" "$inctxt" "line card in exchange N3"

json=$(curl -fsS "$U/api/v2/summary.json")
check "summary.json parses and has the v2 shape" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert set(["page", "status", "components", "incidents", "scheduled_maintenances"]) <= set(d)
assert d["status"]["indicator"] in ("none", "minor", "major", "critical"), d["status"]
names = [i["name"] for i in d["incidents"]]
assert "Packet loss on DSL North" in names, names
assert all(isinstance(i["id"], str) for i in d["incidents"])
inc = [i for i in d["incidents"] if i["name"] == "Packet loss on DSL North"][0]
assert inc["status"] == "identified", inc["status"]
assert len(inc["incident_updates"]) == 2
assert inc["incident_updates"][0]["created_at"] >= inc["incident_updates"][1]["created_at"]
assert any(m["name"] == "Mail server kernel updates" for m in d["scheduled_maintenances"])
assert any(c["name"] == "DSL North" and c["status"] != "operational" for c in d["components"])
' "$json"
status=$(curl -fsS "$U/api/v2/status.json")
check "status.json parses" python3 -c '
import json, sys; d = json.loads(sys.argv[1]); assert d["status"]["indicator"] in ("minor","major","critical")' "$status"

code=$(curl -s -o "$T/404" -w '%{http_code}' "$U/no/such/page")
check_eq "unknown path is 404" "$code" 404
check_has "404 has a text body" "$(cat "$T/404")" "Not Found"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$U/")
check_eq "DELETE / is 405" "$code" 405
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/incidents/999999")
check_eq "unknown incident is 404" "$code" 404

head=$(curl -fsSI "$U/status.txt")
check_has "HEAD gives Content-Length" "$head" "Content-Length:"
hb=$(curl -s --head "$U/status.txt" -o /dev/null -w '%{size_download}')
check_eq "HEAD sends no body" "$hb" 0

etag=$(curl -fsSI "$U/" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
check "ETag present" test -n "$etag"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/")
check_eq "If-None-Match gives 304" "$code" 304

reuse=$(curl -sv "$U/status.txt" "$U/api/v2/status.json" -o /dev/null -o /dev/null 2>&1)
check_has "keep-alive: second request reuses the connection" "$reuse" "Re-using existing connection"

# Two pipelined requests in one write, answered in order.
printf 'GET /api/v2/status.json HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /status.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$HTTP_PORT" >"$T/pipe"
check "three pipelined requests answered in order" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
codes = [d[i + 9:i + 12] for i in range(len(d)) if d.startswith(b"HTTP/1.1 ", i)]
assert codes == [b"200", b"404", b"200"], codes
' "$T/pipe"

bad=$(printf 'GARBAGE\r\n\r\n' | raw "$HTTP_PORT")
check_has "malformed request gets 400" "$bad" "HTTP/1.1 400"

dump=$(TERM=dumb lynx -dump -nolist "$U/" 2>&1)
check_has "lynx -dump shows the incident" "$dump" "Packet loss on DSL North"
check_has "lynx -dump shows a service and its status" "$dump" "DSL North"
dump=$(TERM=dumb lynx -dump "$U/incidents/$OPEN_ID" 2>&1)
check_has "lynx -dump of an incident shows its timeline" "$dump" "line card in exchange N3"

server_stop
finish
