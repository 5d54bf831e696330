# End to end, Gopher: curl and lynx as clients, raw sockets for the edges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
# The hostile titles of fixture.sh: the CLI refuses them ...
op incident open --service dns --impact minor --title "$FORGE" >/dev/null 2>&1
check_rc "CLI refuses a title forging a menu line" $? 1
op incident open --service dns --impact minor --title "$ESCS" >/dev/null 2>&1
check_rc "CLI refuses a title with terminal escapes" $? 1
# ... so they are written behind its back: the menus must be safe on their own.
plant_hostile_titles "Escapes."
check_eq "hostile titles are in the store" \
    "$(python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("SELECT title FROM incidents WHERE id IN (?, ?) ORDER BY id",
                       (int(sys.argv[2]), int(sys.argv[3]))):
    print(t.encode().hex())
' "$DB" "$FORGE_ID" "$ESC_ID")" \
    "$(printf '%s' "$FORGE" | od -An -tx1 -v | tr -d ' \n')
$(printf '%s' "$ESCS" | od -An -tx1 -v | tr -d ' \n')"
server_start --set read_timeout_ms=1500 || { finish; exit 1; }
G="gopher://127.0.0.1:$GOPHER_PORT"

menu=$(curl -fsS "$G/")
check_has "root menu names the open incident" "$menu" "Packet loss on DSL North"
check "root menu: every line has four fields and CRLF, ends with ." python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b".\r\n"), data[-20:]
lines = data[:-3].split(b"\r\n")
assert lines[-1] == b"", lines[-1]
for l in lines[:-1]:
    assert l.count(b"\t") == 3, l
    assert b"\r" not in l and b"\n" not in l
' <(curl -fsS "$G/")
check_has "root menu advertises the configured host" "$menu" "127.0.0.1	$GOPHER_PORT"

st=$(curl -fsS "$G/0/status.txt")
check_has "type-0 status text" "$st" "IMAP and POP3"
inc=$(curl -fsS "$G/0/incidents/$OPEN_ID")
check_has "type-0 incident with its timeline" "$inc" "line card in exchange N3"
check_has "type-0 incident with its first update" "$inc" "dropped sessions"

dump=$(TERM=dumb lynx -dump "$G/" 2>&1)
check_has "lynx renders the gopher menu" "$dump" "Packet loss on DSL North"
dump=$(TERM=dumb lynx -dump "$G/0/incidents/$OPEN_ID" 2>&1)
check_has "lynx renders a gopher text item" "$dump" "line card in exchange N3"

# The UMN client's Gopher+ opening: a stub pointing at the plain root.
stub=$(printf '\t$\r\n' | raw "$GOPHER_PORT")
check_has "gopher+ root stub, titled like the root" "$stub" "+INFO: 1Network status		127.0.0.1	$GOPHER_PORT"
# bombadillo sends bare LF.
lf=$(printf '/status.txt\n' | raw "$GOPHER_PORT")
check_has "bare LF request" "$lf" "IMAP and POP3"
# A request split over three writes (never assume one read per request).
split=$( { printf '/stat'; sleep 0.3; printf 'us.tx'; sleep 0.3; printf 't\r\n'; sleep 0.5; } | raw "$GOPHER_PORT")
check_has "split request reassembled" "$split" "IMAP and POP3"
# curl's %0D%0A trick: only the first line counts.
inj=$(printf '/nosuch\r\n/status.txt\r\n' | raw "$GOPHER_PORT")
check_has "CRLF injection: first line answered" "$inj" "3"
check_lacks "CRLF injection: second line ignored" "$inj" "IMAP and POP3"
printf '/nosuch\r\n' | raw "$GOPHER_PORT" >"$T/err"
check "unknown selector: one type-3 line then ." python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
lines = d.split(b"\r\n")
assert lines == [lines[0], b".", b""], d
assert lines[0].startswith(b"3") and lines[0].count(b"\t") == 3, d
' "$T/err"
long=$(head -c 2000 /dev/zero | tr '\0' a | raw "$GOPHER_PORT")
check "over-long selector refused with type 3" test "$(printf '%s' "$long" | head -c1)" = 3
eofq=$(printf '/status.txt' | raw "$GOPHER_PORT")
check_has "no newline, then EOF: still answered" "$eofq" "IMAP and POP3"
red=$(printf 'URL:https://example.net/a?b=1&c="x"\r\n' | raw "$GOPHER_PORT")
check_has "URL: selector gives an HTML redirect" "$red" "https://example.net/a?b=1&amp;c=&quot;x&quot;"
js=$(printf 'URL:javascript:alert(1)\r\n' | raw "$GOPHER_PORT")
check_lacks "URL:javascript: is refused" "$js" "href=\"javascript"

# ---- the listing menus (services, posts, history), over raw sockets --------

# menu_ok FILE: a well-formed menu: CRLF lines of exactly four fields (three
# TABs), no control byte anywhere, no item pointing off this server, ".".
cat >"$T/menu_ok.py" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
assert d.endswith(b"\r\n.\r\n"), d[-40:]
lines = d[:-3].split(b"\r\n")
assert lines[-1] == b"", lines[-1]
for l in lines[:-1]:
    assert l.count(b"\t") == 3, l
    assert not any(b < 32 and b != 9 or b == 127 for b in l), l
    t = l[:1]
    sel, host, port = l.split(b"\t")[1:]
    assert t in b"0137ih", l
    assert host != b"evil.example" and not l.startswith(b"1Click"), l
    if t in (b"i", b"3"):
        continue
    assert (host, port) == (b"127.0.0.1", sys.argv[2].encode()), l
PY
# gmenu NAME REQUEST: fetches REQUEST, checks it is a well-formed menu and
# leaves it in $T/NAME.
gmenu() {
    printf '%s' "$2" | raw "$GOPHER_PORT" >"$T/$1"
    check "$1: a well-formed menu" python3 "$T/menu_ok.py" "$T/$1" "$GOPHER_PORT"
}
gmenu root $'\r\n'
root=$(cat "$T/root")
for sel in /services /incidents /maintenance /history /search; do
    check_has "root menu links $sel" "$root" "	$sel	127.0.0.1	$GOPHER_PORT"
done
check "root menu: search is type 7" grep -q $'^7[^\t]*\t/search\t' "$T/root"
check "root menu: h items for the web version and both feeds" python3 -c '
import sys
hs = [l.split(b"\t")[1] for l in open(sys.argv[1], "rb").read().split(b"\r\n")
      if l.startswith(b"h")]
assert all(h.startswith(b"URL:http") for h in hs), hs
assert any(h.endswith(b"/") for h in hs), hs
assert any(h.endswith(b"/history.atom") for h in hs), hs
assert any(h.endswith(b"/history.rss") for h in hs), hs
' "$T/root"
check "root menu: the forged title is the text of one item" python3 -c '
import sys
ls = [l for l in open(sys.argv[1], "rb").read().split(b"\r\n") if b"evil" in l]
assert len(ls) == 1, ls
assert ls[0].startswith(b"0#" + sys.argv[2].encode() + b" x /evil evil.example 70"), ls
assert ls[0].split(b"\t")[1:3] == [b"/incidents/" + sys.argv[2].encode(), b"127.0.0.1"], ls
' "$T/root" "$FORGE_ID"

gmenu services $'/services\r\n'
check_has "services menu links each service" "$(cat "$T/services")" "	/services/dsl	"
check_has "services menu shows a status" "$(cat "$T/services")" "DSL North"
gmenu service $'/services/dsl\r\n'
check_has "service menu: the status" "$(cat "$T/service")" "Status: "
check_has "service menu: its posts as type-0 links" "$(cat "$T/service")" \
    $'\n0#'"$OPEN_ID Packet loss on DSL North	/incidents/$OPEN_ID	"
gmenu service_dns $'/services/dns\n'
check_has "service menu of the hostile posts" "$(cat "$T/service_dns")" "/incidents/$ESC_ID	"
gmenu incidents $'/incidents\r\n'
check_has "open incidents menu" "$(cat "$T/incidents")" "	/incidents/$OPEN_ID	"
check_lacks "open incidents menu leaves resolved ones out" "$(cat "$T/incidents")" \
    "	/incidents/$RESOLVED_ID	"
gmenu maintenance $'/maintenance\r\n'
check_has "maintenance menu: the upcoming window" "$(cat "$T/maintenance")" \
    "	/incidents/$MAINT_ID	"
gmenu history $'/history\r\n'
# The open incident was posted just now, so it is filed under this month.
month=/history/$(date -u +%Y-%m)
check_has "history menu: a type-1 item per month" "$(cat "$T/history")" \
    $'\n1'"$(LC_ALL=C date -u +'%B %Y')"
gmenu month "$month"$'\r\n'
check_has "a month lists its posts" "$(cat "$T/month")" "	/incidents/$OPEN_ID	"
gmenu search $'/search\tpacket LOSS\r\n'
check_has "search: a menu of results" "$(cat "$T/search")" "	/incidents/$OPEN_ID	"
check_lacks "search: only matches" "$(cat "$T/search")" "	/incidents/$MAINT_ID	"
gmenu search_split_safe $'/search\tclick\r\n'
check_has "search finds the forged title, harmless" "$(cat "$T/search_split_safe")" \
    "	/incidents/$FORGE_ID	"
sp=$( { printf '/sear'; sleep 0.2; printf 'ch\tpack'; sleep 0.2; printf 'et\r\n'; sleep 0.5; } | raw "$GOPHER_PORT")
check_has "search split over writes" "$sp" "	/incidents/$OPEN_ID	"
for q in '' '   ' "$(head -c 300 /dev/zero | tr '\0' a)"; do
    printf '/search\t%s\r\n' "$q" | raw "$GOPHER_PORT" >"$T/bad"
    check "search for '${q:0:12}' (${#q} bytes): one type-3 line then ." python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert d.startswith(b"3") and d.endswith(b"\r\n.\r\n") and d.count(b"\r\n") == 2, d
assert d.split(b"\r\n")[0].count(b"\t") == 3, d
assert len(d) < 200, d
' "$T/bad"
done
caps=$(printf '/caps.txt\r\n' | raw "$GOPHER_PORT")
check "caps.txt starts with CAPS" test "${caps:0:6}" = $'CAPS\r\n'
for kv in CapsVersion=1 ExpireCapsAfter=3600 PathDelimeter=/ PathIdentity=. \
    PathParent=.. PathParentDouble=FALSE PathKeepPreDelimeter=FALSE \
    ServerSoftware=outpost ServerDefaultEncoding=utf-8 ServerDescription=; do
    check_has "caps.txt: $kv" "$caps" $'\r\n'"$kv"
done
for id in "$FORGE_ID" "$ESC_ID"; do
    printf '/incidents/%s\r\n' "$id" | raw "$GOPHER_PORT" >"$T/hostile"
    check "type-0 text of hostile post $id: no control bytes, no ESC" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert len(d) > 20, d
assert not any(b < 32 and b not in (10, 13) or b == 127 for b in d), d[:200]
assert b"\n1Click" not in d
' "$T/hostile"
done
dump=$(TERM=dumb lynx -dump "$G/1/services" 2>&1)
check_has "lynx renders the services menu" "$dump" "DSL North"

# A client that never finishes its request is closed at the read deadline
# (1.5 s here): cat sees the server's end of stream.
exec {slow}<>"/dev/tcp/127.0.0.1/$GOPHER_PORT"
printf '/sta' >&$slow
start=$(date +%s%N)
out=$(timeout 8 cat <&$slow)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
exec {slow}>&-
check "idle client closed at the deadline (${ms} ms)" test "$ms" -lt 5000
check_lacks "deadline: the partial request is not served" "$out" "IMAP"

# ---- more edges -------------------------------------------------------------

st=$(printf '/status.txt\r\n' | raw "$GOPHER_PORT")
for q in $'/status.txt\t$' $'/status.txt\t+' $'/status.txt\t!' $'/status.txt\tfoo\tbar'; do
    check_eq "'${q//$'\t'/\\t}': the search field is ignored" \
        "$(printf '%s\r\n' "$q" | raw "$GOPHER_PORT")" "$st"
done
check_eq "bare LF on a menu" "$(printf '/services\n' | raw "$GOPHER_PORT" | md5sum)" \
    "$(printf '/services\r\n' | raw "$GOPHER_PORT" | md5sum)"
check_eq "CRLF injection after a search: the search alone" \
    "$(printf '/search\tpacket\r\n/status.txt\r\n' | raw "$GOPHER_PORT" | md5sum)" \
    "$(printf '/search\tpacket\r\n' | raw "$GOPHER_PORT" | md5sum)"
check "a menu over CRLF injection in the selector: no item of the attacker" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(b"/x\t/evil\tevil.example\t70\r\n1Click\tsel\thost\t70\r\n")
d = b""
while True:
    c = s.recv(4096)
    if not c: break
    d += c
lines = d.split(b"\r\n")
assert lines[1:] == [b".", b""] and lines[0].startswith(b"3"), d
assert lines[0].count(b"\t") == 3, d
' "$GOPHER_PORT"
# 1 KiB+ with no line end while the client waits: refused at once.
check "1500 bytes and no line end: one type-3 line, at once" python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(b"/" + b"b" * 1500)
t0 = time.monotonic()
d = b""
while True:
    c = s.recv(4096)
    if not c: break
    d += c
assert d == b"3Selector too long\t\terror.host\t1\r\n.\r\n", d
assert time.monotonic() - t0 < 1.0
' "$GOPHER_PORT"
# Connecting and sending nothing: closed at the deadline, nothing sent.
exec {slow}<>"/dev/tcp/127.0.0.1/$GOPHER_PORT"
start=$(date +%s%N)
out=$(timeout 8 cat <&$slow)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
exec {slow}>&-
check "silent client closed at the deadline (${ms} ms)" test "$ms" -ge 1000 -a "$ms" -lt 5000
check_eq "silent client: nothing sent" "$out" ""

# ---- real clients on the other menus ----------------------------------------

out=$(curl -fsS "$G/7/search%09packet%20loss")
check_has "curl type 7 (%09): the results menu" "$out" "	/incidents/$OPEN_ID	"
dump=$(TERM=dumb lynx -dump "$G/7/search?packet" 2>&1)
check_has "lynx type 7 (?query): the results" "$dump" "Packet loss on DSL North"
dump=$(TERM=dumb lynx -dump "$G/1/history" 2>&1)
check_has "lynx renders the history menu" "$dump" "$(LC_ALL=C date -u +'%B %Y')"
dump=$(TERM=dumb lynx -dump "$G/1/services/dsl" 2>&1)
check_has "lynx renders a service menu" "$dump" "Packet loss on DSL North"
dump=$(TERM=dumb lynx -dump "$G/0/caps.txt" 2>&1)
check_has "lynx shows caps.txt" "$dump" "CapsVersion=1"
# lynx follows an h item by asking this server for URL:..., and shows the
# page with the link it leads to.
dump=$(TERM=dumb lynx -dump "$G/hURL:https://example.net/x" 2>&1)
check_has "lynx shows the URL: page of this server" "$dump" "This link leads out of Gopherspace to:"
check_has "... and the link it leads to" "$dump" "https://example.net/x"

# ---- the hostile titles on the web side (same server, same snapshot) --------

# Gopher and finger are checked above and in test_finger.sh; the HTML,
# text, feeds and JSON of the same posts must not carry the escapes or
# the forged line either.
for u in / "/incidents/$FORGE_ID" "/incidents/$ESC_ID" "/incidents/$FORGE_ID.txt" \
    "/incidents/$ESC_ID.txt" /status.txt /history.atom /history.rss \
    /api/v2/incidents.json /api/v2/summary.json "/search?q=click"; do
    curl -fsS "http://127.0.0.1:$HTTP_PORT$u" >"$T/web"
    check "HTTP $u: no ESC, BEL or other terminal control" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert len(d) > 50, d
assert not any(b < 32 and b not in (9, 10, 13) or b == 127 for b in d), d[:300]
assert b"\xc2\x9b" not in d and b"\xc2\x9d" not in d, d[:300]
' "$T/web"
done
check "JSON keeps the titles as data, escaped" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {i["id"]: i["name"] for i in d["incidents"]}
assert names[sys.argv[2]] == "x\t/evil\tevil.example\t70\r\n1Click", names[sys.argv[2]]
assert names[sys.argv[3]] == "\x1b]0;pwned\x07\x1b[2J", names[sys.argv[3]]
' <(curl -fsS "http://127.0.0.1:$HTTP_PORT/api/v2/incidents.json") "$FORGE_ID" "$ESC_ID"
curl -fsS "http://127.0.0.1:$HTTP_PORT/" >"$T/web"
check "HTML: the forged title is text inside one element" grep -q \
    "/incidents/$FORGE_ID\">x /evil evil.example 70 *1Click</a>" "$T/web"

# ---- the UMN client -------------------------------------------------------

# It opens with the Gopher+ probe "\t$" and needs the stub to go on; it is
# curses-only, so it runs in a private tmux server and the screen is read.
tmx() { tmux -S "$T/tmux.sock" "$@"; }
# pane_has TEXT: waits up to 10 s for TEXT on the screen.
pane_has() {
    local i
    for i in $(seq 1 100); do
        tmx capture-pane -p -t umn 2>/dev/null | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    tmx capture-pane -p -t umn 2>/dev/null | head -40
    return 1
}
# item_no TEXT: the number UMN shows for the item titled TEXT.
item_no() {
    tmx capture-pane -p -t umn | grep -F -- "$1" | head -1 | sed -n 's/.*\[\([0-9]*\)\].*/\1/p'
}
if ! command -v gopher >/dev/null || ! command -v tmux >/dev/null; then
    fail "the UMN gopher client and tmux are installed" "apt-get install gopher tmux"
else
    mkdir -p "$T/umnhome"
    tmx new-session -d -s umn -x 100 -y 50 \
        "env TERM=xterm HOME=$T/umnhome timeout 60 gopher 127.0.0.1 $GOPHER_PORT"
    # A first start shows a welcome screen; RETURN leaves it.
    check "UMN: starts" pane_has "Press RETURN to continue"
    tmx send-keys -t umn Enter
    check "UMN: the Gopher+ stub is a menu of one item" pane_has "[1]"
    tmx send-keys -t umn Enter
    check "UMN: the root menu after the stub" pane_has "Current status (text)"
    check "UMN: the open incident on the root menu" pane_has "Packet loss on DSL North"
    check "UMN: the search item" pane_has "Search the history <?>"
    check "UMN: the forged title stays one item" python3 -c '
import sys
screen = sys.stdin.read()
assert "evil.example" in screen, screen
assert not any(l.lstrip().startswith("1Click") for l in screen.splitlines()), screen
' < <(tmx capture-pane -p -t umn)
    n=$(item_no "Search the history")
    tmx send-keys -t umn "$n" Enter
    sleep 1
    tmx send-keys -t umn "packet" Enter
    check "UMN: type-7 search results" pane_has "Search results for: packet"
    check "UMN: the result" pane_has "Packet loss on DSL North"
    n=$(item_no "Packet loss on DSL North")
    tmx send-keys -t umn "$n" Enter
    check "UMN: a type-0 item" pane_has "line card in exchange N3"
    tmx kill-server 2>/dev/null
fi

server_stop
finish
