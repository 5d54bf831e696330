# End to end, search: pages over HTTP (curl, lynx, the HTML checkers) and
# Gopher (curl, lynx, the UMN client), the index after `outpost import`,
# and the caps on searches running and waiting (max_searches,
# search_queue): the busy answers, a loop that keeps serving while every
# search is stuck, and a shutdown with searches waiting.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's python, with python3-html5lib
CHECKS=$(dirname "$0")/../tools

# ---- a history of 260 posts, imported ---------------------------------------

# One resolved incident made with the CLI, exported, and copied 260 times
# with new ids and times by the document's own rules: a real export, not a
# hand-written one.
SEED=$T/seed.db
"$OUTPOST" --db "$SEED" init >/dev/null
"$OUTPOST" --db "$SEED" service add core --name "Core network" >/dev/null
id=$("$OUTPOST" --db "$SEED" incident open --title "seed" --service core \
    --impact minor --body "Looking.")
"$OUTPOST" --db "$SEED" incident resolve "$id" --body "Fixed." >/dev/null
"$OUTPOST" --db "$SEED" export "$T/seed.json"
$PY - "$T/seed.json" "$T/archive.json" <<'PY'
import copy, json, sys
doc = json.load(open(sys.argv[1]))
one = doc["incidents"][0]
t0 = 1700000000
posts, uid = [], 1
for k in range(1, 261):
    p = copy.deepcopy(one)
    t = t0 + 3600 * k
    p["id"] = k
    p["title"] = "Ring outage %d in Millbrook" % k
    for f in ("created_at", "started_at"):
        p[f] = t
    p["updated_at"] = p["resolved_at"] = t + 600
    for j, u in enumerate(p["updates"]):
        u["id"] = uid
        uid += 1
        u["created_at"] = t + 600 * j
    p["updates"][0]["body"] = "Traceroute shows loss at hop %d." % k
    posts.append(p)
doc["incidents"] = posts
json.dump(doc, open(sys.argv[2], "w"))
PY
DB=$T/search.db
"$OUTPOST" --db "$DB" import "$T/archive.json" >/dev/null
check_rc "outpost import of 260 posts" $? 0
check "the import built the search index" $PY - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO search_posts (search_posts, rank) VALUES ('integrity-check', 1)")
db.execute("INSERT INTO search_updates (search_updates, rank) VALUES ('integrity-check', 1)")
n = db.execute("SELECT count(*) FROM search_updates WHERE search_updates MATCH '\"hop\"'").fetchone()[0]
assert n == 260, n
PY

server_start || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"
G="gopher://127.0.0.1:$GOPHER_PORT"
check "the log states the caps on searches" grep -q \
    "searches: at most 2 at once, 32 more waiting" "$T/server.log"

# ---- HTTP: pages linked both ways ------------------------------------------

# posts FILE: the incident ids a page lists, in order.
posts() { grep -o '<li><a href="/incidents/[0-9]*"' "$1" | grep -o '[0-9]*'; }
# link FILE REL: the target of the pager's rel=REL link, &amp; undone.
link() { grep -o "<a href=\"[^\"]*\" rel=\"$2\"" "$1" | cut -d'"' -f2 | sed 's/&amp;/\&/g'; }

curl -fsS "$U/search?q=ring+millbrook" -o "$T/p1.html"
check_eq "page 1: the 100 newest" "$(posts "$T/p1.html" | wc -l)" 100
check_eq "page 1 starts with the newest" "$(posts "$T/p1.html" | head -1)" 260
check "page 1 says there are more" grep -q "The 100 newest matches" "$T/p1.html"
next=$(link "$T/p1.html" next)
check_eq "page 1 links the older matches" "$next" "/search?q=ring%20millbrook&page=2"
# A search answered from the thread pool leaves its keep-alive connection
# reading: the next request on it is answered, on the same connection.
curl -sv "$U/search?q=zzz" "$U/search?q=millbrook" -o /dev/null -o /dev/null \
    >"$T/ka.txt" 2>&1
check "two searches on one keep-alive connection" \
    grep -q "Re-using existing connection" "$T/ka.txt"
check_eq "both answered 200, none retried" \
    "$(grep -c '^< HTTP/1.1 200' "$T/ka.txt") $(grep -c 'Connection died' "$T/ka.txt")" "2 0"
check_eq "page 1 has no newer page" "$(link "$T/p1.html" prev)" ""
curl -fsS "$U$next" -o "$T/p2.html"
check_eq "page 2: the next 100" "$(posts "$T/p2.html" | sed -n '1p;$p' | tr '\n' ' ')" "160 61 "
check "page 2 says which matches" grep -q "Older matches: 101 to 200." "$T/p2.html"
next=$(link "$T/p2.html" next)
curl -fsS "$U$next" -o "$T/p3.html"
check_eq "page 3: the last 60" "$(posts "$T/p3.html" | wc -l)" 60
check_eq "page 3 is the last" "$(link "$T/p3.html" next)" ""
check_eq "every post once, newest first, over the three pages" \
    "$(cat "$T/p1.html" "$T/p2.html" "$T/p3.html" | posts /dev/stdin | tr '\n' ' ')" \
    "$(seq 260 -1 1 | tr '\n' ' ')"
prev=$(link "$T/p3.html" prev)
check_eq "page 3 links back to page 2" "$prev" "/search?q=ring%20millbrook&page=2"
# The same bytes but the server time, which may have turned a minute.
check_eq "back to page 2: the same bytes" \
    "$(curl -fsS "$U$prev" | grep -v '<p class="now">' | md5sum)" \
    "$(grep -v '<p class="now">' "$T/p2.html" | md5sum)"
check_eq "page 2 links back to the first page's own address" \
    "$(link "$T/p2.html" prev)" "/search?q=ring%20millbrook"
curl -fsS "$U/search?q=ring+millbrook&page=4" -o "$T/p4.html"
check "a page past the last says so" grep -q "There are no more matches." "$T/p4.html"
check "the pages are valid HTML5 without scripts" $PY "$CHECKS/check_html.py" "$T"/p[1-4].html
if command -v tidy >/dev/null; then
    for f in "$T"/p[1-4].html; do
        check "tidy -errors: $(basename "$f")" tidy -errors -q "$f"
    done
else
    fail "tidy is installed" "apt-get install tidy"
fi
dump=$(TERM=dumb lynx -dump "$U/search?q=ring+millbrook&page=2" 2>"$T/lynx.err")
check_has "lynx -dump of page 2" "$dump" "Older matches: 101 to 200."
# (lynx shows the %20 of a link as a space)
check_has "lynx -dump of page 2 lists its links" "$dump" "/search?q=ring millbrook&page=3"
check_eq "lynx says nothing on stderr" "$(cat "$T/lynx.err")" ""
etag=$(curl -fsS -D - -o /dev/null "$U$next" | tr -d '\r' | sed -n 's/^ETag: //Ip')
check "page 3 has an ETag" test -n "$etag"
check_eq "page 3: If-None-Match gives 304" \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U$next")" 304
check_eq "page 2 has an ETag of its own" \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/search?q=ring+millbrook&page=2")" 200
for bad in 0 10001 x -1; do
    check_eq "page=$bad is a 400" \
        "$(curl -s -o /dev/null -w '%{http_code}' "$U/search?q=ring&page=$bad")" 400
done
few=$(curl -fsS "$U/search?q=outage+7+millbrook")
check_lacks "a first page of few matches has no pager" "$few" 'class="pager"'
check_has "a first page of few matches lists them" "$few" '<a href="/incidents/7">'

# ---- Gopher: an item to the next page --------------------------------------

curl -fsS "$G/7/search%09ring" -o "$T/g1"
check_eq "Gopher page 1: 50 posts" "$(grep -c $'^0#' "$T/g1")" 50
item=$(grep $'^1Older matches\t' "$T/g1")
check_eq "Gopher page 1: a menu item to page 2" "$item" \
    $'1Older matches\t/search?q=ring&page=2\t127.0.0.1\t'"$GOPHER_PORT"$'\r'
sel=$(printf '%s' "$item" | cut -f2)
curl -fsS "$G/1$sel" -o "$T/g2"
check "Gopher page 2 says which matches" grep -q $'^iOlder matches: 51 to 100\t' "$T/g2"
check_eq "Gopher page 2 starts where page 1 ended" \
    "$(grep -m1 $'^0#' "$T/g2" | cut -f2)" "/incidents/210"
check "Gopher page 2 links back" grep -q $'^1Newer matches\t/search?q=ring\t' "$T/g2"
check "Gopher page 2: four fields a line, then ." $PY -c '
import sys
d = open(sys.argv[1], "rb").read()
assert d.endswith(b"\r\n.\r\n"), d[-20:]
for l in d[:-3].split(b"\r\n")[:-1]:
    assert l.count(b"\t") == 3, l
' "$T/g2"
printf '/search?q=ring&page=6\r\n' | raw "$GOPHER_PORT" >"$T/g6"
check_eq "Gopher page 6: the last 10" "$(grep -c $'^0#' "$T/g6")" 10
check_lacks "Gopher page 6 is the last" "$(cat "$T/g6")" "Older matches	"
dump=$(TERM=dumb lynx -dump "$G/7/search?ring" 2>&1)
check_has "lynx shows the item to page 2" "$dump" "Older matches"
dump=$(TERM=dumb lynx -dump "$G/1$sel" 2>&1)
check_has "lynx follows it" "$dump" "Older matches: 51 to 100"

# The UMN client: search, then the item to the next page.
tmx() { tmux -S "$T/tmux.sock" "$@"; }
pane_has() {
    local i
    for i in $(seq 1 100); do
        tmx capture-pane -p -t umn 2>/dev/null | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    tmx capture-pane -p -t umn 2>/dev/null | head -40
    return 1
}
item_no() {
    tmx capture-pane -p -t umn | grep -F -- "$1" | head -1 | sed -n 's/.*\[\([0-9]*\)\].*/\1/p'
}
if ! command -v gopher >/dev/null || ! command -v tmux >/dev/null; then
    fail "the UMN gopher client and tmux are installed" "apt-get install gopher tmux"
else
    mkdir -p "$T/umnhome"
    tmx new-session -d -s umn -x 100 -y 80 \
        "env TERM=xterm HOME=$T/umnhome timeout 60 gopher 127.0.0.1 $GOPHER_PORT"
    check "UMN: starts" pane_has "Press RETURN to continue"
    tmx send-keys -t umn Enter
    check "UMN: the Gopher+ stub" pane_has "[1]"
    tmx send-keys -t umn Enter
    check "UMN: the search item" pane_has "Search the history <?>"
    tmx send-keys -t umn "$(item_no "Search the history")" Enter
    sleep 1
    tmx send-keys -t umn "ring" Enter
    check "UMN: type-7 search results" pane_has "Search results for: ring"
    # UMN numbers every line of a menu, info lines too, and pages long
    # menus itself: the item is chosen by its line number.
    n=$(grep -n $'^1Older matches' "$T/g1" | cut -d: -f1)
    tmx send-keys -t umn "$n" Enter
    check "UMN: the item to the next page" pane_has "Older matches: 51 to 100"
    check "UMN: page 2 lists its posts" pane_has "Ring outage 210 in Millbrook"
    tmx kill-server 2>/dev/null
fi
server_stop

# ---- the caps: one search at a time, one waiting ----------------------------

# hold_db SECONDS: holds an exclusive lock on the database (SQLite's
# EXCLUSIVE locking mode takes the file from every other connection, WAL or
# not), so that a search that asks the index waits on the worker thread;
# returns once the lock is held. The busy timeout of a search is 5 s.
hold_db() {
    rm -f "$T/held"
    $PY - "$DB" "$1" "$T/held" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode = EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE services SET name = name")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
PY
    HOLDER=$!
    wait_for "the lock" 10 test -e "$T/held" >/dev/null
}
# A word in no post: the first posts read cannot answer it, so the index is
# asked (and the lock is met).
Q=zzzznomatch
server_start --set max_searches=1 --set search_queue=1 || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"
check "the log states the caps" grep -q "searches: at most 1 at once, 1 more waiting" "$T/server.log"
check "the database is held" hold_db 4
# Four searches at once, two over each protocol: one runs, one waits, and
# the other two are told to come back, whatever order they arrive in.
jobs=()
for i in 1 2; do
    curl -s -D "$T/h$i" -o "$T/b$i" --max-time 20 "$U/search?q=$Q" &
    jobs+=($!)
    printf '/search\t%s\r\n' "$Q" | raw "$GOPHER_PORT" >"$T/gs$i" &
    jobs+=($!)
done
sleep 1
t0=$(date +%s%N)
root=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$U/")
t1=$(date +%s%N)
check_eq "the loop serves the front page while every search waits" "$root" 200
check "... at once (not after the searches)" test $(((t1 - t0) / 1000000)) -lt 2500
wait "$HOLDER"
wait "${jobs[@]}"
busy=0 ok=0 http_busy=0
for i in 1 2; do
    if grep -q "^HTTP/1.1 503" "$T/h$i"; then
        busy=$((busy + 1)) http_busy=$((http_busy + 1))
        check "HTTP busy: Retry-After: 1" grep -qi "^Retry-After: 1" "$T/h$i"
    elif grep -q "^HTTP/1.1 200" "$T/h$i" && grep -q "No post matches" "$T/b$i"; then
        ok=$((ok + 1))
    fi
    if grep -q $'^3Too many searches at once, try again shortly\t' "$T/gs$i"; then
        busy=$((busy + 1))
        check_eq "Gopher busy: one error line, then ." "$(wc -l <"$T/gs$i")" 2
    elif grep -q "No post matches" "$T/gs$i"; then
        ok=$((ok + 1))
    fi
done
check_eq "two searches answered, two told to come back" "$ok $busy" "2 2"
check_eq "the access log has each 503" \
    "$(grep -c "^127.0.0.1 - - \[[^]]*\] \"GET /search?q=$Q HTTP/1.1\" 503 " "$T/server.log")" "$http_busy"

# SIGTERM with a search running and one waiting: the waiting one is told
# to come back at once, the running one finishes and is answered, and the
# server exits cleanly.
check "the database is held again" hold_db 3
curl -s -o "$T/run" -w '%{http_code}' --max-time 20 "$U/search?q=$Q" >"$T/run.code" &
R1=$!
sleep 0.5
curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$U/search?q=$Q" >"$T/wait.code" &
R2=$!
sleep 0.5
kill -TERM "$SERVER_PID"
wait "$R2"
check_eq "at shutdown, the waiting search gets 503" "$(cat "$T/wait.code")" 503
wait "$R1"
check_eq "at shutdown, the running search is answered" "$(cat "$T/run.code")" 200
wait "$HOLDER"
# It stops on its own once the last reply is out (a second SIGTERM, as
# server_stop sends, would stop it at once).
for i in $(seq 1 $((SERVER_STOP_S * 10))); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "the server stops after the searches' replies" "$(tail -5 "$T/server.log")"
    server_stop
else
    wait "$SERVER_PID"
    check_rc "the server stops after the searches' replies, exit 0" $? 0
    SERVER_PID=
    if [ "${OUTPOST_VALGRIND:-0}" = 1 ]; then
        check "memory checker clean" sh -c "! cat '$T'/valgrind.* 2>/dev/null | grep -q ."
    fi
fi
finish
