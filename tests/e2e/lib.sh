# lib.sh: the end-to-end harness, sourced by every tests/e2e/test_*.sh.
#
# Each test file is run by tests/run as `bash tests/e2e/test_X.sh` with
# OUTPOST_BIN set to the built binary. It uses:
#   check NAME CMD...            passes if CMD exits 0
#   check_eq NAME GOT WANT       exact string comparison
#   check_has NAME HAY NEEDLE    HAY contains NEEDLE (fixed string)
#   check_lacks NAME HAY NEEDLE  HAY does not contain NEEDLE
#   check_rc NAME RC WANT        exit codes
#   server_start [ARGS...]       starts `outpost serve` on free loopback ports
#                                (or $WANT_HTTP_PORT, $WANT_GOPHER_PORT,
#                                $WANT_FINGER_PORT) on $DB (default
#                                $T/outpost.db; serve fills a file that does
#                                not exist yet with demo data); sets HTTP_PORT,
#                                GOPHER_PORT, FINGER_PORT, DB, SERVER_PID
#                                (bounded by $SERVER_START_S, default 20 s)
#   server_stop                  SIGTERM, waits ($SERVER_STOP_S, default 15 s);
#                                fails the run if the server
#                                did not exit 0 (or valgrind found errors)
#   finish                       prints "N passed, N failed" last; exit status
# Every wait is bounded in time. $T is a private temp dir, removed at exit.
# With OUTPOST_VALGRIND=1 the server runs under valgrind.

set -u
OUTPOST_BIN=${OUTPOST_BIN:?OUTPOST_BIN must name the built binary}
T=$(mktemp -d /tmp/outpost-e2e.XXXXXX)
# $OUTPOST is what tests run for CLI commands: with OUTPOST_VALGRIND=1 a
# wrapper that runs every command under valgrind, logging any error or leak
# to $T/vg-cli.* (checked by finish) without changing the exit status.
OUTPOST=$OUTPOST_BIN
if [ "${OUTPOST_VALGRIND:-0}" = 1 ]; then
    OUTPOST=$T/outpost-vg
    cat >"$OUTPOST" <<WRAP
#!/bin/sh
exec valgrind -q --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all \\
    --log-file="$T/vg-cli.%p" "$OUTPOST_BIN" "\$@"
WRAP
    chmod +x "$OUTPOST"
fi
PASSED=0
FAILED=0
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$T"' EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
# A failure's detail is indented line by line, so that tests/run, which
# keeps only "FAIL" and indented lines, shows all of it.
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | head -c 2000 | sed 's/^/  /'; echo; }

check() {
    local name=$1; shift
    if "$@" >"$T/check.out" 2>&1; then pass "$name"; else fail "$name" "$(head -c 600 "$T/check.out")"; fi
}
check_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got [$2] want [$3]"; fi
}
check_has() {
    case "$2" in *"$3"*) pass "$1" ;; *) fail "$1" "missing [$3] in: $(printf '%s' "$2" | head -c 600)" ;; esac
}
check_lacks() {
    case "$2" in *"$3"*) fail "$1" "unexpected [$3] in: $(printf '%s' "$2" | head -c 600)" ;; *) pass "$1" ;; esac
}
check_rc() {
    if [ "$2" -eq "$3" ]; then pass "$1"; else fail "$1" "exit code $2, want $3"; fi
}

# free_ports N: asks the kernel for N distinct unused loopback TCP ports
# (held open together while asked for, so no two are the same).
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
# free_port: one of them.
free_port() { free_ports 1; }

# wait_port PORT [SECONDS]: up to SECONDS (default 20: valgrind is slow
# to start) for a listener.
wait_port() {
    local i
    for i in $(seq 1 $((${2:-20} * 10))); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# The bounds of server_start and server_stop, in seconds; a suite that
# restarts a server under valgrind on a loaded machine raises them.
SERVER_START_S=${SERVER_START_S:-20}
SERVER_STOP_S=${SERVER_STOP_S:-15}

# The suite runs as root (it binds port 79 in namespaces, installs
# packages): outpost refuses root unless told that it is meant. A test that
# passes its own --user overrides this one (the last flag wins).
AS_ROOT=()
[ "$(id -u)" -eq 0 ] && AS_ROOT=(--user root)
# More valgrind options for the server (suppressions), set by a suite.
SERVER_VALGRIND_EXTRA=()

server_start() {
    local pre=() try
    DB=${DB:-$T/outpost.db}
    if [ "${OUTPOST_VALGRIND:-0}" = 1 ]; then
        pre=(valgrind -q --leak-check=full --errors-for-leak-kinds=all
             --show-leak-kinds=all --error-exitcode=9 --log-file="$T/valgrind.%p"
             "${SERVER_VALGRIND_EXTRA[@]}")
    fi
    # Free ports can be taken by another process before the server binds
    # them: then new ones, a few times.
    for try in 1 2 3 4 5; do
        local ports; read -r -a ports <<<"$(free_ports 3)"
        HTTP_PORT=${WANT_HTTP_PORT:-${ports[0]}}
        GOPHER_PORT=${WANT_GOPHER_PORT:-${ports[1]}}
        FINGER_PORT=${WANT_FINGER_PORT:-${ports[2]}}
        "${pre[@]}" "$OUTPOST_BIN" --db "$DB" serve --http "127.0.0.1:$HTTP_PORT" \
            --gopher "127.0.0.1:$GOPHER_PORT" --finger "127.0.0.1:$FINGER_PORT" \
            --hostname 127.0.0.1 "${AS_ROOT[@]}" "$@" >"$T/server.log" 2>&1 &
        SERVER_PID=$!
        if wait_port "$HTTP_PORT" "$SERVER_START_S" && wait_port "$GOPHER_PORT" 5 &&
            wait_port "$FINGER_PORT" 5; then
            return 0
        fi
        kill -9 "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=
        grep -q "address already in use" "$T/server.log" || break
    done
    fail "server_start" "$(tail -20 "$T/server.log")"
    return 1
}

server_stop() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    local i rc=0
    for i in $(seq 1 $((SERVER_STOP_S * 10))); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -9 "$SERVER_PID"; fail "server exits on SIGTERM within $SERVER_STOP_S s"
    fi
    wait "$SERVER_PID"; rc=$?
    SERVER_PID=
    if [ "$rc" -eq 0 ]; then pass "server exit status (memory checker clean)"
    else fail "server exit status (memory checker clean)" "exit code $rc
$(cat "$T"/valgrind.* 2>/dev/null | head -40)
$(tail -10 "$T/server.log")"; fi
}

finish() {
    if [ "${OUTPOST_VALGRIND:-0}" = 1 ]; then
        local bad; bad=$(find "$T" -name 'vg-cli.*' -size +0c | head -3)
        if [ -n "$bad" ]; then fail "CLI runs clean under valgrind" "$(cat $bad | head -40)"
        else pass "CLI runs clean under valgrind ($(find "$T" -name 'vg-cli.*' | wc -l) runs)"; fi
    fi
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

# raw PORT [SOCAT-OPTS]: sends standard input to 127.0.0.1:PORT, half-closes
# after it, prints everything the server sends until it closes (10 s cap).
raw() {
    local port=$1; shift
    timeout 10 socat -t 5 "$@" - "TCP:127.0.0.1:$port"
}

# wait_for DESCRIPTION SECONDS CMD...: polls CMD every 0.1 s until it exits 0.
# Prints the elapsed milliseconds; returns 1 on timeout.
wait_for() {
    local secs=$2; shift 2
    local start end; start=$(date +%s%N)
    local limit=$((start + secs * 1000000000))
    while :; do
        if "$@" >/dev/null 2>&1; then
            end=$(date +%s%N); echo $(((end - start) / 1000000)); return 0
        fi
        [ "$(date +%s%N)" -gt "$limit" ] && return 1
        sleep 0.1
    done
}
