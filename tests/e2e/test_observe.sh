# End to end: what an operator watches. The access log (combined log
# format, read by goaccess and by a strict parser of the documented
# grammar; buffered, not a write per request; SIGHUP reopens it; off
# writes none), levels on standard error (the journal's "<N>" prefixes when
# JOURNAL_STREAM names it), refusals counted and logged at most once a
# second per cause, and GET /metrics checked by promtool. No timing is
# asserted beyond "at most one summary line a second".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
VG=${OUTPOST_VALGRIND:-0}
ALOG=$T/access.log
MPORT=$(free_port)
M="http://127.0.0.1:$MPORT/metrics"

# metric NAME{LABELS}: the value of one sample of the last scrape ($T/m).
metric() { awk -v k="$1" '$1 == k { print $2 }' "$T/m"; }
scrape() { curl -s --max-time 5 -o "$T/m" -w '%{http_code}' "$M"; }
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# has_lines FILE N: FILE has at least N lines (for wait_for).
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }

TOKEN=$(op token add obs-bot)
server_start --set access_log="$ALOG" --set metrics="127.0.0.1:$MPORT" || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"

# --- the access log --------------------------------------------------------
INJECT='x" 200 1 "-" "evil'
size=$(curl -s -o /dev/null --max-time 5 -w '%{size_download}' -A "$INJECT" -e "http://ref.example/a\"b" "$U/status.txt")
curl -s -o /dev/null --max-time 5 "$U/no/such/page"
curl -s -o /dev/null --max-time 5 -I "$U/"
curl -s -o "$T/g.out" --max-time 5 "gopher://127.0.0.1:$GOPHER_PORT/"
gsize=$(wc -c <"$T/g.out")
printf '/x"\x1b[31m\r\n' | raw "$GOPHER_PORT" >/dev/null
printf 'status\r\n' | raw "$FINGER_PORT" >"$T/f.out"
fsize=$(wc -c <"$T/f.out")
if wait_for "six lines" 5 has_lines "$ALOG" 6 >/dev/null; then pass "access_log: a line per reply reaches the file"
else fail "access_log: a line per reply reaches the file" "$(cat "$ALOG" 2>&1)"; fi
check_lacks "access_log: request lines stay out of the event log" "$(cat "$T/server.log")" "status.txt"
if python3 "$TOOLS/access_log.py" "$ALOG" >"$T/parsed" 2>"$T/parse.err"; then
    pass "access_log: every line is the documented combined format (strict parse)"
else fail "access_log: every line is the documented combined format (strict parse)" "$(cat "$T/parse.err")"; fi
field() { # N KEY: field KEY of line N of the strict parse
    python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])[sys.argv[3]])' "$T/parsed" "$1" "$2"
}
check_eq "HTTP: the request line" "$(field 1 request)" "GET /status.txt HTTP/1.1"
check_eq "HTTP: status and body bytes (as curl counted them)" "$(field 1 status) $(field 1 bytes)" "200 $size"
check_eq "HTTP: the user agent, quotes and all, is one field" "$(field 1 agent)" "$INJECT"
check_eq "HTTP: the referer" "$(field 1 referer)" 'http://ref.example/a"b'
check_eq "HTTP: a missing page is a 404 line" "$(field 2 request) $(field 2 status)" "GET /no/such/page HTTP/1.1 404"
check_eq "HTTP: HEAD sends no body: bytes -" "$(field 3 request) $(field 3 bytes)" "HEAD / HTTP/1.1 -"
check_eq "Gopher: protocol and selector, bytes of the whole reply" \
    "$(field 4 request)|$(field 4 status)|$(field 4 bytes)|$(field 4 agent)" "gopher |200|$gsize|-"
check_eq "Gopher: a selector with a quote and an escape sequence, unescaped" \
    "$(field 5 request) $(field 5 status)" $'gopher /x"\x1b[31m 404'
check_eq "finger: protocol and query, bytes of the reply" "$(field 6 request)|$(field 6 status)|$(field 6 bytes)" \
    "finger status|200|$fsize"
check "access_log: no raw control byte or quote from a peer in the file" \
    python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(any(b < 32 and b != 10 or b > 126 for b in d) or b"\\x1b[31m" not in d)' "$ALOG"

# goaccess, a log analyser that reads the combined format as Apache and
# nginx write it, reads every line, and the statuses and bytes we sent.
if timeout 30 goaccess "$ALOG" --log-format=COMBINED --no-global-config -o "$T/report.json" >"$T/goaccess.out" 2>&1; then
    report=$(python3 - "$T/report.json" "$T/parsed" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["general"]
rows = [json.loads(l) for l in open(sys.argv[2]) if '"host"' in l]
codes = json.load(open(sys.argv[1]))["status_codes"]["data"]
n404 = sum(i["hits"]["count"] for c in codes for i in c["items"] if i["data"].startswith("404"))
print(g["total_requests"], g["valid_requests"], g["failed_requests"], g["bandwidth"],
      len(rows), sum(int(r["bytes"]) for r in rows if r["bytes"] != "-"), n404)
PY
)
    read -r total valid failed bw nrows nbytes n404 <<<"$report"
    check_eq "goaccess: every line is a valid request, none failed" "$total $valid $failed" "$nrows $nrows 0"
    check_eq "goaccess: the bytes add up to the log's" "$bw" "$nbytes"
    check_eq "goaccess: the two 404s" "$n404" 2
else fail "goaccess reads the log" "$(tail -5 "$T/goaccess.out")"; fi

# Buffered: 41 pipelined requests, answered in one loop iteration, reach
# the file in at most a few write(2) calls, not 41 (strace counts them).
piped=0
if [ "$VG" != 1 ]; then
    piped=41
    afd=$(for f in /proc/"$SERVER_PID"/fd/*; do [ "$(readlink "$f")" = "$ALOG" ] && basename "$f"; done | head -1)
    timeout 20 strace -qq -p "$SERVER_PID" -e trace=write -e signal=none -o "$T/strace.out" &
    st_pid=$!
    wait_for "strace attached" 5 grep -q 'TracerPid:[[:space:]]*[1-9]' /proc/"$SERVER_PID"/status >/dev/null
    before=$(lines "$ALOG")
    { for i in $(seq 1 40); do printf 'GET /status.txt?pipe=%d HTTP/1.1\r\nHost: x\r\n\r\n' "$i"; done
      printf 'GET /status.txt?pipe=last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'; } >"$T/pipelined"
    raw "$HTTP_PORT" <"$T/pipelined" >/dev/null
    wait_for "41 lines" 5 has_lines "$ALOG" $((before + 41)) >/dev/null
    sleep 0.2
    kill "$st_pid" 2>/dev/null; wait "$st_pid" 2>/dev/null
    writes=$(grep -c "^write($afd," "$T/strace.out")
    echo "  41 pipelined requests: $writes write(2) calls to the access log (fd $afd)"
    check "access_log: 41 pipelined replies cost at most 4 writes to the log" test "$writes" -ge 1 -a "$writes" -le 4
fi

# SIGHUP reopens the file (logrotate's postrotate).
mv "$ALOG" "$ALOG.1"
kill -HUP "$SERVER_PID"
if wait_for "reopened" 5 test -e "$ALOG" >/dev/null; then pass "access_log: SIGHUP opens a new file at the path"
else fail "access_log: SIGHUP opens a new file at the path" "$(ls -la "$T")"; fi
curl -s -o /dev/null --max-time 5 "$U/status.txt?after-rotation"
if wait_for "new line" 5 grep -q after-rotation "$ALOG" >/dev/null; then pass "access_log: after mv and SIGHUP lines go to the new file"
else fail "access_log: after mv and SIGHUP lines go to the new file" "$(cat "$ALOG" 2>&1 | tail -3)"; fi
check_lacks "access_log: the rotated file gets no new line" "$(cat "$ALOG.1")" "after-rotation"

# --- metrics ----------------------------------------------------------------
code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$U/metrics")
check_eq "metrics: not served on the public HTTP port" "$code" 404
# One API write made, one the store refuses (an unknown incident), then
# one CLI write once the API write's snapshot is out.
newer() { scrape >/dev/null; [ "$(metric outpost_snapshot_version)" -gt "$v0" ]; }
scrape >/dev/null
v0=$(metric outpost_snapshot_version)
curl -s -o /dev/null --max-time 5 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"title":"Metrics notice","body":"Counted."}' "$U/api/v1/notices"
wait_for "API change" 10 newer >/dev/null || fail "metrics: the API change is published" "version $(metric outpost_snapshot_version)"
rejected=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"body":"No such post."}' "$U/api/v1/incidents/999999/resolve")
check_eq "metrics: a write to an unknown incident is refused by the store" "$rejected" 404
scrape >/dev/null
v0=$(metric outpost_snapshot_version)
op notice post --title "Posted by the CLI" --body "Outside." >/dev/null
wait_for "CLI change" 10 newer >/dev/null || fail "metrics: the CLI change is published" "version $(metric outpost_snapshot_version)"
check_eq "metrics: GET /metrics answers 200" "$(scrape)" 200
if promtool check metrics <"$T/m" >"$T/promtool.out" 2>&1; then pass "metrics: promtool check metrics finds nothing to fix"
else fail "metrics: promtool check metrics finds nothing to fix" "$(cat "$T/promtool.out")"; fi
check_has "metrics: the exposition format's content type" \
    "$(curl -s -D - -o /dev/null --max-time 5 "$M")" "Content-Type: text/plain; version=0.0.4"
check_eq "metrics: HTTP 200s counted (status.txt, HEAD, the pipelined, rotation)" \
    "$(metric 'outpost_requests_total{protocol="http",code="200"}')" $((3 + piped))
check_eq "metrics: HTTP 201 (the API write) counted" "$(metric 'outpost_requests_total{protocol="http",code="201"}')" 1
check_eq "metrics: HTTP 404s counted (a page, /metrics, the unknown incident)" \
    "$(metric 'outpost_requests_total{protocol="http",code="404"}')" 3
check_eq "metrics: Gopher 200 and 404" \
    "$(metric 'outpost_requests_total{protocol="gopher",code="200"}') $(metric 'outpost_requests_total{protocol="gopher",code="404"}')" "1 1"
check_eq "metrics: finger 200" "$(metric 'outpost_requests_total{protocol="finger",code="200"}')" 1
check_eq "metrics: Gopher bytes out" "$(metric 'outpost_response_bytes_total{protocol="gopher"}')" \
    "$((gsize + $(field 5 bytes)))"
check_eq "metrics: one API write made, one rejected" \
    "$(metric 'outpost_store_writes_total{source="api"}') $(metric 'outpost_store_write_failures_total{source="api",reason="rejected"}')" "1 1"
check_eq "metrics: the API write's snapshot" "$(metric 'outpost_snapshot_builds_total{cause="api_write"}')" 1
check "metrics: the CLI write seen as an outside change" test "$(metric 'outpost_snapshot_builds_total{cause="outside_change"}')" -ge 1
check "metrics: the snapshot version is the one published" test "$(metric outpost_snapshot_version)" -gt "$v0"
check "metrics: the last build took a measured time" \
    python3 -c 'import sys; sys.exit(not 0 < float(sys.argv[1]) < 60)' "$(metric outpost_snapshot_build_duration_seconds)"
check "metrics: the scrape's own connection is open" test "$(metric outpost_connections_open)" -ge 1
check_eq "metrics: other paths on the metrics port are 404" \
    "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "http://127.0.0.1:$MPORT/")" 404
check_eq "metrics: other methods are 405" \
    "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' -X POST "$M")" 405
server_stop

# --- refusals: counted, and logged at most once a second per cause -------------
server_start --set access_log=off --set metrics="127.0.0.1:$MPORT" --set max_per_address=1 \
    --set read_timeout_ms=6000 || { finish; exit 1; }
# One served connection from 127.0.0.2 holds that peer's only slot with
# half a request until its read deadline; meanwhile 150 more from there
# are refused. (The scrapes come from 127.0.0.1, a peer of their own.)
( { printf 'GET / HTTP/1.1\r\nHost: x\r\n'; sleep 8; } |
    timeout 15 socat -t 5 - "TCP:127.0.0.1:$HTTP_PORT,bind=127.0.0.2" >/dev/null ) &
holder=$!
held() { scrape >/dev/null; [ "$(metric outpost_connections_open)" -ge 2 ]; }
wait_for "the holder is served" 10 held >/dev/null || fail "refusals: the holder is served" "$(cat "$T/m" | grep open)"
# (Under valgrind a scrape may find the one before it still open, and be
# refused itself: the flood's refusals are counted from here.)
r0=$(metric 'outpost_connections_refused_total{cause="max_per_address"}')
start=$(date +%s%N)
python3 - "$HTTP_PORT" <<'PY'
import socket, sys, time
end = time.monotonic() + 60
for _ in range(150):
    if time.monotonic() > end:
        break
    s = socket.socket()
    s.settimeout(2)
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
PY
secs=$(( ($(date +%s%N) - start) / 1000000000 + 1 ))
wait "$holder"
sleep 1.2 # the last summary comes within a second
check_eq "refusals: the scrape after the flood is answered" "$(scrape)" 200
check_eq "refusals: every refused connection counted" \
    "$(( $(metric 'outpost_connections_refused_total{cause="max_per_address"}') - r0 ))" 150
n=$(grep -c 'refused: .* connections over max_per_address' "$T/server.log")
echo "  150 refusals over ${secs} s: $n log lines"
check "refusals: at most one line a second for the cause (plus the last summary)" test "$n" -ge 1 -a "$n" -le $((secs + 1))
check_eq "refusals: the held connection hit the read deadline, once counted" \
    "$(metric 'outpost_deadlines_total{deadline="read"}')" 1
check "refusals: the deadline is logged with its cause" grep -q 'refused: 1 requests cut off at the read deadline' "$T/server.log"
check_eq "access_log = off: no request line anywhere" "$(grep -c 'HTTP/1.1"' "$T/server.log")" 0
check "levels: a refusal is a warning" grep -q '^[0-9T:-]*Z warning refused: ' "$T/server.log"
check "levels: start-up lines are info" grep -q '^[0-9T:-]*Z info serving ' "$T/server.log"
server_stop

# --- the journal's form: JOURNAL_STREAM names standard error ------------------
: >"$T/server.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/server.log") server_start || { finish; exit 1; }
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$HTTP_PORT/status.txt"
server_stop
check "journal: lines carry the sd-daemon level prefix" grep -q '^<6>serving ' "$T/server.log"
check "journal: no time stamp of our own (the journal adds one)" test "$(grep -c '^20[0-9][0-9]-' "$T/server.log")" -eq 0
check "journal: the access line (stderr by default) is there, in the combined format" \
    grep -q '^127.0.0.1 - - \[.*\] "GET /status.txt HTTP/1.1" 200 ' "$T/server.log"
finish
