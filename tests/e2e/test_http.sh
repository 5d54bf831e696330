# End to end, HTTP: curl, lynx and w3m against the real server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
# A hostile service: markup and an event handler in its name, a javascript:
# URL and an img tag in its description.
"$OUTPOST" --db "$DB" service add xss --name '<b onmouseover="alert(5)">Evil</b> & co' \
    --description "javascript:alert(6) <img src=x onerror=alert(7)> it's" >/dev/null
server_start || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"

# The server rebuilds its pages when the minute turns (the server time on
# them), which changes every ETag. Checks that compare two replies call
# settle first: it waits for a fresh minute when this one is nearly over.
settle() {
    local sec; sec=$(date +%S); sec=${sec#0}
    if [ "$sec" -ge 40 ]; then sleep $((63 - sec)); fi
}

# render BROWSER PATH: the page as lynx or w3m dumps it, on stdout. The
# browser's stderr goes apart, to $T/BROWSER.err, so that an error message is
# never taken for the page; check_quiet then expects that file to be empty.
render() {
    case $1 in
    lynx) TERM=dumb timeout 20 lynx -dump -nolist "$U$2" 2>"$T/lynx.err" ;;
    w3m) timeout 20 w3m -dump "$U$2" 2>"$T/w3m.err" ;;
    esac
}
check_quiet() {
    check_eq "$1 says nothing on stderr for $2" "$(cat "$T/$1.err")" ""
}

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

settle
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

dump=$(render lynx /)
check_quiet lynx /
check_has "lynx -dump shows the incident" "$dump" "Packet loss on DSL North"
check_has "lynx -dump shows a service and its status" "$dump" "DSL North"
dump=$(render lynx "/incidents/$OPEN_ID")
check_quiet lynx "/incidents/$OPEN_ID"
check_has "lynx -dump of an incident shows its timeline" "$dump" "line card in exchange N3"


# Every page: valid HTML5 (strict parser), no script, no javascript: URL.
PY=/usr/bin/python3   # Debian's python, with python3-html5lib and -feedparser
CHECKS=$(dirname "$0")/../tools
pages="/ /help /history /search /search?q=packet+loss /services/dsl /services/dns /services/xss
       /incidents/$OPEN_ID /incidents/$HOSTILE_ID /incidents/$MAINT_ID /incidents/$NOTICE_ID
       /incidents/$RESOLVED_ID /search?q=%22%3E%3Cscript%3Ealert(2)%3C/script%3E /search?q=zebra"
months=$(curl -fsS "$U/history" | grep -o 'href="/history/[0-9-]*"' | cut -d'"' -f2)
month=$(echo "$months" | head -1)
check "history lists a month" test -n "$month"
i=0
for p in $pages $months; do
    i=$((i + 1))
    curl -fsS "$U$p" -o "$T/page$i.html" || fail "GET $p"
done
check "every page is valid HTML5 without scripts ($i pages)" $PY "$CHECKS/check_html.py" "$T"/page*.html
# A second, independent validator: HTML Tidy (Debian's tidy) reports
# unknown or repeated attributes, misnested and unclosed elements as
# warnings; -errors exits 0 only when it has nothing to say.
tidy_all() {
    local f rc=0
    command -v tidy >/dev/null || { echo "tidy is not installed"; return 1; }
    for f in "$@"; do tidy -errors -q "$f" || { echo "in $f"; rc=1; }; done
    return $rc
}
check "every page passes tidy -errors ($i pages)" tidy_all "$T"/page*.html
printf '<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p>a</b></body></html>' >"$T/broken.html"
check "the HTML checker catches a stray end tag" sh -c "! $PY '$CHECKS/check_html.py' '$T/broken.html'"
check "tidy catches a stray end tag" sh -c "! tidy -errors -q '$T/broken.html' 2>/dev/null"

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
check "Atom parses cleanly with feedparser" $PY "$CHECKS/check_feed.py" "$T/feed.atom" atom 5 "$T/feed.rss"
check "RSS parses cleanly with feedparser" $PY "$CHECKS/check_feed.py" "$T/feed.rss" rss 5 "$T/feed.atom"
check_has "feeds are linked as alternates" "$(cat "$T/page1.html")" 'rel="alternate" type="application/atom+xml"'
check_lacks "the feed escapes hostile titles" "$(cat "$T/feed.atom")" "<script>"
ct=$(curl -fsS -o /dev/null -w '%{content_type}' "$U/history.atom")
check_eq "Atom content type" "$ct" "application/atom+xml"

# gzip: compressed once per snapshot, chosen by Accept-Encoding.
settle
curl -fsS -o "$T/plain.html" "$U/"
curl -fsS -H 'Accept-Encoding: gzip' -D "$T/gz.h" -o "$T/gz.body" "$U/"
check_has "gzip: Content-Encoding" "$(cat "$T/gz.h")" "Content-Encoding: gzip"
check_has "gzip: Vary" "$(cat "$T/gz.h")" "Vary: Accept-Encoding"
check "gzip: the body inflates to the page" sh -c "gunzip -c '$T/gz.body' | cmp -s - '$T/plain.html'"
plain=$(curl -fsS -H 'Accept-Encoding: gzip;q=0, identity' -D - -o /dev/null "$U/")
check_lacks "gzip;q=0 means no gzip" "$plain" "Content-Encoding"
c=$(curl -fsS --compressed "$U/history.atom"); c=${c:0:5}
check_eq "curl --compressed reads the feed" "$c" "<?xml"
gzetag=$(tr -d '\r' <"$T/gz.h" | sed -n 's/^ETag: //p')
check_has "the gzip variant has its own ETag" "$gzetag" '-gz"'
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $gzetag" "$U/")
check_eq "If-None-Match with the gzip ETag gives 304" "$code" 304

# w3m renders the pages too.
w=$(render w3m /)
check_quiet w3m /
check_has "w3m -dump shows the incident" "$w" "Packet loss on DSL North"
w=$(render w3m "/incidents/$OPEN_ID")
check_quiet w3m "/incidents/$OPEN_ID"
check_has "w3m -dump shows the timeline" "$w" "line card in exchange N3"

# shown_on PATH: lines of text that the page at PATH, and no error page,
# shows (short, ASCII and within one line, so no browser wraps or recodes
# them). A page with no entry here fails: every page rendered is checked.
shown_on() {
    case $1 in
    /) printf '%s\n' "Packet loss on DSL North" "Open incidents" ;;
    /help) printf '%s\n' "Network status - help" ;;
    /history) printf '%s\n' "January 2099 (1 post)" ;;
    /search) printf '%s\n' "Words to find in titles and updates" ;;
    "/search?q=packet+loss") printf '%s\n' "Results" "Packet loss on DSL North" ;;
    /services/dsl) printf '%s\n' "VDSL in the northern exchanges" "Packet loss on DSL North" ;;
    /services/dns) printf '%s\n' "DNS resolvers" "Resolvers slow to answer" ;;
    /services/xss) printf '%s\n' "Nothing has been posted about this service." ;;
    "/incidents/$OPEN_ID") printf '%s\n' "Incident #$OPEN_ID" "Packet loss on DSL North" ;;
    "/incidents/$HOSTILE_ID") printf '%s\n' "Incident #$HOSTILE_ID" '<script>alert(1)</script> "quoted" & <b>bold</b>' ;;
    "/incidents/$MAINT_ID") printf '%s\n' "Maintenance #$MAINT_ID" "Mail server kernel updates" ;;
    "/incidents/$NOTICE_ID") printf '%s\n' "Notice #$NOTICE_ID" "Ignore the duplicate invoice email" ;;
    "/incidents/$RESOLVED_ID") printf '%s\n' "Incident #$RESOLVED_ID" "A stuck cache process was restarted." ;;
    "/search?q=%22%3E%3Cscript%3Ealert(2)%3C/script%3E") printf '%s\n' '"><script>alert(2)' "No post matches all of those words." ;;
    "/search?q=zebra") printf '%s\n' "zebra" "No post matches all of those words." ;;
    /history/2099-01) printf '%s\n' "History: January 2099" "Mail server kernel updates" ;;
    esac
}

# Every page reads in both text browsers: quiet, the page's own content, the
# server time.
for p in $pages $month; do
    l=$(render lynx "$p")
    check_quiet lynx "$p"
    w=$(render w3m "$p")
    check_quiet w3m "$p"
    check "lynx and w3m render $p" test -n "$l" -a -n "$w"
    wants=$(shown_on "$p")
    check "the page $p has text to look for" test -n "$wants"
    while IFS= read -r want; do
        [ -n "$want" ] || continue
        check_has "lynx shows [$want] on $p" "$l" "$want"
        check_has "w3m shows [$want] on $p" "$w" "$want"
    done <<<"$wants"
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

# ---- every endpoint: its type, validators, caching, conditional GET ----
check "every endpoint: 200, its type, ETag, Last-Modified, max-age, 304 on either validator" \
    python3 - "$U" "$OPEN_ID" "$month" <<'PY'
import sys, urllib.request, urllib.error
base, oid, month = sys.argv[1], sys.argv[2], sys.argv[3]
H, T, J = "text/html; charset=utf-8", "text/plain; charset=utf-8", "application/json"
eps = {"/": H, "/status.txt": T, "/help": H, f"/incidents/{oid}": H,
       f"/incidents/{oid}.txt": T, "/services/dsl": H, "/history": H, month: H,
       "/search?q=dsl": H, "/history.atom": "application/atom+xml",
       "/history.rss": "application/rss+xml"}
for doc in ["summary", "status", "components", "incidents", "incidents/unresolved",
            "scheduled-maintenances", "scheduled-maintenances/upcoming",
            "scheduled-maintenances/active"]:
    eps[f"/api/v2/{doc}.json"] = J
assert len(eps) == 19
def check(path, ctype):
    r = urllib.request.urlopen(base + path)
    h = r.headers
    body = r.read()
    assert r.status == 200, path
    assert h["Content-Type"] == ctype, (path, h["Content-Type"])
    assert int(h["Content-Length"]) == len(body), path
    etag, lm = h["ETag"], h["Last-Modified"]
    assert etag and etag.startswith('"') and etag.endswith('"'), (path, etag)
    assert lm and lm.endswith(" GMT"), (path, lm)
    assert h["Cache-Control"] == "public, max-age=15", (path, h["Cache-Control"])
    assert h["X-Content-Type-Options"] == "nosniff", path
    assert (h["Content-Security-Policy"] is not None) == (ctype == H), path
    for cond in ({"If-None-Match": etag}, {"If-None-Match": '"x", W/' + etag},
                 {"If-Modified-Since": lm}):
        try:
            urllib.request.urlopen(urllib.request.Request(base + path, headers=cond))
            raise AssertionError(f"{path} {cond}: not 304")
        except urllib.error.HTTPError as e:
            assert e.code == 304, (path, cond, e.code)
            assert e.headers["ETag"] == etag and not e.read(), path
    # a stale validator gets the page
    r = urllib.request.urlopen(urllib.request.Request(
        base + path, headers={"If-None-Match": '"stale"'}))
    assert r.status == 200 and r.read() == body, path
# Once more if the pages were rebuilt for a new minute in between.
for path, ctype in eps.items():
    try:
        check(path, ctype)
    except AssertionError:
        check(path, ctype)
PY

# ---- gzip on every page: made once per snapshot, chosen per request ----
check "gzip: every page and feed inflates to its identity body" python3 - "$U" "$OPEN_ID" <<'PY'
import sys, gzip, urllib.request
base, oid = sys.argv[1], sys.argv[2]
def get(path, ae=None, method="GET"):
    req = urllib.request.Request(base + path, method=method,
                                 headers={"Accept-Encoding": ae} if ae else {})
    r = urllib.request.urlopen(req)
    return r.headers, r.read()
def check(path):
    hp, plain = get(path)
    hz, packed = get(path, "gzip")
    assert hz["Content-Encoding"] == "gzip", path
    assert hz["Vary"] == "Accept-Encoding" and hp["Vary"] == "Accept-Encoding", path
    assert int(hz["Content-Length"]) == len(packed) < len(plain), path
    assert gzip.decompress(packed) == plain, path
    assert hz["ETag"] == hp["ETag"][:-1] + '-gz"', (path, hz["ETag"], hp["ETag"])
    # the same bytes every time: compressed once, not per request
    assert get(path, "gzip")[1] == packed, path
    # HEAD: the gzip head, no body
    hh, nothing = get(path, "gzip", "HEAD")
    assert nothing == b"" and hh["Content-Length"] == hz["Content-Length"], path
    assert hh["Content-Encoding"] == "gzip" and hh["ETag"] == hz["ETag"], path
    # refused or not offered: identity
    for ae in ["gzip;q=0", "deflate, br", "identity", "*;q=0"]:
        h, b = get(path, ae)
        assert h["Content-Encoding"] is None and b == plain, (path, ae)
    h, b = get(path, "*;q=0, gzip;q=0.5")
    assert h["Content-Encoding"] == "gzip", path
# Once more if the pages were rebuilt for a new minute in between.
for path in ["/", "/help", "/history", f"/incidents/{oid}", "/services/dsl",
             "/history.atom", "/history.rss", "/api/v2/summary.json"]:
    try:
        check(path)
    except AssertionError:
        check(path)
# a tiny body is never compressed
h, b = get("/api/v2/status.json", "gzip")
assert h["Content-Encoding"] is None, "status.json"
PY
settle
p=$(curl -fsS "$U/")
c=$(curl -fsS --compressed "$U/")
check "curl --compressed reads the summary" test "$c" = "$p"
hd=$(curl -fsSI -H 'Accept-Encoding: gzip' "$U/history.rss" | tr -d '\r')
check_has "HEAD with gzip: Content-Encoding" "$hd" "Content-Encoding: gzip"
ct=$(curl -fsS -o /dev/null -w '%{content_type}' "$U/history.rss")
check_eq "RSS content type" "$ct" "application/rss+xml"

# ---- search: decoded, bounded, validated like a page ----
s=$(curl -fsS "$U/search?q=a%2Bb%26c")
check_has "search decodes %2B and %26" "$s" 'value="a+b&amp;c"'
long=$(head -c 300 /dev/zero | tr '\0' x)
s=$(curl -fsS "$U/search?q=$long")
check_has "an over-long search is refused in words" "$s" "too long"
check_lacks "an over-long search is not echoed" "$s" "xxxxxxxxxxxx"
s=$(curl -fsS "$U/search?q=")
check_lacks "an empty search shows the form alone" "$s" "Results"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/search?q=abc%4")
check_eq "an escape cut short is 400" "$code" 400
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d q=x "$U/search")
check_eq "POST /search is 405" "$code" 405
settle
sh=$(curl -fsS -D - -o /dev/null "$U/search?q=dsl" | tr -d '\r')
setag=$(echo "$sh" | sed -n 's/^ETag: //p')
check "search has an ETag" test -n "$setag"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $setag" "$U/search?q=dsl")
check_eq "search: If-None-Match gives 304" "$code" 304
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $setag" "$U/search?q=mail")
check_eq "search: another query, another ETag" "$code" 200

# ---- hostile service text, on every page and feed that shows it ----
for p in / /services/xss /history.atom /history.rss; do
    b=$(curl -fsS "$U$p")
    check_lacks "hostile service name is not markup on $p" "$b" '<b onmouseover'
    check_lacks "hostile service text has no img on $p" "$b" '<img'
done
b=$(curl -fsS "$U/services/xss")
check_has "hostile service name shown as text" "$b" '&lt;b onmouseover=&quot;alert(5)&quot;&gt;Evil&lt;/b&gt; &amp; co'
check_has "hostile description shown as text" "$b" 'javascript:alert(6) &lt;img src=x onerror=alert(7)&gt; it&#39;s'
w=$(render w3m /services/xss)
check_quiet w3m /services/xss
check_has "w3m shows the hostile name as text" "$w" '<b onmouseover="alert(5)">Evil</b> & co'
check_has "the summary links services to their pages" "$(cat "$T/page1.html")" '<a href="/services/dsl">DSL North</a>'
check_has "every page links both feeds in its navigation" "$(cat "$T/page2.html")" '<a href="/history.rss">RSS</a>'

# ---- protocol: keep-alive, pipelining, HEAD, close, errors ----
check "keep-alive, pipelining, HEAD framing and Connection: close on one socket" \
    python3 - "$HTTP_PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])

def responses(sock, methods):
    """Reads one response per method, framed by Content-Length (none for
    HEAD and 304), and then expects the server to close (5 s at most)."""
    sock.settimeout(5)
    data = b""
    out = []
    def fill(n):
        nonlocal data
        while len(data) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("closed early")
            data += chunk
    for m in methods:
        while b"\r\n\r\n" not in data:
            fill(len(data) + 1)
        head, data = data.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        fields = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
        code = int(lines[0].split()[1])
        n = 0 if m == "HEAD" or code == 304 else int(fields["content-length"])
        fill(n)
        out.append((code, fields, data[:n]))
        data = data[n:]
    return out, data

R = "{} {} HTTP/1.1\r\nHost: x\r\n{}\r\n"
s = socket.create_connection(("127.0.0.1", port))
# Two requests one after the other on one connection: kept open.
s.sendall(R.format("GET", "/status.txt", "").encode())
(first,), rest = responses(s, ["GET"])
assert first[0] == 200 and first[1]["connection"] == "keep-alive" and not rest
s.sendall(R.format("HEAD", "/", "").encode())
(second,), rest = responses(s, ["HEAD"])
assert second[0] == 200 and second[2] == b"" and int(second[1]["content-length"]) > 0
# Five pipelined in one write, the last with Connection: close, and one
# more after it that must never be answered.
reqs = [("GET", "/", ""), ("HEAD", "/history.atom", "Accept-Encoding: gzip\r\n"),
        ("GET", "/nope", ""), ("DELETE", "/", ""),
        ("GET", "/api/v2/status.json", "Connection: close\r\n"),
        ("GET", "/status.txt", "")]
s.sendall("".join(R.format(*r) for r in reqs).encode())
got, rest = responses(s, [r[0] for r in reqs[:5]])
assert [g[0] for g in got] == [200, 200, 404, 405, 200], [g[0] for g in got]
assert got[1][1]["content-encoding"] == "gzip"
assert got[3][1]["allow"] == "GET, HEAD"
assert got[4][1]["connection"] == "close"
assert got[4][2].startswith(b"{")
s.settimeout(5)
assert rest == b"" and s.recv(1) == b"", "the server answered after Connection: close"
s.close()
# HTTP/1.0 without keep-alive: one answer, then the server closes.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /status.txt HTTP/1.0\r\n\r\n")
(g,), rest = responses(s, ["GET"])
assert g[0] == 200 and g[1]["connection"] == "close"
assert rest == b"" and s.recv(1) == b""
s.close()
PY

check "errors: the right status, a short text body, Connection: close" python3 - "$HTTP_PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
cases = [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /incidents/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\n\r\n", 505),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n", 413),
    (b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
]
for req, want in cases:
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    s.sendall(req)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {want} "), (want, lines[0])
    fields = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
    assert fields["content-type"] == "text/plain; charset=utf-8", want
    assert fields["connection"] == "close", want
    assert int(fields["content-length"]) == len(body) and 0 < len(body) < 200, want
    assert body.decode().startswith(str(want)), (want, body)
PY

server_stop
finish
