# End to end: what operators and customers ran into in daily use, each
# checked with real clients (curl for HTTP and Gopher, socat for finger).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
NONE_ID=$(op incident open --title "Router reboot, no effect expected" --service fibre --impact none \
    --body "A planned reboot of a redundant router.")
# An update with pasted command output (a traceroute with a tab, a small
# table) between lines of prose.
TRACE_ID=$(op incident open --title "Packet loss towards the west" --service fibre --impact minor --body - <<'EOF2'
The path from the core to the west edge, as we see it now:
 1  core1.example.net (10.0.0.1)  0.41 ms  0.38 ms
 2  edge-w.example.net (10.0.4.1)  9.80 ms	12.1 ms

link     loss   errors
xe-0/1   4.2%   1893
We are replacing the optics on xe-0/1, which should take about an hour from now.
EOF2
)
server_start || { finish; exit 1; }
H="http://127.0.0.1:$HTTP_PORT"
G="gopher://127.0.0.1:$GOPHER_PORT"

# An incident of impact none is "no impact" everywhere, as on the text
# views: never "none impact".
page=$(curl -fsS "$H/")
check_has "HTML summary: no impact" "$page" "Investigating, no impact, since"
check_lacks "HTML summary: never 'none impact'" "$page" "none impact"
for f in history.atom history.rss; do
    feed=$(curl -fsS "$H/$f")
    check_has "$f: no impact" "$feed" "no impact"
    check_lacks "$f: never 'none impact'" "$feed" "none impact"
done
menu=$(curl -fsS "$G/1/incidents")
check_has "Gopher menu: no impact" "$menu" "Investigating - no impact - since"
check_lacks "Gopher menu: never 'none impact'" "$menu" "none impact"
txt=$(curl -fsS "$H/status.txt")
check_lacks "status.txt: never 'none impact'" "$txt" "none impact"
fin=$(printf 'status\r\n' | raw "$FINGER_PORT")
check_lacks "finger: never 'none impact'" "$fin" "none impact"

# A scheduled maintenance was announced, not started, when it was posted:
# the HTML says so like the text views.
mpage=$(curl -fsS "$H/incidents/$MAINT_ID")
check_has "HTML maintenance: Announced" "$mpage" "<dt>Announced</dt>"
check_lacks "HTML maintenance: not Started" "$mpage" "<dt>Started</dt>"
check_has "text maintenance (long form): Announced" "$(printf '/W %s\r\n' "$MAINT_ID" | raw "$FINGER_PORT")" "Announced: "

# Preformatted lines keep their columns on every text protocol, the same
# bytes on each (the tab expanded to the next multiple of 8), and prose is
# still wrapped; HTML puts them in <pre>.
want_pre=(
    "   1  core1.example.net (10.0.0.1)  0.41 ms  0.38 ms"
    "   2  edge-w.example.net (10.0.4.1)  9.80 ms      12.1 ms" # the tab: column 42 to 48
    "  link     loss   errors"
    "  xe-0/1   4.2%   1893"
)
txt=$(curl -fsS "$H/incidents/$TRACE_ID.txt")
gph=$(curl -fsS "$G/0/incidents/$TRACE_ID" | tr -d '\r')
fin=$(printf '%s\r\n' "$TRACE_ID" | raw "$FINGER_PORT" | tr -d '\r')
for l in "${want_pre[@]}"; do
    check_has "HTTP text keeps [$l]" "$txt" "$l"
    check_has "Gopher keeps [$l]" "$gph" "$l"
    check_has "finger keeps [$l]" "$fin" "$l"
done
check_has "prose is still wrapped" "$txt" $'  We are replacing the optics on xe-0/1, which should take about an hour\n  from now.'
check_eq "Gopher sends the text view's bytes" "$gph" "$(printf '%s' "$txt")"
html=$(curl -fsS "$H/incidents/$TRACE_ID")
check_has "HTML: the traceroute in <pre>" "$html" "<pre> 1  core1.example.net (10.0.0.1)  0.41 ms  0.38 ms
 2  edge-w.example.net (10.0.4.1)  9.80 ms      12.1 ms</pre>"
check_has "HTML: the table in <pre>" "$html" "<pre>link     loss   errors
xe-0/1   4.2%   1893</pre>"
check_has "HTML: prose in a paragraph" "$html" "<p>We are replacing the optics"
check_has "lynx shows the columns" "$(curl -fsS "$H/incidents/$TRACE_ID" | lynx -stdin -dump -width=100 2>/dev/null)" "1  core1.example.net (10.0.0.1)  0.41 ms  0.38 ms"

# A no-break space after ". " spaces two words; where a wrap lands there
# the next line is indented like any other (two spaces, not three).
NB_ID=$(op incident open --title "Spacing" --service dns --impact minor \
    --body "$(printf 'Mail is slow for customers on the old mail platform. We look into it. \xc2\xa0Next update in an hour.')")
nb_served() { printf '%s\r\n' "$NB_ID" | raw "$FINGER_PORT" | grep -q "Next update"; }
wait_for nb 5 nb_served >/dev/null
fin=$(printf '%s\r\n' "$NB_ID" | raw "$FINGER_PORT" | tr -d '\r')
check_has "finger: the wrapped line starts with two spaces" "$fin" $'\n  Next update in an hour.'
check_lacks "finger: not three" "$fin" $'\n   Next update'

# page.id names the page: two servers on one host (two ports) have two
# ids, each the same across a restart; page_id sets it.
pid_of() { curl -fsS "http://127.0.0.1:$1/api/v2/status.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["page"]["id"])'; }
ID1=$(pid_of "$HTTP_PORT")
FIRST_PORT=$HTTP_PORT
server_stop
DB2=$T/second.db
"$OUTPOST" --db "$DB2" init >/dev/null
DB=$DB2 server_start || { finish; exit 1; }
ID2=$(pid_of "$HTTP_PORT")
check "two pages on one host: two ids" test "$ID1" != "$ID2"
server_stop
WANT_HTTP_PORT=$FIRST_PORT server_start || { finish; exit 1; }
check_eq "the same page after a restart: the same id" "$(pid_of "$HTTP_PORT")" "$ID1"
server_stop
server_start --set page_id=noc-main || { finish; exit 1; }
check_eq "page_id sets it" "$(pid_of "$HTTP_PORT")" noc-main
server_stop

# Help pages and menus link only protocols that are served, at their public
# address. With HTTP off: no web links anywhere, nothing at port 0.
read -r GP FP <<<"$(free_ports 2)"
"$OUTPOST_BIN" --db "$DB" serve --user root --http off --gopher "127.0.0.1:$GP" --finger "127.0.0.1:$FP" \
    --hostname status.example.net >"$T/off.log" 2>&1 &
SERVER_PID=$!
if wait_port "$GP" 20 && wait_port "$FP" 5; then
    fh=$(printf 'help\r\n' | raw "$FP" | tr -d '\r')
    check_lacks "HTTP off: finger help names no web address" "$fh" "http://"
    check_lacks "HTTP off: nothing at port 0" "$fh" ":0/"
    check_has "HTTP off: finger help still has Gopher" "$fh" "gopher://status.example.net:$GP/"
    fs=$(printf 'status\r\n' | raw "$FP" | tr -d '\r')
    check_lacks "HTTP off: the finger summary names no web address" "$fs" "http://"
    gm=$(curl -fsS "gopher://127.0.0.1:$GP/")
    check_lacks "HTTP off: no Web version in the Gopher menu" "$gm" "Web version"
    check_lacks "HTTP off: no URL: item" "$gm" "URL:http"
else
    fail "server with --http off starts" "$(tail -5 "$T/off.log")"
fi
server_stop

# Public URLs per protocol: the Gopher and finger links name them, and the
# Gopher menus advertise the public Gopher host and port; finger off is
# never linked.
read -r HTTP_PORT GOPHER_PORT <<<"$(free_ports 2)"
"$OUTPOST_BIN" --db "$DB" serve --user root --http "127.0.0.1:$HTTP_PORT" --gopher "127.0.0.1:$GOPHER_PORT" \
    --finger off --hostname status.example.net --base-url https://status.example.net \
    --set public_gopher_url=gopher://gopher.example.net:7070 >"$T/pub.log" 2>&1 &
SERVER_PID=$!
wait_port "$HTTP_PORT" 20 && wait_port "$GOPHER_PORT" 5 || fail "server with finger off starts" "$(tail -5 "$T/pub.log")"
hp=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/")
check_has "HTML footer: the public Gopher URL" "$hp" 'href="gopher://gopher.example.net:7070/"'
check_lacks "HTML footer: finger is off" "$hp" "finger status@"
ht=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/help.txt")
check_has "help: Gopher at its public URL" "$ht" "lynx gopher://gopher.example.net:7070/"
check_has "help: gopher client at its public host and port" "$ht" "gopher gopher.example.net 7070"
check_lacks "help: no finger section when finger is off" "$ht" "finger status@"
check_has "help: web links at the base URL" "$ht" "curl https://status.example.net/status.txt"
gm=$(curl -fsS "gopher://127.0.0.1:$GOPHER_PORT/")
check_has "Gopher menu items: the public host and port" "$gm" $'\tgopher.example.net\t7070'
check_has "Gopher menu: Web version at the base URL" "$gm" "URL:https://status.example.net/"
server_stop
"$OUTPOST_BIN" --db "$DB" serve --set public_gopher_url=http://x >/dev/null 2>"$T/err"
check_rc "a public_gopher_url of the wrong scheme is refused" $? 1
check_has "it says what is expected" "$(cat "$T/err")" "gopher://HOST[:PORT]"
finish
