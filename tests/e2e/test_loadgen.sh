# End to end: the benchmark's own tools, zig-out/bench/load (the load
# generator, tests/bench/load.c) and zig-out/bench/ceiling (the reference
# server, tests/bench/ceiling.c), which `zig build test` builds. The
# benchmarks are long runs with their own commands (tools/dev bench, tools/dev
# scale); this is the short, fixed slice of them the suite runs, so that a
# loader that miscounts or hangs is caught here and not in a table of
# numbers. It checks counts, never a timing:
#   - load refuses a target outside 127.0.0.0/8, and so does ceiling;
#   - against outpost, HTTP/1.1 keep-alive (1 s), HTTP/1.0, finger `status`
#     and the Gopher root, each with the reply lengths outpost really sends,
#     answer requests with no error of any kind; a wrong expected length or
#     status makes every reply count as wrong;
#   - ceiling sends the given bytes unchanged, and load against it reads
#     exactly those bytes, reply after reply; a response cut short counts
#     as cut (eof) or, on a connection left open, times out;
#   - load against a port nobody listens on reports connection errors and
#     exits, bounded.
# load's report is read the way tests/bench/benchlib.py reads it (key=value
# pairs; "wrong" is status + length + parse). With OUTPOST_VALGRIND=1 outpost
# runs under valgrind through the whole load; load and ceiling never do.
. "$(dirname "$0")/lib.sh"

BENCH_DIR=${OUTPOST_BENCH:-$(cd "$(dirname "$OUTPOST_BIN")/.." && pwd)/bench}
LOAD=$BENCH_DIR/load
CEILING=$BENCH_DIR/ceiling
CEIL_PID= HOLD_PID=
trap '[ -n "$CEIL_PID" ] && kill -9 "$CEIL_PID" 2>/dev/null
      [ -n "$HOLD_PID" ] && kill -9 "$HOLD_PID" 2>/dev/null
      [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$T"' EXIT
# The fixed clock: the demo data is laid out relative to "now" and the views
# show the server time, so at a fixed clock every reply has the same length
# throughout the run (a minute boundary cannot change it).
export OUTPOST_NOW=1795000000

if [ ! -x "$LOAD" ] || [ ! -x "$CEILING" ]; then
    fail "load and ceiling are built" "not found in $BENCH_DIR: run \`zig build bench\` (zig build test builds them)"
    finish
    exit 1
fi
pass "load and ceiling are built ($BENCH_DIR)"

# The report's keys, in load.c's order.
KEYS="requests errors connect io eof timeout status length parse reconnects bytes seconds cpu_s rps p50_us p90_us p99_us max_us"
NONE="connect=0 io=0 eof=0 timeout=0 status=0 length=0 parse=0"
declare -A L

# run_load NAME LOAD-ARGS...: runs load (bounded: its own bound is its -d
# plus its -t plus 1 s, at most 16 s here; timeout 30 is the bound on
# waiting for it) and reads its one line of key=value pairs into L, adding
# "wrong" as benchlib.py does. Passes if it exited 0 with a
# whole report whose errors are the sum of its kinds; returns 1 otherwise.
run_load() {
    local name=$1; shift
    L=()
    timeout 30 "$LOAD" "$@" >"$T/load.out" 2>"$T/load.err"
    local rc=$? kv keys=
    for kv in $(grep -m1 '^requests=' "$T/load.out"); do
        L[${kv%%=*}]=${kv#*=}
        keys="$keys ${kv%%=*}"
    done
    local what="$name: load exits 0 with its whole report"
    if [ "$rc" -ne 0 ] || [ "${keys# }" != "$KEYS" ]; then
        fail "$what" "exit $rc; stdout: $(cat "$T/load.out"); stderr: $(cat "$T/load.err")"
        return 1
    fi
    local sum=$((L[connect] + L[io] + L[eof] + L[timeout] + L[status] + L[length] + L[parse]))
    if [ "${L[errors]}" -ne "$sum" ]; then
        fail "$what" "errors=${L[errors]} but the kinds add up to $sum: $(cat "$T/load.out")"
        return 1
    fi
    L[wrong]=$((L[status] + L[length] + L[parse]))
    pass "$what"
}
# kinds: the last run's error counts, in load's order.
kinds() {
    echo "connect=${L[connect]} io=${L[io]} eof=${L[eof]} timeout=${L[timeout]}" \
        "status=${L[status]} length=${L[length]} parse=${L[parse]}"
}
# check_more NAME GOT MIN: GOT > MIN, showing the whole report if not.
check_more() {
    if [ "$2" -gt "$3" ]; then pass "$1"
    else fail "$1" "got $2, want more than $3; load said: $(cat "$T/load.out")"; fi
}
# reqfile NAME LINE: a request file of one line (LINE holds its tabs).
reqfile() { printf '%s\n' "$2" >"$T/$1.req"; echo "$T/$1.req"; }

# ---- refused targets ------------------------------------------------------

any=$(reqfile any $'0\t-1\t/')
for addr in 10.0.0.1 128.0.0.1 192.168.1.1; do
    timeout 10 "$LOAD" -m http -a "$addr" -p 80 -d 1 "$any" >"$T/out" 2>"$T/err"
    check_rc "load refuses $addr (exit 2)" $? 2
    check_eq "load says why it refuses $addr" "$(cat "$T/err")" \
        "load: $addr is outside 127.0.0.0/8; load only loopback"
    check_eq "load reports no run for $addr" "$(cat "$T/out")" ""
done
printf 'x\t%s\n' "$any" >"$T/any.map"
timeout 10 "$CEILING" -m line -a 10.0.0.1 -p 7999 "$T/any.map" >"$T/out" 2>"$T/err"
check_rc "ceiling refuses to listen on 10.0.0.1 (exit 2)" $? 2
check_has "ceiling says why" "$(cat "$T/err")" "10.0.0.1 is not an address in 127.0.0.0/8"

# ---- against outpost ------------------------------------------------------

# The demo store is made by the CLI natively: under valgrind that takes
# seconds on a loaded machine and tests nothing here (test_cli.sh runs the
# CLI under valgrind); the server, which this suite loads, runs under it.
DB=$T/outpost.db
"$OUTPOST_BIN" --db "$DB" init --demo >"$T/init.out" 2>&1 ||
    { fail "init --demo" "$(cat "$T/init.out")"; finish; exit 1; }
server_start || { finish; exit 1; }

# What outpost really sends, read with real clients: the lengths load must
# see. No Accept-Encoding, as load sends none: identity bodies.
code=$(curl -s --max-time 20 -o "$T/status11" -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/api/v2/status.json")
check_eq "curl: /api/v2/status.json is 200" "$code" 200
code=$(curl -s -0 --max-time 20 -o "$T/status10" -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/api/v2/status.json")
check_eq "curl -0 (HTTP/1.0): /api/v2/status.json is 200" "$code" 200
check_has "the status document is JSON with an indicator" "$(cat "$T/status11")" '"indicator":'
len11=$(wc -c <"$T/status11")
len10=$(wc -c <"$T/status10")
printf 'status\r\n' | raw "$FINGER_PORT" >"$T/finger"
printf '\r\n' | raw "$GOPHER_PORT" >"$T/gopher"
flen=$(wc -c <"$T/finger")
glen=$(wc -c <"$T/gopher")
check_has "finger status is a status report" "$(cat "$T/finger")" "Network status"
check_eq "the Gopher root ends with the menu's full stop" "$(tail -c 3 "$T/gopher" | od -An -tx1 | tr -d ' ')" 2e0d0a

# A generous timeout per request (-t 10000): under valgrind on a loaded
# machine the first requests are slow, and a timeout would be an error.
right=$(reqfile right $'200\t'"$len11"$'\t/api/v2/status.json')
if run_load "keep-alive, 1 s" -m http -p "$HTTP_PORT" -c 4 -d 1 -t 10000 "$right"; then
    check_more "keep-alive: requests answered" "${L[requests]}" 0
    check_eq "keep-alive: no error of any kind" "$(kinds)" "$NONE"
    check_eq "keep-alive: outpost kept every connection" "${L[reconnects]}" 0
    check_more "keep-alive: bytes read beyond the bodies (headers)" "${L[bytes]}" $((L[requests] * len11))
fi

# -n 20: exactly 20 requests, every one judged wrong and nothing else.
wrong=$(reqfile wrong $'200\t'"$((len11 + 1))"$'\t/api/v2/status.json')
if run_load "keep-alive, length one too many" -m http -p "$HTTP_PORT" -c 2 -n 20 -d 5 -t 10000 "$wrong"; then
    check_eq "wrong length: 20 replies, all of the wrong length" \
        "requests=${L[requests]} wrong=${L[wrong]} $(kinds)" \
        "requests=20 wrong=20 connect=0 io=0 eof=0 timeout=0 status=0 length=20 parse=0"
fi
wrong=$(reqfile wrong $'404\t'"$len11"$'\t/api/v2/status.json')
if run_load "keep-alive, status 404 expected" -m http -p "$HTTP_PORT" -c 2 -n 20 -d 5 -t 10000 "$wrong"; then
    check_eq "wrong status: 20 replies, all of the wrong status" \
        "requests=${L[requests]} wrong=${L[wrong]} $(kinds)" \
        "requests=20 wrong=20 connect=0 io=0 eof=0 timeout=0 status=20 length=0 parse=0"
fi

# One connection per request: at most 500 of them (-n) in at most 0.5 s, so
# that the runs do not churn through the loopback's ports on a machine
# shared with others.
right=$(reqfile right10 $'200\t'"$len10"$'\t/api/v2/status.json')
if run_load "HTTP/1.0" -m http10 -p "$HTTP_PORT" -c 2 -n 500 -d 0.5 -t 10000 "$right"; then
    check_more "HTTP/1.0: requests answered" "${L[requests]}" 0
    check_eq "HTTP/1.0: no error of any kind" "$(kinds)" "$NONE"
fi
wrong=$(reqfile wrong10 $'200\t'"$((len10 - 1))"$'\t/api/v2/status.json')
if run_load "HTTP/1.0, length one too few" -m http10 -p "$HTTP_PORT" -c 2 -n 20 -d 5 -t 10000 "$wrong"; then
    check_eq "HTTP/1.0 wrong length: 20 replies, all of the wrong length" \
        "requests=${L[requests]} $(kinds)" \
        "requests=20 connect=0 io=0 eof=0 timeout=0 status=0 length=20 parse=0"
fi

# The line protocols: a reply is whatever comes before the close, so the
# bytes read are exactly the requests times the reply's length.
for p in "finger status:$FINGER_PORT:$flen:status" "Gopher root:$GOPHER_PORT:$glen:"; do
    IFS=: read -r what port len line <<<"$p"
    req=$(reqfile line "$len"$'\t'"$line")
    if run_load "$what" -m line -p "$port" -c 2 -n 500 -d 0.5 -t 10000 "$req"; then
        check_more "$what: requests answered" "${L[requests]}" 0
        check_eq "$what: no error of any kind" "$(kinds)" "$NONE"
        check_eq "$what: bytes read are requests x $len" "${L[bytes]}" $((L[requests] * len))
    fi
done
wrong=$(reqfile wrongline "$((flen + 1))"$'\tstatus')
if run_load "finger, length one too many" -m line -p "$FINGER_PORT" -c 2 -n 20 -d 5 -t 10000 "$wrong"; then
    check_eq "finger wrong length: 20 replies, all of the wrong length" \
        "requests=${L[requests]} $(kinds)" \
        "requests=20 connect=0 io=0 eof=0 timeout=0 status=0 length=20 parse=0"
fi

server_stop

# ---- nobody listening -----------------------------------------------------

# A port held bound but not listening (for at most 30 s) by a helper
# process, so that nobody can take it meanwhile and every connection to it
# is refused. load retries a refused connection a millisecond later, so it
# counts many; the run ends at its -d like any other (timeout's 124 would be
# a hang).
python3 -c 'import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(30)' >"$T/held" &
HOLD_PID=$!
if wait_for "the held port" 10 test -s "$T/held" >/dev/null; then
    port=$(cat "$T/held")
    for mode in http line; do
        if run_load "no listener ($mode)" -m "$mode" -p "$port" -c 2 -d 0.3 -t 2000 "$any"; then
            check_eq "no listener ($mode): no request answered" "${L[requests]}" 0
            check_more "no listener ($mode): connection errors counted" "${L[connect]}" 0
            check_eq "no listener ($mode): every error is a connection error" "${L[errors]}" "${L[connect]}"
        fi
    done
else
    fail "a port held for the no-listener runs"
fi
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=

# ---- ceiling --------------------------------------------------------------

# ceiling_start MODE MAPFILE: ceiling on a free port (CEIL_PORT, CEIL_PID),
# on new ports while the one chosen was taken meanwhile; 5 s for it to
# listen.
ceiling_start() {
    local try
    for try in 1 2 3 4 5; do
        CEIL_PORT=$(free_port)
        "$CEILING" -m "$1" -p "$CEIL_PORT" "$2" >"$T/ceiling.log" 2>&1 &
        CEIL_PID=$!
        if wait_port "$CEIL_PORT" 5 && kill -0 "$CEIL_PID" 2>/dev/null; then
            return 0
        fi
        kill -9 "$CEIL_PID" 2>/dev/null
        wait "$CEIL_PID" 2>/dev/null
        CEIL_PID=
        grep -q "in use" "$T/ceiling.log" || break
    done
    fail "ceiling -m $1 listens" "$(cat "$T/ceiling.log")"
    return 1
}
# ceiling_stop: SIGTERM, up to 5 s to exit, with status 0.
ceiling_stop() {
    kill -TERM "$CEIL_PID"
    local i
    for i in $(seq 1 50); do
        kill -0 "$CEIL_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$CEIL_PID" 2>/dev/null; then
        kill -9 "$CEIL_PID"
        fail "ceiling exits on SIGTERM within 5 s"
    fi
    wait "$CEIL_PID"
    check_rc "ceiling exits 0 on SIGTERM" $? 0
    CEIL_PID=
}

# Binary bodies (every byte value, CR LF pairs among them): ceiling must not
# touch them, and load frames them by Content-Length alone.
head -c 3000 /dev/urandom >"$T/body"
head -c 2000 /dev/urandom >"$T/line.bin"
{ printf 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 3000\r\n\r\n'
  cat "$T/body"; } >"$T/r11"
{ printf 'HTTP/1.0 200 OK\r\nContent-Length: 3000\r\n\r\n'; cat "$T/body"; } >"$T/r10"
r11=$(wc -c <"$T/r11")
r10=$(wc -c <"$T/r10")
# Responses cut short: 1,000 of the 3,000 bytes announced. ceiling closes
# after an HTTP/1.0 request (load must count a cut response, eof) and keeps
# an HTTP/1.1 connection open (load must give the request up, timeout).
for v in 1.0 1.1; do
    { printf 'HTTP/%s 200 OK\r\nContent-Length: 3000\r\n\r\n' "$v"; head -c 1000 "$T/body"; } >"$T/cut$v"
done
printf 'GET /%s HTTP/%s\t%s\n' blob 1.1 "$T/r11" blob 1.0 "$T/r10" \
    cut 1.0 "$T/cut1.0" cut 1.1 "$T/cut1.1" >"$T/http.map"
printf 'status\t%s\n' "$T/line.bin" >"$T/line.map"

if ceiling_start http "$T/http.map"; then
    printf 'GET /blob HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$CEIL_PORT" >"$T/got"
    check "ceiling (HTTP/1.1) sends the given response byte for byte" cmp "$T/got" "$T/r11"
    printf 'GET /blob HTTP/1.0\r\n\r\n' | raw "$CEIL_PORT" >"$T/got"
    check "ceiling (HTTP/1.0) sends the given response byte for byte" cmp "$T/got" "$T/r10"
    printf 'GET /other HTTP/1.1\r\nConnection: close\r\n\r\n' | raw "$CEIL_PORT" >"$T/got"
    check_has "ceiling answers an unknown request 404" "$(head -1 "$T/got")" "HTTP/1.1 404 Not Found"

    req=$(reqfile blob $'200\t3000\t/blob')
    if run_load "ceiling keep-alive" -m http -p "$CEIL_PORT" -c 2 -d 0.5 "$req"; then
        check_more "ceiling keep-alive: requests answered" "${L[requests]}" 0
        check_eq "ceiling keep-alive: no error of any kind" "$(kinds)" "$NONE"
        check_eq "ceiling keep-alive: every connection kept" "${L[reconnects]}" 0
        check_eq "ceiling keep-alive: bytes read are requests x $r11" "${L[bytes]}" $((L[requests] * r11))
    fi
    if run_load "ceiling HTTP/1.0" -m http10 -p "$CEIL_PORT" -c 2 -n 500 -d 0.5 "$req"; then
        check_more "ceiling HTTP/1.0: requests answered" "${L[requests]}" 0
        check_eq "ceiling HTTP/1.0: no error of any kind" "$(kinds)" "$NONE"
        check_eq "ceiling HTTP/1.0: bytes read are requests x $r10" "${L[bytes]}" $((L[requests] * r10))
    fi
    req=$(reqfile other $'200\t3000\t/other')
    if run_load "ceiling 404, 200 expected" -m http -p "$CEIL_PORT" -c 2 -n 20 -d 5 "$req"; then
        check_eq "ceiling 404, 200 expected: 20 replies, all of the wrong status" \
            "requests=${L[requests]} $(kinds)" \
            "requests=20 connect=0 io=0 eof=0 timeout=0 status=20 length=0 parse=0"
    fi
    req=$(reqfile other $'404\t0\t/other')
    if run_load "ceiling 404, 404 expected" -m http -p "$CEIL_PORT" -c 2 -n 20 -d 5 "$req"; then
        check_eq "ceiling 404, 404 expected: 20 right replies" \
            "requests=${L[requests]} $(kinds)" "requests=20 $NONE"
    fi
    req=$(reqfile cut $'200\t3000\t/cut')
    if run_load "ceiling, cut response, HTTP/1.0" -m http10 -p "$CEIL_PORT" -c 2 -n 20 -d 5 "$req"; then
        check_eq "cut response, HTTP/1.0: 20 cut short, none complete" \
            "requests=${L[requests]} $(kinds)" \
            "requests=0 connect=0 io=0 eof=20 timeout=0 status=0 length=0 parse=0"
    fi
    # One request, given up after 300 ms: the run ends by itself.
    if run_load "ceiling, cut response, keep-alive" -m http -p "$CEIL_PORT" -c 1 -n 1 -d 5 -t 300 "$req"; then
        check_eq "cut response, keep-alive: the request timed out" \
            "requests=${L[requests]} $(kinds)" \
            "requests=0 connect=0 io=0 eof=0 timeout=1 status=0 length=0 parse=0"
    fi
    ceiling_stop
fi

if ceiling_start line "$T/line.map"; then
    printf 'status\r\n' | raw "$CEIL_PORT" >"$T/got"
    check "ceiling (line) sends the given reply byte for byte" cmp "$T/got" "$T/line.bin"
    printf 'nothing\r\n' | raw "$CEIL_PORT" >"$T/got"
    check_eq "ceiling (line) answers an unknown line with nothing" "$(wc -c <"$T/got")" 0
    req=$(reqfile line $'2000\tstatus')
    if run_load "ceiling line" -m line -p "$CEIL_PORT" -c 2 -n 500 -d 0.5 "$req"; then
        check_more "ceiling line: requests answered" "${L[requests]}" 0
        check_eq "ceiling line: no error of any kind" "$(kinds)" "$NONE"
        check_eq "ceiling line: bytes read are requests x 2000" "${L[bytes]}" $((L[requests] * 2000))
    fi
    ceiling_stop
fi

finish
