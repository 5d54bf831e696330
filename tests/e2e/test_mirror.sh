# End to end: `outpost mirror`, the static copy, served by real servers.
# nginx serving DIR/http answers what outpost serves live, byte for byte
# (the HTML once its relative links are resolved), gzipped twins too;
# gophernicus (under a private xinetd) serving DIR/gopher answers outpost's
# Gopher replies but for the search item; DIR/finger holds the finger
# replies; lynx walks the copy under a path prefix with no broken link. A
# second run writes nothing, a change rewrites only what it changed, and
# what no view names is removed; a folder that is not a copy is refused.
# --watch refreshes within a bound of a CLI change, --exec runs after it,
# is retried when it fails and holds nothing up while it runs; and nginx
# serves the copy under load while it is refreshed with no failed or cut
# reply. Every server binds 127.0.0.1 on free ports; every wait is bounded.
. "$(dirname "$0")/lib.sh"
CHECK="python3 $(dirname "$0")/mirror_check.py"
LOAD=${OUTPOST_BENCH:-$(cd "$(dirname "$OUTPOST_BIN")/.." && pwd)/bench}/load
for tool in /usr/sbin/nginx /usr/sbin/gophernicus /usr/sbin/xinetd lynx "$LOAD"; do
    command -v "$tool" >/dev/null || { fail "$tool is installed (tools/dev installs it)"; finish; exit 1; }
done
# nginx's workers and gophernicus run as nobody when we are root.
chmod 0755 "$T"
export OUTPOST_NOW=1795000000 # the pages' server time: one minute for both
DB=$T/outpost.db
"$OUTPOST_BIN" --db "$DB" init --demo >/dev/null
read -r NGINX_PORT GN_PORT <<<"$(free_ports 2)"
server_start --set "gopher_public_port=$GN_PORT" || { finish; exit 1; }
M=$T/m
# The mirror gets the server's site settings, so its pages say the same.
SITE=(--http "127.0.0.1:$HTTP_PORT" --gopher "127.0.0.1:$GOPHER_PORT" --finger "127.0.0.1:$FINGER_PORT"
      --hostname 127.0.0.1 --set "gopher_public_port=$GN_PORT")
mirror() { "$OUTPOST" --db "$DB" mirror "${SITE[@]}" "$@"; }

# --- one run -------------------------------------------------------------
out=$(mirror --gzip "$M" 2>&1); rc=$?
check_rc "mirror exits 0" "$rc" 0
check_has "mirror says what it wrote" "$out" "files written, 0 removed"
check "summary, a post, a month, a service as index.html" test -f "$M/http/index.html" -a \
    -f "$M/http/incidents/1/index.html" -a -f "$M/http/history/2026-11/index.html" -a -f "$M/http/services/dsl/index.html"
check_eq "the eight v2 JSON documents and uptime.json" "$(find "$M/http/api/v2" -name '*.json' | wc -l)" 9
check "uptime.json is among them" test -s "$M/http/api/v2/uptime.json"
check "text views, feeds, .gz twins" test -f "$M/http/status.txt" -a -f "$M/http/incidents/1.txt" -a \
    -f "$M/http/history.atom" -a -f "$M/http/history.rss" -a -f "$M/http/index.html.gz"
check "gophermaps and text items" test -f "$M/gopher/gophermap" -a -f "$M/gopher/history/gophermap" -a \
    -f "$M/gopher/incidents/1" -a -f "$M/gopher/status.txt"
check "finger replies" test -f "$M/finger/status.txt" -a -f "$M/finger/W/status.txt" -a -f "$M/finger/1.txt" -a -f "$M/finger/W/1.txt"
check_eq "no executable gophermap, no temporary file left" \
    "$(find "$M" \( -perm /111 -type f \) -o -name '.*.tmp*' | wc -l)" 0
check_lacks "no link to the search in the copy" "$(cat "$M/http/index.html" "$M/gopher/gophermap")" "search"
html=$(cat "$M/http/incidents/1/index.html")
check_has "post page links up relatively" "$html" 'href="../../history/"'
check_lacks "no absolute local link" "$(grep -rho 'href="/[^"]*"' "$M/http" | head -3)" 'href="/'

# --- real servers --------------------------------------------------------
mkdir -p "$T/nginx"
user=""; [ "$(id -u)" = 0 ] && user="user nobody nogroup;"
cat >"$T/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
$user
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/plain text/calendar; # and text/html, always
    gzip off;
    gzip_static on;
    gzip_http_version 1.0;
    gzip_vary on;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $M/http;
        index index.html;
        absolute_redirect off;
        location ~ \.ics$ { types { } default_type text/calendar; } # not in Debian's mime.types
        location /status/ { alias $M/http/; }
    }
}
CONF
/usr/sbin/nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" &
NGINX_PID=$!
cat >"$T/xinetd.conf" <<CONF
defaults
{
    instances = UNLIMITED
    per_source = UNLIMITED
    cps = 1000000 1
    log_on_success =
    log_on_failure =
}
service outpost-mirror-gopher
{
    type = UNLISTED
    port = $GN_PORT
    bind = 127.0.0.1
    socket_type = stream
    protocol = tcp
    wait = no
$([ "$(id -u)" = 0 ] && echo "    user = nobody")
    server = /usr/sbin/gophernicus
    server_args = -h 127.0.0.1 -p $GN_PORT -r $M/gopher -nv -nl -nh -nf -nd -nc -no -nq -ns -na -nt -np -nx -nu
    flags = IPv4 NOLIBWRAP
}
CONF
/usr/sbin/xinetd -f "$T/xinetd.conf" -dontfork -pidfile "$T/xinetd.pid" -filelog "$T/xinetd.log" &
XINETD_PID=$!
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; kill "$NGINX_PID" "$XINETD_PID" ${WATCH_PID:-} 2>/dev/null; rm -rf "$T"' EXIT
check "nginx and gophernicus listen" bash -c ". $(dirname "$0")/lib.sh; wait_port $NGINX_PORT 10 && wait_port $GN_PORT 10"

check "nginx serves every file as outpost serves it live" timeout 300 $CHECK http "$M" "$HTTP_PORT" "$NGINX_PORT"
check "gophernicus serves every menu and item as outpost does" timeout 300 $CHECK gopher "$M" "$GOPHER_PORT" "$GN_PORT"
check "every finger file is outpost's reply" timeout 120 $CHECK finger "$M" "$FINGER_PORT"
check "lynx walks the copy under a prefix (/status/) with no broken link" \
    timeout 600 $CHECK lynx "http://127.0.0.1:$NGINX_PORT/status/"

# --- a second run, a change, what is gone ---------------------------------
stamp() { find "$M" -type f -printf '%p %i %T@\n' | sort; }
before=$(stamp)
out=$(mirror --gzip "$M" 2>&1)
check_has "a second run writes nothing" "$out" " 0 files written, 0 removed"
check_eq "a second run leaves every file as it was (inode, time)" "$(stamp)" "$before"
"$OUTPOST_BIN" --db "$DB" incident open --title "Mirror marker outage" --service dsl --impact minor >/dev/null
new_id=$("$OUTPOST_BIN" --db "$DB" incident list --json | python3 -c 'import json,sys; print(max(i["id"] for i in json.load(sys.stdin)))')
mkdir -p "$M/http/incidents/99999"; echo stale >"$M/http/incidents/99999/index.html"
echo stale >"$M/gopher/.old.tmp123"
out=$(mirror --gzip "$M" 2>&1)
check "the new post is mirrored" grep -q "Mirror marker outage" "$M/http/incidents/$new_id/index.html" "$M/gopher/incidents/$new_id" "$M/finger/$new_id.txt"
check_has "the summary shows it" "$(cat "$M/http/index.html")" "Mirror marker outage"
written=$(printf '%s' "$out" | sed -n 's/.*: \([0-9]*\) files written.*/\1/p')
total=$(find "$M" -type f | wc -l)
check "a change rewrites only some files ($written of $total)" test "$written" -gt 0 -a "$written" -lt $((total / 2))
check "a file no view names is removed, with its folder and a stale temporary" \
    test ! -e "$M/http/incidents/99999" -a ! -e "$M/gopher/.old.tmp123"
out=$(mirror "$M" 2>&1)
check_eq "without --gzip the .gz twins go" "$(find "$M" -name '*.gz' | wc -l)" 0
check_has "and are counted as removed" "$out" "removed"
check "nginx serves the new copy as outpost serves it" timeout 300 $CHECK http "$M" "$HTTP_PORT" "$NGINX_PORT"

mkdir -p "$T/notacopy"; echo keep >"$T/notacopy/precious"
out=$(mirror "$T/notacopy" 2>&1); rc=$?
check_rc "a folder that is not a copy is refused" "$rc" 1
check_eq "and left as it was" "$(ls "$T/notacopy")" precious

# --- --watch and --exec ----------------------------------------------------
# The command fails its first two runs, then appends a line a run.
cat >"$T/exec.sh" <<'SH'
#!/bin/sh
n=$(cat "$1/runs" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$1/runs"
[ "$n" -le 2 ] && exit 1
[ -e "$1/slow" ] && sleep 3
echo "run $n" >>"$1/exec.log"
SH
chmod +x "$T/exec.sh"
"$OUTPOST_BIN" --db "$DB" mirror "${SITE[@]}" --gzip --watch --exec "$T/exec.sh $T" "$M" >"$T/watch.log" 2>&1 &
WATCH_PID=$!
page() { grep -q "$2" "$M/http/$1" 2>/dev/null; }
"$OUTPOST_BIN" --db "$DB" incident open --title "Watched outage one" --service fibre --impact major >/dev/null
if ms=$(wait_for "watch" 3 page index.html "Watched outage one"); then
    pass "--watch: a CLI change is in the copy in ${ms} ms (bound 3 s)"
else fail "--watch: a CLI change is in the copy within 3 s" "$(tail -5 "$T/watch.log")"; fi
if ms=$(wait_for "exec" 10 test -s "$T/exec.log"); then
    pass "--exec ran after two failures, retried (${ms} ms)"
else fail "--exec runs after its failures" "$(tail -5 "$T/watch.log")"; fi
check "the failures are logged with the retry" grep -q -- "--exec exited 1; again in 1 s" "$T/watch.log"
check "and the recovery" grep -q -- "--exec succeeded again" "$T/watch.log"
touch "$T/slow"
"$OUTPOST_BIN" --db "$DB" notice post --title "Watched notice two" --body "Slow exec ahead." >/dev/null
runs_at_least() { [ "$(cat "$T/runs" 2>/dev/null || echo 0)" -ge "$1" ]; }
logged_at_least() { [ "$(wc -l <"$T/exec.log")" -ge "$1" ]; }
wait_for "exec started" 5 runs_at_least 4 >/dev/null
"$OUTPOST_BIN" --db "$DB" notice post --title "Watched notice three" --body "While exec runs." >/dev/null
if ms=$(wait_for "watch while exec" 2 page index.html "Watched notice three"); then
    pass "a refresh is not held up by a running --exec (${ms} ms)"
else fail "a refresh is not held up by a running --exec" "$(tail -5 "$T/watch.log")"; fi
rm -f "$T/slow"
if ms=$(wait_for "exec again" 10 logged_at_least 3); then
    pass "after the slow run, one more for the change made meanwhile (${ms} ms)"
else fail "after the slow run, one more for the change made meanwhile" "$(tail -5 "$T/watch.log")"; fi

# Under load: nginx serves the copy with keep-alive clients while a CLI
# write every 0.2 s makes the watcher rewrite the summary, the JSON and
# the post's pages; not one reply may fail or come short.
open_id=$("$OUTPOST_BIN" --db "$DB" incident list --open --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
printf '200\t-1\t/\n200\t-1\t/api/v2/summary.json\n200\t-1\t/incidents/%s/\n200\t-1\t/history.atom\n200\t-1\t/status.txt\n' \
    "$open_id" >"$T/reqs"
refreshes0=$(grep -c "files written" "$T/watch.log")
( for i in $(seq 1 25); do
      "$OUTPOST_BIN" --db "$DB" incident update "$open_id" --body "Load update $i" >/dev/null; sleep 0.2
  done ) &
WRITER=$!
timeout 30 "$LOAD" -m http -p "$NGINX_PORT" -c 20 -d 6 -t 5000 -H "Accept-Encoding: gzip" "$T/reqs" >"$T/load.out" 2>&1 &
LOADER=$!
timeout 30 $CHECK poll 6 "http://127.0.0.1:$NGINX_PORT/" "http://127.0.0.1:$NGINX_PORT/api/v2/summary.json" \
    "http://127.0.0.1:$NGINX_PORT/incidents/$open_id/" >"$T/poll.out" 2>&1; poll_rc=$?
wait "$LOADER"; wait "$WRITER"
res=$(cat "$T/load.out")
refreshes=$(($(grep -c "files written" "$T/watch.log") - refreshes0))
check "the copy was refreshed under the load ($refreshes times)" test "$refreshes" -ge 5
check_has "the load generator finished" "$res" "requests="
check_has "no failed or cut reply under load ($(printf '%s' "$res" | grep -o 'requests=[0-9]*'))" "$res" " errors=0 "
check_rc "every polled page whole, every JSON whole ($(tail -1 "$T/poll.out"))" "$poll_rc" 0
wait_for "last" 3 page index.html "Load update 25" >/dev/null
check "the copy holds the last write" grep -q "Load update 25" "$M/http/incidents/$open_id/index.html"

kill -TERM "$WATCH_PID"
if wait_for "watch exit" 10 bash -c "! kill -0 $WATCH_PID 2>/dev/null" >/dev/null; then
    wait "$WATCH_PID"; check_rc "--watch exits 0 on SIGTERM" "$?" 0
else fail "--watch exits on SIGTERM within 10 s"; kill -9 "$WATCH_PID"; fi
WATCH_PID=
check_eq "no temporary file left" "$(find "$M" -name '.*.tmp*' | wc -l)" 0
kill "$NGINX_PID" "$XINETD_PID" 2>/dev/null
wait "$NGINX_PID" "$XINETD_PID" 2>/dev/null
server_stop
finish
