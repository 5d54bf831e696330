# End to end: a short slice of the benchmark (tests/bench/bench.py), with
# one-second runs. It checks that the benchmark works, not how fast anything
# is: every peer sends the very bytes outpost sent (before and after the
# load), every run answers, no reply is wrong or cut, the tables are printed,
# and a spoiled peer reply is caught. With OUTPOST_VALGRIND=1 outpost runs
# under valgrind through the whole load. No timing is asserted.
. "$(dirname "$0")/lib.sh"
LINELOAD=${OUTPOST_LINELOAD:-$(cd "$(dirname "$OUTPOST_BIN")/.." && pwd)/bench/lineload}
BENCH="$(dirname "$0")/../bench/bench.py"
WRAP=
if [ "${OUTPOST_VALGRIND:-0}" = 1 ]; then
    WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all --error-exitcode=9 --log-file=$T/valgrind.%p"
fi
bench() {
    timeout 600 python3 "$BENCH" --outpost "$OUTPOST_BIN" --lineload "$LINELOAD" --wrap "$WRAP" "$@"
}

check "lineload is built (zig build bench)" test -x "$LINELOAD"

bench --seconds 1 --check --out "$T/bench.md" --json "$T/bench.json" >"$T/bench.out" 2>"$T/bench.err"
rc=$?
check_rc "bench exits 0" "$rc" 0
[ "$rc" -eq 0 ] || fail "bench's log" "$(tail -30 "$T/bench.err"; cat "$T"/valgrind.* 2>/dev/null | head -40)"
check "the report on stdout is the one written to --out" cmp "$T/bench.out" "$T/bench.md"

# The results, read from the JSON the driver wrote.
res() { python3 - "$T/bench.json" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
what = sys.argv[2]
if what == "verified":
    print(" ".join(f"{v['ok']}/{v['total']}" for v in d["verified"]))
elif what == "runs":
    print(" ".join(sorted({f"{r['proto']}:{r['server']}" for r in d["results"]})))
elif what == "count":
    print(len(d["results"]))
elif what == "bad":
    print(" ".join(f"{r['proto']}/{r['load']}/{r['server']}" for r in d["results"]
                   if r["requests"] == 0 or r["wrong"] or r["errors"]) or "none")
elif what == "failures":
    print(len(d["failures"]))
PY
}
verified=$(res verified)
check_eq "peers' bytes equal outpost's, before and after the load" "$verified" "23/23 23/23"
check_eq "every protocol ran against outpost and its peer" "$(res runs)" \
    "Gopher:gophernicus Gopher:outpost HTTP:nginx HTTP:outpost finger:fingerd finger:outpost"
check_eq "16 runs (4 HTTP loads, 2 Gopher, 2 finger; each on two servers)" "$(res count)" 16
check_eq "every run answered, with no wrong reply and no connection error" "$(res bad)" none
check_eq "no failure recorded" "$(res failures)" 0

md=$(cat "$T/bench.md")
for h in "#### HTTP" "#### Gopher" "#### finger" "#### Memory at idle" \
    "| load | server | req/s | p50 | p99 | max | errors | peak RSS | req/s ratio | p99 ratio | RSS ratio |"; do
    check_has "report has: $h" "$md" "$h"
done
# One row per server and load, each with a number of requests a second.
rows=$(grep -cE '^\| [^|]* \| (outpost|nginx|gophernicus|fingerd) \| [0-9,]+ \|' "$T/bench.md")
check_eq "16 table rows with a rate" "$rows" 16
peer_rows=$(grep -cE '^\|  \| (nginx|gophernicus|fingerd) \| .* [0-9.]+× \| [0-9.]+× \| [0-9.]+× \|$' "$T/bench.md")
check_eq "every peer row carries its three outpost/peer ratios" "$peer_rows" 8
check_has "report names the machine" "$md" "cores"
check_has "report names nginx's version" "$md" "nginx/"

# The check can fail: a spoiled stored reply of each peer is caught.
for peer in nginx gophernicus fingerd; do
    bench --verify-only --sabotage "$peer" >"$T/sab.out" 2>"$T/sab.err"
    rc=$?
    check_rc "a spoiled $peer reply fails the bench" "$rc" 1
    check_has "the failure names $peer's reply" "$(cat "$T/sab.err")" "MISMATCH $peer"
done

# lineload counts a reply whose length is not the one expected, and errors
# when nothing listens.
server_start --quiet || { finish; exit 1; }
want=$(printf 'status\r\n' | raw "$FINGER_PORT" | wc -c)
printf '%s\tstatus\n' "$want" >"$T/right.txt"
printf '%s\tstatus\n' $((want + 1)) >"$T/wrong.txt"
out=$("$LINELOAD" -p "$FINGER_PORT" -c 2 -n 20 -d 5 "$T/right.txt")
check_has "lineload: 20 right replies" "$out" "requests=20 errors=0 timeouts=0 wrong=0"
out=$("$LINELOAD" -p "$FINGER_PORT" -c 2 -n 20 -d 5 "$T/wrong.txt")
check_has "lineload: 20 replies of the wrong length counted" "$out" "requests=20 errors=0 timeouts=0 wrong=20"
server_stop
out=$("$LINELOAD" -p "$FINGER_PORT" -c 1 -d 0.3 "$T/right.txt")
check_has "lineload: no listener, no request, errors counted" "$out" "requests=0 errors="
check_lacks "lineload: ... and not zero of them" "$out" "errors=0 "
finish
