# End to end, finger: raw sockets on a free port, then the real Debian
# `finger` client, which only speaks to port 79: this file re-runs itself
# inside a private network namespace (unshare -rn) where binding 79 needs
# no privileges on the host and touches no real network.
if [ -z "${OUTPOST_IN_NETNS:-}" ]; then
    exec unshare -rn env OUTPOST_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
# The hostile titles of fixture.sh (forged output, terminal escapes), planted
# behind the store's back to show that finger is safe on its own; the second
# has UTF-8 in its body to transliterate.
plant_hostile_titles $'Body \xc3\xa9t\xc3\xa9 \xe2\x80\x94 ok.'
server_start --set read_timeout_ms=1500 --set idle_timeout_ms=1500 || { finish; exit 1; }

# finger_ok FILE: what a terminal may safely be sent: 7-bit ASCII, CRLF line
# ends only, no control byte but CR and LF (no ESC, no BEL), lines of at most
# 72 columns, and something said.
cat >"$T/finger_ok.py" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
assert d, "empty reply"
assert all(b < 128 for b in d), d[:200]
assert not any(b < 32 and b not in (10, 13) or b == 127 for b in d), d[:200]
assert d.endswith(b"\r\n") and b"\n" not in d.replace(b"\r\n", b""), d[-80:]
assert b"\r" not in d.replace(b"\r\n", b""), d[:200]
for l in d.split(b"\r\n"):
    assert len(l) <= 72, l
PY
# fq NAME QUERY: asks QUERY, checks the reply is safe, leaves it in $T/NAME.
fq() {
    printf '%s\r\n' "$2" | raw "$FINGER_PORT" >"$T/$1"
    check "finger '$2': plain ASCII, CRLF, 72 columns" python3 "$T/finger_ok.py" "$T/$1"
}
fq svc dsl
check_has "service slug: its status" "$(cat "$T/svc")" "Status: Partial outage"
check_has "service slug: its recent posts" "$(cat "$T/svc")" "#$OPEN_ID Packet loss on DSL North"
fq svc_upper DSL
# The server time may have turned a minute between the two questions.
check_eq "service slug is case-insensitive" \
    "$(grep -v '^Server time:' "$T/svc_upper")" "$(grep -v '^Server time:' "$T/svc")"
fq svc_long "/W dsl"
check_has "/W service: the posts in full" "$(cat "$T/svc_long")" "line card in exchange N3"
fq svc_long_lynx "/w dsl"
check_eq "/w (lynx) is /W" "$(cat "$T/svc_long_lynx")" "$(cat "$T/svc_long")"
fq hist history
check_has "history: months" "$(cat "$T/hist")" "$(LC_ALL=C date -u +'%B %Y')"
check_has "history: one line per post" "$(cat "$T/hist")" "#$RESOLVED_ID Resolvers slow to answer"
check_lacks "history: short form has no timelines" "$(cat "$T/hist")" "stuck cache process"
fq hist_long "/W history"
check_has "/W history: timelines" "$(cat "$T/hist_long")" "stuck cache process"
fq maint maintenance
check_has "maintenance: upcoming" "$(cat "$T/maint")" "#$MAINT_ID Mail server kernel updates"
check_has "maintenance: the window" "$(cat "$T/maint")" "2099-01-10 01:00 to 03:00 UTC"
fq maint_long "/W maintenance"
check_has "/W maintenance: in full" "$(cat "$T/maint_long")" "mx1 at 01:00"
fq help help
fq help_long "/W help"
fq forged "$FORGE_ID"
check_has "forged title shown as text" "$(cat "$T/forged")" "x /evil evil.example 70"
fq escaped "$ESC_ID"
check_lacks "escape title: no OSC left to obey" "$(cat "$T/escaped")" $'\x1b'
check_has "UTF-8 transliterated" "$(cat "$T/escaped")" "Body ete -- ok."
fq escaped_long "/W $ESC_ID"
fq dns_posts dns
check_has "service page lists the hostile posts, harmless" "$(cat "$T/dns_posts")" "#$FORGE_ID x /evil"
fq summary ""
fq summary_long "/W"
for q in 'no-such-thing' 'DROP TABLE' $'\x1b[2Jclear' 'hist' '/W nosuch' \
    "$(head -c 100 /dev/zero | tr '\0' x)"; do
    printf '%s\r\n' "$q" | raw "$FINGER_PORT" >"$T/unknown"
    check "unknown name '${q:0:10}': one fixed line" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert d.count(b"\r\n") == 1 and d.endswith(b"\r\n"), d
assert d.startswith(b"finger: no such status entry"), d
' "$T/unknown"
done

s=$(printf 'status\r\n' | raw "$FINGER_PORT")
check_has "status query: summary" "$s" "Packet loss on DSL North"
check "finger reply is 7-bit ASCII with CRLF" python3 -c '
import sys
d = sys.stdin.buffer.read()
assert all(b < 128 for b in d)
assert b"\r\n" in d and b"\n" not in d.replace(b"\r\n", b"")
assert not any(b < 32 and b not in (9, 10, 13) for b in d)
' < <(printf '\r\n' | raw "$FINGER_PORT")
e=$(printf '\r\n' | raw "$FINGER_PORT")
check_has "empty query: summary" "$e" "DNS resolvers"
i=$(printf '%s\r\n' "$OPEN_ID" | raw "$FINGER_PORT")
check_has "incident id query" "$i" "line card in exchange N3"
w=$(printf '/W %s\r\n' "$OPEN_ID" | raw "$FINGER_PORT")
check_has "/W long form" "$w" "dropped sessions"
fw=$(printf 'root@elsewhere.example\r\n' | raw "$FINGER_PORT")
check_has "forwarding refused" "$fw" "forwarding"
check_lacks "forwarding reply does not echo the host" "$fw" "elsewhere.example"
u=$(printf 'no-such-thing\r\n' | raw "$FINGER_PORT")
check_lacks "unknown name is not echoed" "$u" "no-such-thing"
sp=$( { printf '/W '; sleep 0.2; printf '%s' "$OPEN_ID"; sleep 0.2; printf '\r\n'; sleep 0.5; } | raw "$FINGER_PORT")
check_has "three-write query (as the Debian client sends) reassembled" "$sp" "line card in exchange N3"

# ---- the edges, over raw sockets ----------------------------------------

st=$(printf 'status\r\n' | raw "$FINGER_PORT")
check_eq "bare LF is the same query as CRLF" "$(printf 'status\n' | raw "$FINGER_PORT")" "$st"
check_eq "no line end, then EOF: still answered" "$(printf 'status' | raw "$FINGER_PORT")" "$st"
check_eq "/W and /w and '/W ' (finger -l @host) agree" \
    "$(printf '/w\r\n' | raw "$FINGER_PORT")$(printf '/W \r\n' | raw "$FINGER_PORT")" \
    "$(printf '/W\r\n' | raw "$FINGER_PORT")$(printf '/W\r\n' | raw "$FINGER_PORT")"
# lynx's finger:// URLs decode %0D%0A into the query, so a link can carry
# several lines: only the first line counts (RFC 1288 §2.3: one query).
printf 'no-such-thing\r\nstatus\r\nhelp\r\n' | raw "$FINGER_PORT" >"$T/inj"
check "CRLF injection: only the first line is answered" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert d.startswith(b"finger: no such status entry") and d.count(b"\r\n") == 1, d
' "$T/inj"
printf 'status\r\n/W %s\r\n' "$OPEN_ID" | raw "$FINGER_PORT" >"$T/inj2"
check_eq "a second query after the first is ignored" "$(cat "$T/inj2")" "$st"
# A query line is at most 512 bytes, CRLF included.
for n in 510 511 1100 5000; do
    head -c "$n" /dev/zero | tr '\0' a | { cat; printf '\r\n'; } | raw "$FINGER_PORT" >"$T/longq"
    if [ "$n" -le 510 ]; then
        want=$'finger: no such status entry; try \'finger help@127.0.0.1\'\r'
    else
        want=$'finger: query too long\r'
    fi
    check_eq "a $n-byte name: one fixed line, nothing echoed" "$(cat "$T/longq")" "$want"
done
# A 1 KiB+ line without any line end, and the client then waits: refused
# as soon as the limit is reached, not at the deadline (1.5 s here).
check "1500 bytes and no line end: refused at once" python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(b"b" * 1500)
t0 = time.monotonic()
d = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    d += c
ms = (time.monotonic() - t0) * 1000
assert d == b"finger: query too long\r\n", d
assert ms < 1000, ms
' "$FINGER_PORT"
for q in '@' 'a@b' '/W @' '@@@' '/W 29@127.0.0.1' "$(head -c 400 /dev/zero | tr '\0' x)@h"; do
    check_eq "'${q:0:16}' refused with the one fixed line" \
        "$(printf '%s\r\n' "$q" | raw "$FINGER_PORT" | od -c | head -3)" \
        "$(printf 'finger: forwarding service denied\r\n' | od -c | head -3)"
done
# A client that connects and says nothing, or half a query, is closed at
# the deadline (1.5 s here) with nothing sent.
for partial in "" "stat"; do
    exec {slow}<>"/dev/tcp/127.0.0.1/$FINGER_PORT"
    [ -n "$partial" ] && printf '%s' "$partial" >&$slow
    start=$(date +%s%N)
    out=$(timeout 8 cat <&$slow)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    exec {slow}>&-
    check "idle client ('$partial') closed at the deadline (${ms} ms)" \
        test "$ms" -ge 1000 -a "$ms" -lt 5000
    check_eq "deadline: nothing is served to '$partial'" "$out" ""
done

# The web's text twins are the finger replies: the same lines, with LF for
# CRLF, and UTF-8 where finger transliterates (only in the planted post's
# body "Body \u00e9t\u00e9 \u2014 ok.", left out here).
twin=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/status.txt")
check_has "/status.txt has the UTF-8 body" "$twin" $'Body \xc3\xa9t\xc3\xa9'
check_eq "/status.txt is the finger summary" "$(grep -v '^    Body ' <<<"$twin")" \
    "$(printf 'status\r\n' | raw "$FINGER_PORT" | tr -d '\r' | grep -v '^    Body ')"
twin=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/incidents/$OPEN_ID.txt")
check_eq "/incidents/ID.txt is the finger long form of ID" "$twin" \
    "$(printf '/W %s\r\n' "$OPEN_ID" | raw "$FINGER_PORT" | tr -d '\r')"

# The real client, on port 79 inside this namespace.
server_stop
WANT_FINGER_PORT=79 server_start || { finish; exit 1; }
out=$(timeout 10 finger status@127.0.0.1 2>&1)
check_has "finger status@host shows the summary" "$out" "Packet loss on DSL North"
out=$(timeout 10 finger -l "$OPEN_ID@127.0.0.1" 2>&1)
check_has "finger -l ID@host shows the timeline" "$out" "line card in exchange N3"
out=$(timeout 10 finger "@127.0.0.1" 2>&1)
check_has "finger @host lists the status" "$out" "DNS resolvers"
out=$(timeout 10 finger "x@y@127.0.0.1" 2>&1)
check_has "finger x@y@host is refused" "$out" "forwarding"
out=$(timeout 10 finger "dsl@127.0.0.1" 2>&1)
check_has "finger SLUG@host: the service" "$out" "Status: Partial outage"
out=$(timeout 10 finger -l "history@127.0.0.1" 2>&1)
check_has "finger -l history@host: the timelines" "$out" "stuck cache process"
# The client shows control bytes as ^X, so a raw ESC would show up as ^[
# and a forged line end would start a line with "1Click".
for id in "$FORGE_ID" "$ESC_ID"; do
    timeout 10 finger -l "$id@127.0.0.1" >"$T/hostile_client" 2>&1
    check "finger -l $id@host (hostile title): no ESC, no ^[, no forged line" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert len(d) > 50, d
assert b"\x1b" not in d and b"^[" not in d and b"\x07" not in d and b"^G" not in d, d[:300]
assert b"\n1Click" not in d, d[:300]
' "$T/hostile_client"
done
# lynx speaks finger only to port 79: "/w/ID" sends "/w ID".
out=$(TERM=dumb timeout 10 lynx -dump "finger://127.0.0.1/w/$OPEN_ID" 2>&1)
check_has "lynx finger://host/w/ID: the long form" "$out" "dropped sessions"
out=$(TERM=dumb timeout 10 lynx -dump "finger://127.0.0.1/maintenance" 2>&1)
check_has "lynx finger://host/maintenance" "$out" "Mail server kernel updates"
server_stop
finish
