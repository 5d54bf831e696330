# End to end: a crash loses nothing. Two CLI writers and two API writers
# hammer one store while the server and a writer are killed with SIGKILL at
# random moments, round after round, the server restarted on the same file
# each time. After every round: SQLite's integrity check (and FTS5's, of
# the search index) passes, every acknowledged write is in the export
# (title, body, status, services, author, via), a refused one is not, and
# none is there in part (crash.py says what "in part" means for each
# command). Last, one CLI write is killed at each of its file-writing
# system calls in turn, and the next write must go through at once every
# time.
#
# OUTPOST_CRASH_SEED=N repeats a run's kill delays and writer choices (the
# interleaving itself is the machine's); OUTPOST_CRASH_ROUNDS=N (default 5)
# sets the number of SIGKILL rounds.
#
# With OUTPOST_VALGRIND=1 the writers, the killed servers and the sweep
# still run the plain binary ($OUTPOST_BIN): under valgrind a process spends
# nearly all its life starting up, so a kill at a "random moment" would
# almost never land inside a write and the test would prove nothing; a
# killed valgrind also never reports, and the timing the busy-timeout
# check relies on would be valgrind's. The server does run under valgrind
# in the second round, which ends with SIGTERM instead: it opens the store
# the first round's kills left, serves the API writers, and must exit clean.
. "$(dirname "$0")/lib.sh"
CRASH=$(dirname "$0")/crash.py
ROUNDS=${OUTPOST_CRASH_ROUNDS:-5}
SEED=${OUTPOST_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
echo "seed $SEED"

WRITERS=()
# Writers run in sessions of their own (setsid), so that one SIGKILL to the
# group takes a CLI writer and the outpost process it is running at once.
kill_writers() { local p; for p in "${WRITERS[@]}"; do kill -9 -- "-$p" 2>/dev/null; done; }
trap 'kill_writers; [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$T"' EXIT

# new_store FILE: an empty store with the three services the writers use.
# (Setting up runs the plain binary: other suites check these commands.)
new_store() {
    DB=$1
    "$OUTPOST_BIN" --db "$DB" init >/dev/null
    "$OUTPOST_BIN" --db "$DB" service add dsl --name "DSL North" >/dev/null
    "$OUTPOST_BIN" --db "$DB" service add fibre --name "Fibre" >/dev/null
    "$OUTPOST_BIN" --db "$DB" service add mail --name "Mail" >/dev/null
}
new_store "$T/crash.db"
TOKEN1=$("$OUTPOST_BIN" --db "$DB" token add api1)
TOKEN2=$("$OUTPOST_BIN" --db "$DB" token add api2)

# The server restarts round after round on the store the last round left
# ($DB: `serve` adds demo data only to a file that does not exist yet, and
# the checker makes sure our three services are all the store has), under
# valgrind on a busy two-core machine in the SIGTERM round: lib.sh's start
# and stop with a 60 s bound.
SERVER_START_S=60
SERVER_STOP_S=60
rand() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
alive() { kill -0 "$1" 2>/dev/null; }
# wait_gone PID SECONDS: reaps PID, killing its group if it outlives SECONDS.
wait_gone() {
    local i
    for i in $(seq 1 $(($2 * 10))); do alive "$1" || break; sleep 0.1; done
    if alive "$1"; then
        kill -9 -- "-$1" 2>/dev/null
        fail "a writer stops within $2 s of being told to"
    fi
    wait "$1" 2>/dev/null
}
# server_kill ROUND: SIGKILL; the server must have lived until then.
server_kill() {
    if kill -0 "$SERVER_PID" 2>/dev/null && kill -9 "$SERVER_PID"; then
        wait "$SERVER_PID" 2>/dev/null
    else
        wait "$SERVER_PID"
        fail "round $1: the server was still running when it was to be killed" \
            "exit status $?: $(tail -5 "$T/server.log")"
    fi
    SERVER_PID=
}
# log_try FILE MARKER: a probe's attempt, as a writer would log it.
log_try() {
    printf '{"ev": "try", "m": "%s", "op": "open", "kind": "notice", "title": "%s probe", "status": "posted", "impact": "none", "services": [], "start": 0, "end": 0, "author": null, "body": "%s short note", "via": "cli"}\n' "$2" "$2" "$2" >>"$1"
}

# last_open ROUND: "ID MARKER" of the newest post a writer of ROUND opened
# and saw acknowledged.
last_open() {
    python3 - "$T" "$1" <<'PY'
import glob, json, sys
tries, last = {}, None
for path in sorted(glob.glob(f"{sys.argv[1]}/w*-r{sys.argv[2]}.log")):
    for line in open(path, encoding="utf-8"):
        ev = json.loads(line)
        if ev["ev"] == "try":
            tries[ev["m"]] = ev
        elif ev["ev"] == "ack" and tries[ev["m"]]["op"] == "open":
            last = max(last or (0, ""), (ev["id"], ev["m"]))
print(f"{last[0]} {last[1]}" if last else "")
PY
}

TOTAL=0
# crash_round R HOW: one round; HOW is "kill" (SIGKILL the server and one
# or two writers at random moments) or "stop" (SIGKILL a CLI writer and stop
# the server with SIGTERM at random moments; the server runs under valgrind
# when OUTPOST_VALGRIND=1).
crash_round() {
    local r=$1 how=$2 w p vg=0
    [ "$how" = stop ] && vg=${OUTPOST_VALGRIND:-0}
    OUTPOST_VALGRIND=$vg server_start || return 1
    if [ "$r" -gt 1 ]; then
        # The restarted server serves what the last round stored.
        local prev; prev=$(last_open $((r - 1)))
        served() { curl -fsS -m 5 "http://127.0.0.1:$HTTP_PORT/incidents/${prev% *}.txt" | grep -qF "${prev#* }"; }
        if [ -z "$prev" ]; then fail "round $((r - 1)) acknowledged an open"
        elif ms=$(wait_for served 5 served); then
            pass "round $r: the restarted server serves #${prev% *} from round $((r - 1)) (${ms} ms)"
        else fail "round $r: the restarted server serves #${prev% *} from round $((r - 1))"; fi
    fi
    rm -f "$T/stop"
    WRITERS=()
    for w in 1 2; do
        setsid python3 "$CRASH" writer "w$w" cli "$r" "$T/w$w-r$r.log" "$T/stop" "$SEED" \
            "$OUTPOST_BIN" "$DB" &
        WRITERS+=($!)
        disown $!
    done
    setsid python3 "$CRASH" writer w3 api "$r" "$T/w3-r$r.log" "$T/stop" "$SEED" \
        "$OUTPOST_BIN" "$DB" "$HTTP_PORT" api1 "$TOKEN1" &
    WRITERS+=($!)
    disown $!
    setsid python3 "$CRASH" writer w4 api "$r" "$T/w4-r$r.log" "$T/stop" "$SEED" \
        "$OUTPOST_BIN" "$DB" "$HTTP_PORT" api2 "$TOKEN2" &
    WRITERS+=($!)
    disown $!

    # The kill clock starts once every writer is up (has opened its log):
    # a slow start could otherwise spend a whole round.
    writers_up() { local w; for w in 1 2 3 4; do [ -e "$T/w$w-r$r.log" ] || return 1; done; }
    wait_for "writers up" 10 writers_up >/dev/null || fail "round $r: the writers start within 10 s"

    # The kills, at random moments 0.4 to 2.4 s into the round (under
    # valgrind the server is given 3 s more: its API writes are slow).
    local cli=$((r % 2)) events=() when what now=0 done=
    [ "$vg" = 1 ] && sleep 3
    events+=("$(rand 400 2400) w$((cli + 1))")
    if [ "$how" = kill ]; then
        events+=("$(rand 400 2400) server")
        [ $((r % 2)) = 0 ] && events+=("$(rand 400 2400) w$((3 + r / 2 % 2))")
    else
        # SIGTERM while the API writers are at it: a write the stopping
        # server refuses (503) must leave nothing, one it took must be whole.
        events+=("$(rand 400 2400) term")
    fi
    while read -r when what; do
        sleep_ms $((when - now)); now=$when
        case $what in
            server) server_kill "$r" ;;
            term) server_stop ;;
            w*) kill -9 -- "-${WRITERS[${what#w} - 1]}" ;;
        esac
        done="$done $what@${when}ms"
    done < <(printf '%s\n' "${events[@]}" | sort -n)
    sleep 0.5
    touch "$T/stop"
    for p in "${WRITERS[@]}"; do wait_gone "$p" 15; done
    WRITERS=()
    cp "$T/server.log" "$T/server-r$r.log"

    # The next writer after the kills: the killed processes may have left
    # a WAL and its index behind, but no lock: SQLite's locks are the
    # kernel's and die with their process, and the next opener replays or
    # drops the WAL. So the write goes through at once, not after the 5 s
    # busy timeout (or never). In the SIGTERM round it runs under valgrind
    # when OUTPOST_VALGRIND=1: opening a store a killed writer left.
    local m="p0-r$r-n1" t0 id rc probe=$OUTPOST_BIN
    [ "$how" = stop ] && probe=$OUTPOST
    log_try "$T/probe-r$r.log" "$m"
    t0=$(date +%s%N)
    id=$(timeout 60 "$probe" --db "$DB" notice post --title "$m probe" --body "$m short note" 2>"$T/probe.err")
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$rc" -eq 0 ]; then pass "round $r: the next CLI write after the kills succeeds ($ms ms)"
    else fail "round $r: the next CLI write after the kills succeeds" "exit $rc after $ms ms: $(cat "$T/probe.err")"; fi
    if [ "$rc" -eq 0 ]; then echo "{\"ev\": \"ack\", \"m\": \"$m\", \"id\": $id}" >>"$T/probe-r$r.log"
    else echo "{\"ev\": \"nak\", \"m\": \"$m\", \"why\": \"exit $rc\"}" >>"$T/probe-r$r.log"; fi

    # A round in which one kind of writer got nothing through proved nothing
    # about it.
    local n ncli napi
    ncli=$(cat "$T"/w[12]-r"$r".log | grep -c '"ev": "ack"')
    napi=$(cat "$T"/w[34]-r"$r".log | grep -c '"ev": "ack"')
    n=$((ncli + napi))
    TOTAL=$((TOTAL + n))
    check "round $r: CLI writes acknowledged ($ncli)" test "$ncli" -gt 0
    check "round $r: API writes acknowledged ($napi)" test "$napi" -gt 0
    local out
    rm -f "$T/export.json"
    if ! out=$(timeout 60 "$OUTPOST_BIN" --db "$DB" export "$T/export.json" 2>&1); then
        fail "round $r: export" "$out"
    elif out=$(timeout 120 python3 "$CRASH" check "$DB" "$T/export.json" "$T"/w*.log \
                   "$T"/probe-*.log 2>&1); then
        pass "round $r ($how:$done): $n writes acknowledged ($ncli CLI, $napi API); in all: $out"
    else
        fail "round $r ($how:$done): the store after the kills" "$out"
    fi
}

# The SIGTERM round comes second: it then opens a store a SIGKILL round
# left, and that store is still small (under valgrind a snapshot build
# costs seconds per hundred posts, and a stopping server finishes the
# build it is on).
crash_round 1 kill
crash_round 2 stop
for r in $(seq 3 $((ROUNDS + 1))); do crash_round "$r" kill; done
echo "acknowledged in all: $TOTAL"

# The sweep, on a store of its own: the plain binary under strace, which
# delivers SIGKILL on entry to the Nth pwrite64, fdatasync, ftruncate or
# unlink (and, for one command, fcntl: the locks) of one write, for every N
# the write reaches.
if strace -qq -o /dev/null true 2>/dev/null; then
    new_store "$T/sweep.db"
    if out=$(timeout 300 python3 "$CRASH" sweep "$OUTPOST_BIN" "$DB" "$T/sweep.log" 2>&1); then
        pass "a write killed at any of its file writes or locks is whole or absent, and the next write succeeds: $out"
    else
        fail "a write killed at one of its file writes or locks" "$out"
    fi
else
    fail "strace can trace a process (ptrace is allowed here)"
fi
finish
