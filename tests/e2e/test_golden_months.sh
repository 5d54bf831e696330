# End to end, golden files of the web history: every month's page of the
# demo data (/history/YYYY-MM, none of them over a page of 100 posts) at a
# fixed clock, byte for byte as tests/golden/http/history_YYYY-MM.html.
# The files were made by the server as it was before months were paged
# (commit c47865c), so a month of one page must still be exactly what it
# was: no pager, nothing moved. (One intended change since: the server
# time's datetime attribute is to the minute, like its words.) The months are found from /history, so a
# month the index links and no file has (or the reverse) fails here.
#
#   OUTPOST_UPDATE_GOLDEN=1 bash tests/e2e/test_golden_months.sh
# rewrites the files (after an intended change; read the diff).
. "$(dirname "$0")/lib.sh"

GOLDEN=$(cd "$(dirname "$0")/../golden" && pwd)/http
UPDATE=${OUTPOST_UPDATE_GOLDEN:-0}
# The clock and the public names of test_golden.sh.
export OUTPOST_NOW=1795000000
HOST=status.example.net
DB=$T/golden.db
"$OUTPOST" --db "$DB" init --demo >/dev/null || { fail "init --demo"; finish; exit 1; }
server_start --hostname "$HOST" --set gopher_public_port=70 \
    --set finger_public_port=79 --set http_public_port=80 \
    --base-url "https://$HOST" || { finish; exit 1; }

mkdir -p "$T/got"
curl -fsS "http://127.0.0.1:$HTTP_PORT/history" >"$T/history.html"
months=$(grep -o 'href="/history/[0-9]\{4\}-[0-9]\{2\}"' "$T/history.html" |
    sed 's/.*history\/\([0-9-]*\)"/\1/' | sort -u)
check "the index links several months" test "$(printf '%s\n' $months | wc -l)" -gt 10
for m in $months; do
    curl -fsS "http://127.0.0.1:$HTTP_PORT/history/$m" >"$T/got/history_$m.html"
    check_rc "/history/$m answers" $? 0
done
server_stop

mkdir -p "$GOLDEN"
for got in "$T"/got/*.html; do
    f=$(basename "$got")
    if [ "$UPDATE" = 1 ]; then
        cmp -s "$got" "$GOLDEN/$f" || { cp "$got" "$GOLDEN/$f"; echo "updated http/$f"; }
    elif [ ! -f "$GOLDEN/$f" ]; then
        fail "http/$f: golden file" "missing; run with OUTPOST_UPDATE_GOLDEN=1"
    elif cmp -s "$got" "$GOLDEN/$f"; then
        pass "http/$f is byte for byte the golden file"
    else
        fail "http/$f is byte for byte the golden file" "$(diff "$GOLDEN/$f" "$got" | head -20)"
    fi
done
for want in "$GOLDEN"/history_*.html; do
    f=$(basename "$want")
    [ -f "$T/got/$f" ] && continue
    if [ "$UPDATE" = 1 ]; then rm -f "$want"; echo "removed http/$f"
    else fail "http/$f: stale golden file" "no such month; run with OUTPOST_UPDATE_GOLDEN=1"; fi
done
finish
