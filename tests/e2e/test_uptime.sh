# End to end, uptime: a store whose every time is set (OUTPOST_NOW for each
# CLI write and for the server), then the 90-day uptime of store/uptime.h
# as lynx, the Debian finger client, Gopher clients (curl, lynx) and a
# JSON parser get it, against figures worked out here by hand. The real
# finger client only speaks to port 79, so this file re-runs itself in a
# private network namespace, as test_finger.sh does.
if [ -z "${OUTPOST_IN_NETNS:-}" ]; then
    exec unshare -rn env OUTPOST_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/lib.sh"

# Now: 2026-11-18 11:06:40 UTC; the pages show 11:06, and the window is
# 2026-08-21 to 2026-11-18.
NOW=1795000000
DAY0=$((NOW - NOW % 86400)) # today's midnight
at() { OUTPOST_NOW=$1 "$OUTPOST" --db "$DB" "${@:2}"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%MZ; }
DB=$T/uptime.db
at $((NOW - 20 * 86400)) init >/dev/null
at $((NOW - 20 * 86400)) service add fibre --name "Fibre to the home" >/dev/null
at $((NOW - 20 * 86400)) service add dns --name "DNS resolvers" >/dev/null
# fibre: a major outage 5 days ago, 10:00 to 12:00 (2 h down), and a
# maintenance 2 days ago, 01:00 to 02:00 (marked, not counted).
id=$(at $((DAY0 - 5 * 86400 + 10 * 3600)) incident open --title "Fibre cut" \
    --service fibre --impact critical)
at $((DAY0 - 5 * 86400 + 12 * 3600)) incident resolve "$id" >/dev/null
m=$(at $((DAY0 - 3 * 86400)) maintenance schedule --title "Exchange work" \
    --start "$(iso $((DAY0 - 2 * 86400 + 3600)))" \
    --end "$(iso $((DAY0 - 2 * 86400 + 3 * 3600)))" --service fibre)
at $((DAY0 - 2 * 86400 + 3600)) maintenance start "$m" >/dev/null
at $((DAY0 - 2 * 86400 + 7200)) maintenance complete "$m" >/dev/null
# dns: a partial outage across midnight 3 days ago, 22:00 to 02:00 (2 h
# at 30 % on each day), and a major outage open since an hour ago.
id=$(at $((DAY0 - 3 * 86400 + 22 * 3600)) incident open --title "Slow answers" \
    --service dns --impact major)
at $((DAY0 - 2 * 86400 + 2 * 3600)) incident resolve "$id" >/dev/null
at $((NOW - 3600)) incident open --title "Resolvers down" --service dns \
    --impact critical >/dev/null
check "the store was written" test -n "$id" -a -n "$m"

# The figures by hand. Both services count from 20 days ago (2026-10-29
# 11:06:40) to 11:06:00 today: 20 days less 40 s.
COUNTED=$((NOW - NOW % 60 - (NOW - 20 * 86400)))
pct() { python3 -c 'import sys; c, d = int(sys.argv[1]), int(sys.argv[2]); h = (c * 1000 - d) * 10000 // (c * 1000); print("%d.%02d%%" % (h // 100, h % 100))' "$@"; }
FIBRE_DOWN=$((2 * 3600 * 1000))
DNS_DOWN=$((2 * 2 * 3600 * 300 + (3600 - NOW % 60) * 1000))
FIBRE_PCT=$(pct $COUNTED $FIBRE_DOWN)
DNS_PCT=$(pct $COUNTED $DNS_DOWN)
check_eq "hand-worked figures (fibre)" "$FIBRE_PCT" "99.58%"
check_eq "hand-worked figures (dns)" "$DNS_PCT" "99.54%"
FIBRE_ROW="2026-10-20          ...............#..m..  $FIBRE_PCT"
DNS_ROW="2026-10-20          .................++.#  $DNS_PCT"

export OUTPOST_NOW=$NOW
WANT_FINGER_PORT=79 server_start || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"

# ---- HTML, as lynx shows it -------------------------------------------------
page=$(TERM=dumb timeout 20 lynx -dump -nolist "$U/services/fibre")
check_has "lynx: the 90-day figure" "$page" "Uptime, last 90 days: $FIBRE_PCT"
# The last row is 2026-10-20 to 2026-11-18: nine days before the service
# was added are blank; then 5 days ago '#', 2 days ago 'm', today '.'.
check_has "lynx: the last row of day cells" "$page" \
    "$FIBRE_ROW"
check_has "lynx: the first rows, before the service existed" "$page" "2026-08-21 (no data)"
check_has "lynx: the key" "$page" "Key: . up  m maintenance  - degraded  + partial outage  # major outage"
check_has "lynx: the day with down time, in words" "$page" \
    "$(date -u -d "@$((DAY0 - 5 * 86400))" +%F): 91.66% (major outage)"
dns=$(TERM=dumb timeout 20 lynx -dump -nolist "$U/services/dns")
check_has "lynx: an open outage counts until now" "$dns" "Uptime, last 90 days: $DNS_PCT"
check_has "lynx: across midnight, both days" "$dns" \
    "$DNS_ROW"
html=$(curl -fsS "$U/services/fibre")
check_has "HTML: each day's date and figure in its title" "$html" \
    "<abbr title=\"$(date -u -d "@$((DAY0 - 5 * 86400))" +%F): 91.66%, major outage\">#</abbr>"

# ---- finger, the real client -------------------------------------------------
f=$(timeout 20 finger fibre@127.0.0.1)
check_has "finger: the figure" "$f" "Uptime, last 90 days: $FIBRE_PCT"
check_has "finger: the bar" "$f" "$FIBRE_ROW"
check "finger: 72 columns" python3 -c '
import sys
for l in sys.stdin.read().splitlines():
    assert len(l) <= 72, l' <<<"$f"
fw=$(timeout 20 finger -l dns@127.0.0.1)
check_has "finger -l: the days with down time" "$fw" "Days with down time, newest first:"
check_has "finger -l: today, still down" "$fw" "  2026-11-18  91.09%  major outage"

# ---- Gopher: curl and lynx ---------------------------------------------------
G="gopher://127.0.0.1:$GOPHER_PORT"
menu=$(curl -fsS "$G/1/services/dns")
check_has "gopher menu: the figure as an info line" "$menu" "iUptime, last 90 days: $DNS_PCT	"
check_has "gopher menu: the bar as an info line" "$menu" "i$DNS_ROW	"
check "gopher menu: four fields a line, at most 70 columns shown" python3 -c '
import sys
d = sys.stdin.buffer.read()
for l in d.split(b"\r\n")[:-2]:
    assert l.count(b"\t") == 3, l
    assert len(l.split(b"\t")[0]) <= 71, l' <<<"$menu"
gl=$(TERM=dumb timeout 20 lynx -dump "$G/1/services/fibre" 2>&1)
check_has "lynx as a Gopher client: the bar" "$gl" "$FIBRE_ROW"

# ---- JSON ----------------------------------------------------------------
curl -fsS "$U/api/v2/uptime.json" >"$T/uptime.json"
check "uptime.json: the figures of the bars" python3 - "$T/uptime.json" \
    "$COUNTED" "$FIBRE_DOWN" "$DNS_DOWN" "${FIBRE_PCT%\%}" "${DNS_PCT%\%}" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
counted, fdown, ddown = map(int, sys.argv[2:5])
u = doc["uptime"]
assert u["days"] == 90 and u["time_zone"] == "Etc/UTC", u
assert u["partial_outage_permille"] == 300
c = {x["id"]: x for x in u["components"]}
assert list(c) == ["fibre", "dns"], list(c)
assert c["fibre"]["counted_seconds"] == counted, c["fibre"]["counted_seconds"]
assert c["fibre"]["down_milliseconds"] == fdown
assert c["dns"]["down_milliseconds"] == ddown
assert c["fibre"]["uptime"] == sys.argv[5], c["fibre"]["uptime"]
assert c["dns"]["uptime"] == sys.argv[6]
days = c["fibre"]["days"]
assert len(days) == 90 and days[0]["date"] == "2026-08-21" and days[-1]["date"] == "2026-11-18"
assert days[0]["worst"] is None and days[0]["counted_seconds"] == 0
assert days[-6]["worst"] == "major_outage" and days[-6]["down_milliseconds"] == fdown
assert days[-3]["worst"] == "under_maintenance" and days[-3]["down_milliseconds"] == 0
assert days[-1]["start"] == "2026-11-18T00:00:00.000Z"
d = c["dns"]["days"]
assert d[-4]["down_milliseconds"] == d[-3]["down_milliseconds"] == 2 * 3600 * 300
PY

server_stop
finish
