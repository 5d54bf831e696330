# End to end, golden files: every finger and Gopher view of the demo data at
# a fixed clock, fetched over a raw socket and compared byte for byte with
# tests/golden/{finger,gopher}/*.txt. A change to any of these views shows
# up here as a diff that a reviewer can read.
#
#   OUTPOST_UPDATE_GOLDEN=1 bash tests/e2e/test_golden.sh
# rewrites the files (and removes those of views that no longer exist).
#
# The Gopher views are found by walking the menus from the root, so a menu
# item that leads nowhere fails here, and a new view gets a golden file
# without this script having to know about it.
. "$(dirname "$0")/lib.sh"

GOLDEN=$(cd "$(dirname "$0")/../golden" 2>/dev/null && pwd || echo "$(cd "$(dirname "$0")/.." && pwd)/golden")
UPDATE=${OUTPOST_UPDATE_GOLDEN:-0}
# The fixed clock: the demo data is laid out relative to "now", and every
# view shows the server time.
export OUTPOST_NOW=1795000000
# The menus embed the advertised host and port, and the help and the `h`
# items the web address: all set to fixed public values so that the files
# do not depend on the free ports this run happens to get.
HOST=status.example.net
PUBLIC=(--hostname "$HOST" --set gopher_public_port=70
        --set finger_public_port=79 --set http_public_port=80
        --base-url "https://$HOST")

DB=$T/golden.db
"$OUTPOST" --db "$DB" init --demo >/dev/null || { fail "init --demo"; finish; exit 1; }
server_start "${PUBLIC[@]}" || { finish; exit 1; }

mkdir -p "$T/got/finger" "$T/got/gopher"
# fetch DIR NAME PORT REQUEST: the server's whole answer to REQUEST (sent
# as is, so it must carry its own line end) into $T/got/DIR/NAME.txt.
fetch() {
    printf '%s' "$4" | raw "$3" >"$T/got/$1/$2.txt"
}

# ---- finger ---------------------------------------------------------------

fetch finger empty "$FINGER_PORT" $'\r\n'
fetch finger status "$FINGER_PORT" $'status\r\n'
fetch finger W "$FINGER_PORT" $'/W\r\n'
fetch finger W_status "$FINGER_PORT" $'/W status\r\n'
fetch finger help "$FINGER_PORT" $'help\r\n'
fetch finger W_help "$FINGER_PORT" $'/W help\r\n'
fetch finger history "$FINGER_PORT" $'history\r\n'
fetch finger W_history "$FINGER_PORT" $'/W history\r\n'
fetch finger maintenance "$FINGER_PORT" $'maintenance\r\n'
fetch finger W_maintenance "$FINGER_PORT" $'/W maintenance\r\n'
fetch finger unknown "$FINGER_PORT" $'no-such-name\r\n'
fetch finger no_such_incident "$FINGER_PORT" $'999999\r\n'
fetch finger forward "$FINGER_PORT" $'root@elsewhere.example\r\n'
fetch finger too_long "$FINGER_PORT" "$(head -c 600 /dev/zero | tr '\0' a)"
slugs=$("$OUTPOST" --db "$DB" service list --json |
    python3 -c 'import json,sys; print(" ".join(s["slug"] for s in json.load(sys.stdin)))')
ids=$("$OUTPOST" --db "$DB" incident list --json |
    python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin)))')
check "demo data has services and posts" test -n "$slugs" -a -n "$ids"
for s in $slugs; do
    fetch finger "service_$s" "$FINGER_PORT" "$s"$'\r\n'
    fetch finger "W_service_$s" "$FINGER_PORT" "/W $s"$'\r\n'
done
for i in $ids; do
    fetch finger "incident_$i" "$FINGER_PORT" "$i"$'\r\n'
    fetch finger "W_incident_$i" "$FINGER_PORT" "/W $i"$'\r\n'
done

# ---- Gopher ---------------------------------------------------------------

# Walks the menus breadth first from the root: every type 0 and 1 item on
# this server (as advertised) is fetched once, under a name made from its
# selector ("/history/2026-11" -> history_2026-11, "/caps.txt" -> caps).
gname() {
    local n=${1#/}
    n=${n%.txt}
    n=${n//\//_}
    printf '%s' "${n:-root}"
}
# Keys carry a leading "_": bash refuses an empty subscript (the root).
declare -A seen=([_]=1) types=()
queue=("")
menus=()
while [ ${#queue[@]} -gt 0 ]; do
    sel=${queue[0]}
    queue=("${queue[@]:1}")
    name=$(gname "$sel")
    fetch gopher "$name" "$GOPHER_PORT" "$sel"$'\r\n'
    # Menu items of ours: type, selector (field 2), host, port.
    if [ "$sel" = "" ] || [ "${types[_$sel]:-}" = 1 ]; then
        menus+=("$sel")
        while IFS=$'\t' read -r disp s host port; do
            t=${disp:0:1}
            [ "$host" = "$HOST" ] && [ "${port%$'\r'}" = 70 ] || continue
            case "$t" in 0 | 1) ;; *) continue ;; esac
            [ -n "${seen[_$s]:-}" ] && continue
            seen[_$s]=1
            types[_$s]=$t
            queue+=("$s")
        done <"$T/got/gopher/$name.txt"
    fi
done
check "the root menu leads to several menus" test "${#menus[@]}" -gt 3

# What the menus do not reach: search, Gopher+ and error answers.
fetch gopher search_millbrook "$GOPHER_PORT" $'/search\tmillbrook\r\n'
fetch gopher search_two_words "$GOPHER_PORT" $'/search\tpacket loss\r\n'
fetch gopher search_nothing "$GOPHER_PORT" $'/search\tzzzznomatch\r\n'
fetch gopher search_empty "$GOPHER_PORT" $'/search\t\r\n'
fetch gopher search_no_tab "$GOPHER_PORT" $'/search\r\n'
fetch gopher search_too_long "$GOPHER_PORT" "/search	$(head -c 300 /dev/zero | tr '\0' a)"$'\r\n'
fetch gopher gopherplus_stub "$GOPHER_PORT" $'\t$\r\n'
fetch gopher gopherplus_item "$GOPHER_PORT" $'/status.txt\t+\r\n'
# Everything of the views table is reachable from the root.
for sel in /status.txt /services /incidents /maintenance /history /help /caps.txt; do
    check "the menus link $sel" test -n "${seen[_$sel]:-}"
done
fetch gopher caps_no_slash "$GOPHER_PORT" $'caps.txt\r\n'
fetch gopher error_unknown "$GOPHER_PORT" $'/no/such\tthing\r\n'
fetch gopher error_incident "$GOPHER_PORT" $'/incidents/999999\r\n'
fetch gopher error_service "$GOPHER_PORT" $'/services/no-such\r\n'
fetch gopher error_month "$GOPHER_PORT" $'/history/1999-13\r\n'
fetch gopher url_redirect "$GOPHER_PORT" $'URL:https://example.net/a?b=1&c="x"\r\n'
fetch gopher url_refused "$GOPHER_PORT" $'URL:javascript:alert(1)\r\n'

# ---- the same facts as the JSON, from the same snapshot -------------------

# Nothing is written while this runs, so every answer above and the JSON
# fetched here come from one snapshot and must agree: the overall status,
# every service's status, the open incidents, the maintenance running and
# upcoming, and every post's title.
mkdir -p "$T/json"
for j in summary incidents scheduled-maintenances; do
    curl -fsS "http://127.0.0.1:$HTTP_PORT/api/v2/$j.json" >"$T/json/$j.json"
done
check "finger, Gopher and the Statuspage JSON state the same facts" python3 - "$T" <<'PY'
import json, re, sys
T = sys.argv[1]
def rd(p): return open(f"{T}/{p}", "rb").read().decode()
summ = json.load(open(f"{T}/json/summary.json"))
label = {"operational": "Operational", "degraded_performance": "Degraded performance",
         "partial_outage": "Partial outage", "major_outage": "Major outage",
         "under_maintenance": "Under maintenance"}
desc = summ["status"]["description"]
svcs = {c["name"]: label[c["status"]] for c in summ["components"] if not c["group"]}
open_ids = sorted(int(i["id"]) for i in summ["incidents"])
upcoming = sorted(int(m["id"]) for m in summ["scheduled_maintenances"] if m["status"] == "scheduled")
active = sorted(int(m["id"]) for m in summ["scheduled_maintenances"] if m["status"] != "scheduled")
assert svcs and open_ids and upcoming, (svcs, open_ids, upcoming)

def menu(name):
    return [l.split("\t") for l in rd(f"got/gopher/{name}.txt").split("\r\n")[:-2]]
def ids(lines): return sorted(int(m) for m in re.findall(r"^#(\d+) ", "\n".join(lines), re.M))
def section(text, title):
    lines = text.split("\n")
    k = lines.index(title)
    out = []
    for l in lines[k + 1:]:
        if l.strip() == "" and out: break
        out.append(l)
    return out

# Gopher: root menu, /services, /incidents, /maintenance.
root = menu("root")
assert root[2][0] == "i" + desc, root[2]
got = {}
for l in menu("services"):
    if l[0].startswith("1") and l[1].startswith("/services/"):
        name, st = l[0][1:].rsplit(": ", 1)
        got[name] = st
assert got == svcs, (got, svcs)
assert ids([l[0][1:] for l in menu("incidents") if l[0].startswith("0")]) == open_ids
mt = [l[0] for l in menu("maintenance")]
up = mt.index("iUpcoming"); done = mt.index("iCompleted in the last 30 days")
assert ids([x[1:] for x in mt[up:done] if x.startswith("0")]) == upcoming
assert ids([x[1:] for x in mt[:up] if x.startswith("0")]) == active

# finger: the summary and the maintenance view.
f = rd("got/finger/status.txt").replace("\r\n", "\n")
assert f.split("\n")[2] == desc, f.split("\n")[:3]
rows = {}
for l in f.split("\n"):
    m = re.match(r"^\s*(.+?) \.{3,} (.+)$", l)
    if m: rows[m.group(1)] = m.group(2)
assert rows == svcs, (rows, svcs)
assert ids(section(f, "Open incidents")[1:]) == open_ids
assert ids(section(f, "Upcoming maintenance")[1:]) == upcoming
fm = rd("got/finger/maintenance.txt").replace("\r\n", "\n")
assert ids(section(fm, "Upcoming")[1:]) == upcoming
assert ids(section(fm, "In progress")[1:]) == active

# Every post the JSON knows: its title heads the Gopher text and the
# finger reply, and the status menus link it under the same title.
posts = json.load(open(f"{T}/json/incidents.json"))["incidents"] + \
    json.load(open(f"{T}/json/scheduled-maintenances.json"))["scheduled_maintenances"]
assert len(posts) > 10, len(posts)
for p in posts:
    i, name = p["id"], p["name"]
    assert rd(f"got/gopher/incidents_{i}.txt").split("\r\n")[0] == name, (i, name)
    if name.isascii():
        assert rd(f"got/finger/incident_{i}.txt").split("\r\n")[0] == name, (i, name)
        assert rd(f"got/finger/W_incident_{i}.txt").split("\r\n")[0] == name, (i, name)
PY

server_stop

# ---- compare --------------------------------------------------------------

for dir in finger gopher; do
    mkdir -p "$GOLDEN/$dir"
    for got in "$T/got/$dir"/*.txt; do
        f=$(basename "$got")
        want=$GOLDEN/$dir/$f
        if [ "$UPDATE" = 1 ]; then
            cmp -s "$got" "$want" || { cp "$got" "$want"; echo "updated $dir/$f"; }
            continue
        fi
        if [ ! -f "$want" ]; then
            fail "$dir/$f: golden file" "missing; run with OUTPOST_UPDATE_GOLDEN=1"
        elif cmp -s "$got" "$want"; then
            pass "$dir/$f"
        else
            fail "$dir/$f" "$(diff -a -u "$want" "$got" | head -40)"
        fi
    done
    # A golden file no view produces any more is stale.
    for want in "$GOLDEN/$dir"/*.txt; do
        [ -e "$want" ] || continue
        f=$(basename "$want")
        [ -f "$T/got/$dir/$f" ] && continue
        if [ "$UPDATE" = 1 ]; then
            rm -f "$want"; echo "removed $dir/$f"
        else
            fail "$dir/$f: stale golden file" "no such view; run with OUTPOST_UPDATE_GOLDEN=1"
        fi
    done
done
finish
