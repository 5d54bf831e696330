# End to end: `outpost import` of hostile documents made of the smallest
# JSON values stays within the memory bound README.md states: at most 9
# bytes per input byte (the document once, and the parse tree's 8 bytes
# per byte at most), plus a fixed amount for the program and SQLite's page
# cache. Each shape is 16 MiB (the bound is linear; a quarter of the
# 64 MiB limit keeps the suite quick); the parser used to take 48 bytes per
# byte, about 800 MiB here.
#
# The binary runs without valgrind here even when OUTPOST_VALGRIND=1:
# valgrind's own memory would swamp what is measured, and the parser's
# memory errors are valgrind's business in unit/test_jsonr.
. "$(dirname "$0")/lib.sh"
GEN="$(dirname "$0")/../tools/hostile_json.py"
MIB=$((1024 * 1024))
SIZE=$((16 * MIB))
FIXED=$((16 * MIB)) # measured: about 4 MiB for a tiny import
BUDGET=$((9 * SIZE + FIXED))

# peak_rss FILE|- DB: runs `outpost --db DB import FILE` (FILE - is fed
# through a pipe), prints "KIB RC" (the child's peak resident set, from
# wait4, and its exit status); its stderr goes to $T/err. Bounded by
# `timeout` like every wait in these tests.
peak_rss() {
    timeout 120 python3 - "$OUTPOST_BIN" "$1" "$2" "$T/err" "$T/doc.json" <<'PY'
import os, subprocess, sys
binary, path, db, err, doc = sys.argv[1:]
with open(err, "w") as e:
    if path == "-":
        p = subprocess.Popen([binary, "--db", db, "import", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=e)
        with open(doc, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                p.stdin.write(chunk)
        p.stdin.close()
    else:
        p = subprocess.Popen([binary, "--db", db, "import", path],
                             stdout=subprocess.DEVNULL, stderr=e)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = 0  # reaped here; keep Popen from waiting again
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
PY
}

# shape WANT_RC WANT_MESSAGE [-]: one hostile document, imported into a
# new database from the file (or through a pipe with -), within BUDGET
# both as measured and under a hard address-space limit of BUDGET.
shape() {
    local name=$1 want_rc=$2 want=$3 via=${4:-file}
    rm -f "$T"/new.db*
    local src="$T/doc.json"
    [ "$via" = pipe ] && src=-
    local got rss rc
    got=$(peak_rss "$src" "$T/new.db") || { fail "$name ($via): measured" "$got"; return; }
    read -r rss rc <<<"$got"
    check_rc "$name ($via): exit status" "$rc" "$want_rc"
    if [ -n "$want" ]; then
        check_has "$name ($via): the check's answer, not out of memory" "$(cat "$T/err")" "$want"
    else
        check_eq "$name ($via): no complaint" "$(cat "$T/err")" ""
    fi
    check "$name ($via): peak RSS $((rss / 1024)) MiB <= $((BUDGET / MIB)) MiB" \
        test "$((rss * 1024))" -le "$BUDGET"
    if [ "$via" = file ]; then
        mv "$T/err" "$T/err.measured"
        rm -f "$T"/new.db*
        timeout 120 prlimit --as="$BUDGET" "$OUTPOST_BIN" --db "$T/new.db" import "$T/doc.json" \
            >/dev/null 2>"$T/err"
        check_rc "$name: exit status under prlimit --as=$((BUDGET / MIB)) MiB" "$?" "$want_rc"
        check_eq "$name: under the limit, the same answer" "$(cat "$T/err")" "$(cat "$T/err.measured")"
    fi
}

gen() {
    timeout 120 python3 "$GEN" "$1" "$SIZE" "$T/doc.json"
    check "$1: generated $(stat -c %s "$T/doc.json") bytes" test "$(stat -c %s "$T/doc.json")" -gt $((SIZE - MIB))
}

gen zeros # [0,0,0,...]: 8 bytes of tree per input byte, the worst case
shape "[0,0,...]" 1 "document: expected an object, not array"
shape "[0,0,...]" 1 "document: expected an object, not array" pipe
gen deep # 31 levels deep, over and over
shape "[[[...0...]]],..." 1 "document: expected an object, not array"
gen strings
shape '["","",...]' 1 "document: expected an object, not array"
gen empties
shape "[[],[],...]" 1 "document: expected an object, not array"
gen keys # one object, 2 million short names: the duplicate check's table
shape '{"a":0,"b":0,...}' 1 "document: unknown key 'a'"
gen export # a valid export: parse, check and the SQLite writes
shape "a valid 16 MiB export" 0 ""
check_has "the valid export was imported" "$("$OUTPOST_BIN" --db "$T/new.db" service list)" "svc8"
finish
