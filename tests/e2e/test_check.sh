# End to end: `outpost check` and `outpost --version`. The check passes
# against a real server on the addresses given by flags or a config file
# (a wildcard one checked on loopback), and fails with one line and its
# own exit status when the server is down, when a port holds the wrong
# protocol, when a listener never answers (within its 5 s bound), when
# the database is missing, corrupt (quick_check) or the setting unknown.
# Run as root, it leaves nothing owned by root beside the database.
. "$(dirname "$0")/lib.sh"

# one_line NAME FILE: FILE holds exactly one line.
one_line() {
    local n; n=$(wc -l <"$2")
    if [ "$n" -eq 1 ]; then pass "$1"; else fail "$1" "$n lines: $(head -c 400 "$2")"; fi
}
# run_check ARGS...: runs the check, bounded; sets RC, OUT, ERR.
run_check() {
    timeout 30 "$OUTPOST" --db "$DB" check "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

# --- --version ----------------------------------------------------------
v=$("$OUTPOST" --version); rc=$?
check_rc "--version exits 0" "$rc" 0
if [[ "$v" =~ ^outpost\ [0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.+~_-]*(\ \([0-9a-f]{7,40}(-dirty)?\))?$ ]]; then
    pass "--version: 'outpost RELEASE (COMMIT)' ($v)"
else fail "--version: 'outpost RELEASE (COMMIT)'" "$v"; fi
# A build from a git checkout names its commit (build.zig asks git); the
# suite runs on the tree that was built.
if command -v git >/dev/null && head=$(git -C "$(dirname "$0")" rev-parse HEAD 2>/dev/null); then
    check_has "--version names the commit built (${head:0:12})" "$v" "(${head:0:12}"
fi

# --- a server that is not running ---------------------------------------
DB=$T/outpost.db
"$OUTPOST" --db "$DB" init --demo >/dev/null
read -r P1 P2 P3 <<<"$(free_ports 3)"
run_check --http "127.0.0.1:$P1" --gopher "127.0.0.1:$P2" --finger "127.0.0.1:$P3"
check_rc "no server: exit 3" "$RC" 3
one_line "no server: one line on stderr" "$T/err"
check_has "no server: says which and why" "$ERR" "http 127.0.0.1:$P1: connection refused"
check_eq "no server: nothing on stdout" "$OUT" ""

# --- a running server ------------------------------------------------------
server_start --quiet || { finish; exit 1; }
ADDRS=(--http "127.0.0.1:$HTTP_PORT" --gopher "127.0.0.1:$GOPHER_PORT" --finger "127.0.0.1:$FINGER_PORT")
run_check "${ADDRS[@]}"
check_rc "serving: exit 0" "$RC" 0
one_line "serving: one line on stdout" "$T/out"
check_has "serving: names every protocol" "$OUT" "http 127.0.0.1:$HTTP_PORT, gopher 127.0.0.1:$GOPHER_PORT, finger 127.0.0.1:$FINGER_PORT"
check_has "serving: the store passed quick_check" "$OUT" "passes quick_check"
check_eq "serving: nothing on stderr" "$ERR" ""

# The same addresses from a config file, as the packaged service has them
# (and a key that has nothing to do with the check, which must be taken).
cat >"$T/outpost.conf" <<EOF
# a config file like /etc/outpost/outpost.conf
http = 127.0.0.1:$HTTP_PORT
gopher = "127.0.0.1:$GOPHER_PORT"
finger = 127.0.0.1:$FINGER_PORT
name = Check test
EOF
run_check --config "$T/outpost.conf"
check_rc "config file: exit 0" "$RC" 0
run_check --config "$T/outpost.conf" --set finger=off --gopher off
check_rc "config file, flags over it: exit 0" "$RC" 0
check_lacks "flags over the file: gopher and finger off are not checked" "$OUT" "gopher"

# A wildcard address (what a public config says) is checked on loopback.
run_check --http "0.0.0.0:$HTTP_PORT" --gopher ":$GOPHER_PORT" --finger off
check_rc "wildcard addresses: checked on loopback" "$RC" 0

# --- the wrong protocol on a port ------------------------------------------
run_check --http "127.0.0.1:$GOPHER_PORT" --gopher off --finger off
check_rc "gopher port as http: exit 3" "$RC" 3
check_has "gopher port as http: unexpected answer" "$ERR" "http 127.0.0.1:$GOPHER_PORT: unexpected answer '3"
run_check --http off --gopher "127.0.0.1:$FINGER_PORT" --finger off
check_rc "finger port as gopher: exit 3" "$RC" 3
check_has "finger port as gopher: unexpected answer" "$ERR" "gopher 127.0.0.1:$FINGER_PORT: unexpected answer"
run_check --http off --gopher off --finger "127.0.0.1:$GOPHER_PORT"
check_rc "gopher port as finger: exit 3" "$RC" 3
one_line "wrong protocol: one line on stderr" "$T/err"

# --- a listener that never answers -----------------------------------------
# The kernel completes the connection from the listen queue; nobody reads.
SILENT=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(30)' "$SILENT" &
SILENT_PID=$!
wait_port "$SILENT" 5
start=$(date +%s%N)
run_check --http "127.0.0.1:$SILENT" --gopher off --finger off
ms=$((($(date +%s%N) - start) / 1000000))
kill "$SILENT_PID" 2>/dev/null; wait "$SILENT_PID" 2>/dev/null
check_rc "silent listener: exit 3" "$RC" 3
check_has "silent listener: no answer in time" "$ERR" "no whole answer within 5000 ms"
if [ "$ms" -lt 20000 ]; then pass "silent listener: the check gives up (${ms} ms)"
else fail "silent listener: the check gives up" "${ms} ms"; fi

server_stop

# --- the store ---------------------------------------------------------------
run_check --db-less 2>/dev/null
check_rc "unknown option: exit 1" "$RC" 1
check_has "unknown option: named" "$ERR" "check: unknown option '--db-less'"
run_check --set no_such_key=1
check_rc "unknown setting: exit 1" "$RC" 1
one_line "unknown setting: one line" "$T/err"
DB=$T/missing.db run_check --http off --gopher off --finger off
check_rc "missing database: exit 2" "$RC" 2
check_has "missing database: says so" "$ERR" "no database at $T/missing.db"
check "missing database: none created" test ! -e "$T/missing.db"
# The b-tree headers of the second half of the pages overwritten: the file
# still opens (its first page is whole), quick_check finds the damage.
cp "$DB" "$T/bad.db"
python3 - "$T/bad.db" <<'PY'
import os, sys
path = sys.argv[1]
with open(path, "r+b") as f:
    size = int.from_bytes(f.read(18)[16:18], "big") or 65536
    pages = os.path.getsize(path) // size
    for p in range(pages // 2, pages):
        f.seek(p * size)
        f.write(b"\x0d" + b"\xff" * 7)
PY
DB=$T/bad.db run_check --http off --gopher off --finger off
check_rc "corrupt database: exit 2" "$RC" 2
check_has "corrupt database: quick_check says why" "$ERR" "$T/bad.db: quick_check: "
one_line "corrupt database: one line" "$T/err"

# Root becomes the database's owner first: the -wal and -shm files a reader
# of a WAL database leaves are the owner's, so the service can open them.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir "$T/owned"
    cp "$DB" "$T/owned/outpost.db"
    chown -R nobody "$T/owned"
    chmod 755 "$T"
    # The binary itself, not under valgrind: valgrind's own pipes in /tmp,
    # made as root, cannot be removed by the process once it is nobody.
    DB=$T/owned/outpost.db OUTPOST=$OUTPOST_BIN run_check --http off --gopher off --finger off
    check_rc "as root: the check passes" "$RC" 0
    left=$(find "$T/owned" ! -user nobody -printf '%f ')
    check_eq "as root: nothing beside the database belongs to root" "$left" ""
    check "as root: the reader's files are there (what the drop is for)" test -e "$T/owned/outpost.db-shm"
fi

finish
