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


# Every page: valid HTML5 (strict parser), no script, no javascript: URL.
PY=/usr/bin/python3   # Debian's python, with python3-html5lib and -feedparser
CHECKS=$(dirname "$0")/../tools
pages="/ /help /history /search /search?q=packet+loss /services/dsl /services/dns
       /incidents/$OPEN_ID /incidents/$HOSTILE_ID /incidents/$MAINT_ID /incidents/$NOTICE_ID"
month=$(curl -fsS "$U/history" | grep -o 'href="/history/[0-9-]*"' | head -1 | cut -d'"' -f2)
check "history lists a month" test -n "$month"
i=0
for p in $pages $month; do
    i=$((i + 1))
    curl -fsS "$U$p" -o "$T/page$i.html" || fail "GET $p"
done
check "every page is valid HTML5 without scripts ($i pages)" $PY "$CHECKS/check_html.py" "$T"/page*.html
printf '<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p>a</b></body></html>' >"$T/broken.html"
check "the HTML checker catches a stray end tag" sh -c "! $PY '$CHECKS/check_html.py' '$T/broken.html'"

# XSS attempts are escaped, in pages and feeds.
h=$(curl -fsS "$U/incidents/$HOSTILE_ID")
check_lacks "title markup is escaped" "$h" "<script>alert"
check_has "title shows as text" "$h" "&lt;script&gt;alert(1)&lt;/script&gt;"
check_lacks "no injected img element" "$h" "<img src=x"
check_lacks "no javascript: link" "$h" 'href="javascript'
check_has "the https URL is a link that stops at the quote" "$h" 'href="https://example.net/a?b=1&amp;c='
s=$(curl -fsS "$U/search?q=%22%3E%3Cscript%3Ealert(2)%3C/script%3E")
check_lacks "search echoes the query escaped" "$s" "<script>alert(2)"
check_has "search echoes the query in the form" "$s" "&quot;&gt;&lt;script&gt;alert(2)"

# Services, history, search.
svc=$(curl -fsS "$U/services/dsl")
check_has "service page: status and why" "$svc" "incident #$OPEN_ID"
check_has "service page: its posts" "$svc" "Packet loss on DSL North"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/services/nope")
check_eq "unknown service is 404" "$code" 404
found=$(curl -fsS "$U/search?q=LINE+card")
check_has "search finds an update's words, any case" "$found" "Packet loss on DSL North"
none=$(curl -fsS "$U/search?q=zebra+unicorn")
check_has "search without results says so" "$none" "No post matches"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/search?q=%zz")
check_eq "a malformed escape in the query is 400" "$code" 400
hist=$(curl -fsS "$U$month")
check_has "a month page links back to all months" "$hist" 'href="/history"'

# Feeds: a real feed parser, both formats, linked from every page.
curl -fsS "$U/history.atom" -o "$T/feed.atom"
curl -fsS "$U/history.rss" -o "$T/feed.rss"
check "Atom parses cleanly with feedparser" $PY "$CHECKS/check_feed.py" "$T/feed.atom" atom 5
check "RSS parses cleanly with feedparser" $PY "$CHECKS/check_feed.py" "$T/feed.rss" rss 5
check_has "feeds are linked as alternates" "$(cat "$T/page1.html")" 'rel="alternate" type="application/atom+xml"'
check_lacks "the feed escapes hostile titles" "$(cat "$T/feed.atom")" "<script>"
ct=$(curl -fsS -o /dev/null -w '%{content_type}' "$U/history.atom")
check_eq "Atom content type" "$ct" "application/atom+xml"

# gzip: compressed once per snapshot, chosen by Accept-Encoding.
curl -fsS -H 'Accept-Encoding: gzip' -D "$T/gz.h" -o "$T/gz.body" "$U/"
check_has "gzip: Content-Encoding" "$(cat "$T/gz.h")" "Content-Encoding: gzip"
check_has "gzip: Vary" "$(cat "$T/gz.h")" "Vary: Accept-Encoding"
check "gzip: the body inflates to the page" sh -c "gunzip -c '$T/gz.body' | cmp -s - '$T/page1.html'"
plain=$(curl -fsS -H 'Accept-Encoding: gzip;q=0, identity' -D - -o /dev/null "$U/")
check_lacks "gzip;q=0 means no gzip" "$plain" "Content-Encoding"
c=$(curl -fsS --compressed "$U/history.atom" | head -c 5)
check_eq "curl --compressed reads the feed" "$c" "<?xml"
gzetag=$(tr -d '\r' <"$T/gz.h" | sed -n 's/^ETag: //p')
check_has "the gzip variant has its own ETag" "$gzetag" '-gz"'
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $gzetag" "$U/")
check_eq "If-None-Match with the gzip ETag gives 304" "$code" 304

# w3m renders the pages too.
w=$(w3m -dump "$U/" 2>&1)
check_has "w3m -dump shows the incident" "$w" "Packet loss on DSL North"
w=$(w3m -dump "$U/incidents/$OPEN_ID" 2>&1)
check_has "w3m -dump shows the timeline" "$w" "line card in exchange N3"

# Every page reads in both text browsers: no empty dump, the page's heading.
for p in $pages $month; do
    l=$(TERM=dumb lynx -dump -nolist "$U$p" 2>&1)
    w=$(w3m -dump "$U$p" 2>&1)
    check "lynx and w3m render $p" test -n "$l" -a -n "$w"
    check_has "lynx shows the server time on $p" "$l" "Server time"
    check_has "w3m shows the server time on $p" "$w" "Server time"
done

# The Statuspage v2 documents carry exactly the documented fields.
check "v2 JSON: the documented fields of every object" python3 - "$U" <<'PY'
import json, sys, urllib.request
base = sys.argv[1] + "/api/v2/"
def get(p):
    return json.load(urllib.request.urlopen(base + p))
PAGE = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT = {"id", "name", "status", "created_at", "updated_at", "position",
             "description", "showcase", "start_date", "group_id", "page_id",
             "group", "only_show_if_degraded"}
INCIDENT = {"id", "name", "status", "impact", "created_at", "updated_at",
            "started_at", "monitoring_at", "resolved_at", "shortlink",
            "page_id", "incident_updates", "components"}
UPDATE = {"id", "incident_id", "status", "body", "created_at", "updated_at",
          "display_at", "affected_components", "deliver_notifications",
          "custom_tweet", "tweet_id"}
MAINT = INCIDENT | {"scheduled_for", "scheduled_until"}
def has(obj, keys, what):
    missing = keys - set(obj)
    assert not missing, f"{what} lacks {missing}"
s = get("summary.json")
assert set(s) == {"page", "status", "components", "incidents",
                  "scheduled_maintenances"}, set(s)
has(s["page"], PAGE, "page")
assert set(s["status"]) == {"indicator", "description"}
for c in s["components"]:
    has(c, COMPONENT, "component")
    assert isinstance(c["id"], str) and isinstance(c["position"], int)
    assert ("components" in c) == c["group"], c
for i in s["incidents"]:
    has(i, INCIDENT, "incident")
    assert i["status"] in ("investigating", "identified", "monitoring")
    for u in i["incident_updates"]:
        has(u, UPDATE, "incident_update")
for m in s["scheduled_maintenances"]:
    has(m, MAINT, "scheduled_maintenance")
    assert m["impact"] == "maintenance"
for doc, key in [("components.json", "components"), ("incidents.json", "incidents"),
                 ("incidents/unresolved.json", "incidents"),
                 ("scheduled-maintenances.json", "scheduled_maintenances"),
                 ("scheduled-maintenances/upcoming.json", "scheduled_maintenances"),
                 ("scheduled-maintenances/active.json", "scheduled_maintenances")]:
    d = get(doc)
    assert set(d) == {"page", key}, (doc, set(d))
    has(d["page"], PAGE, doc + " page")
assert set(get("status.json")) == {"page", "status"}
times = [i["updated_at"] for i in get("incidents.json")["incidents"]]
assert all(t.endswith("Z") for t in times), times
PY

server_stop
finish
