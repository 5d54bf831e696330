# hostile_lib.sh: helpers for test_hostile.sh, test_signals.sh and
# test_dbfile.sh, sourced after lib.sh. The clients themselves are in
# tests/load/hostile.py (Python standard library only), whose subcommands
# print one JSON object each.
#
#   HOSTILE ARGS...          runs tests/load/hostile.py
#   jget JSON KEY...         one field of a JSON object (nested keys; lists
#                            and objects come back as JSON, strings bare)
#   native_server_start ...  server_start without valgrind, for the
#                            rate-based attacks (see its comment)
#   hstart ARGS...           server_start that gives up at once when the
#                            server exits at start, and forgets its pid
#   server_alive             the server process still runs
#   wait_exit SECONDS [T0]   bounded wait for the server to exit; sets
#                            WAIT_MS (ms since T0, date +%s%N, default now)
#                            and EXIT_RC (its status; on timeout "timeout",
#                            and the server is killed with -9)
#   page_has PATH TEXT       the HTTP page at PATH contains TEXT
#   native_fixture           sources fixture.sh with the CLI run natively
#   setup_op ARGS...         the CLI on $DB, natively: for set-up steps
#                            (tokens, exports, copies), not for the CLI
#                            behaviour under test, which uses op (valgrind)

HOSTILE_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")/../load" && pwd)/hostile.py
HOSTILE() { python3 "$HOSTILE_PY" "$@"; }

jget() {
    python3 - "$@" <<'PY'
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v.get(k) if isinstance(v, dict) else None
print(v if isinstance(v, str) else json.dumps(v))
PY
}

# lib.sh's wait_port waits its full 20 s for a server that already died at
# start (a refused setting, a signal); this one stops as soon as it has.
wait_port() {
    local i
    for i in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        if [ -n "${SERVER_PID:-}" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
        sleep 0.1
    done
    return 1
}

hstart() {
    if server_start "$@"; then return 0; fi
    if [ -n "$SERVER_PID" ]; then
        kill -9 "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=
    fi
    return 1
}

# The floods, bursts and 1,000-connection attacks measure rates and
# deadlines: under valgrind (20 to 50 times slower) they would measure
# valgrind, so those servers always run natively.
native_server_start() { OUTPOST_VALGRIND=0 hstart "$@"; }

server_alive() { [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; }

wait_exit() {
    local secs=$1 start=${2:-$(date +%s%N)} now
    EXIT_RC=timeout
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        now=$(date +%s%N)
        WAIT_MS=$(((now - start) / 1000000))
        if [ "$WAIT_MS" -ge $((secs * 1000)) ]; then
            kill -9 "$SERVER_PID" 2>/dev/null
            wait "$SERVER_PID" 2>/dev/null
            SERVER_PID=
            return 1
        fi
        sleep 0.05
    done
    now=$(date +%s%N)
    WAIT_MS=$(((now - start) / 1000000))
    wait "$SERVER_PID"
    EXIT_RC=$?
    SERVER_PID=
}

# The fixture and other set-up commands are not what these suites test;
# under valgrind each CLI run costs a second or two, so they run natively.
native_fixture() {
    local saved=$OUTPOST
    OUTPOST=$OUTPOST_BIN
    . "$(dirname "${BASH_SOURCE[0]}")/fixture.sh"
    OUTPOST=$saved
}
setup_op() { "$OUTPOST_BIN" --db "$DB" "$@"; }

page_has() { curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT$1" 2>/dev/null | grep -qF -- "$2"; }

# check_json_eq NAME JSON KEY... WANT: a field of a hostile.py result (nested
# keys); on a mismatch the whole result is shown.
check_json_eq() {
    local name=$1 json=$2; shift 2
    local keys=("${@:1:$#-1}") want=${!#} got
    got=$(jget "$json" "${keys[@]}")
    if [ "$got" == "$want" ]; then pass "$name"
    else fail "$name" "${keys[*]} = $got, want $want; result: $json"; fi
}
