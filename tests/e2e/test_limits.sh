# End to end: hostile peers (slow, huge, malformed, many) get a clear
# refusal in their protocol's own form and cannot take the service down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
server_start --set read_timeout_ms=1500 --set max_per_address=6 || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"

# Slow HTTP client: headers never finish -> 408 at the deadline, and the
# server keeps answering others meanwhile.
( { printf 'GET / HTTP/1.1\r\nHost: x\r\n'; sleep 5; } | raw "$HTTP_PORT" >"$T/slow.out" ) &
slow=$!
sleep 0.3
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/status.txt")
check_eq "others are served while a slow client dawdles" "$code" 200
wait "$slow"
check_has "slow client gets 408" "$(cat "$T/slow.out")" "HTTP/1.1 408"

# Huge headers -> 431; huge URL -> 414; huge body -> 413.
big=$(head -c 9000 /dev/zero | tr '\0' a)
out=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$big" | raw "$HTTP_PORT")
check_has "8 KiB+ of headers gets 431" "$out" "HTTP/1.1 431"
url=$(head -c 3000 /dev/zero | tr '\0' a)
out=$(printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$url" | raw "$HTTP_PORT")
check_has "over-long URL gets 414" "$out" "HTTP/1.1 414"
out=$(printf 'POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n' | raw "$HTTP_PORT")
check_has "a body over 64 KiB gets 413" "$out" "HTTP/1.1 413"
# The HTTP/2 prior-knowledge preface (RFC 9113 §3.4) parses as an HTTP/1.1
# request line of version 2.0, so the answer is the one for a major version
# the server does not speak: 505 (RFC 9112 §2.3, RFC 9110 §15.6.6). Not 400,
# since the line is well formed, and not any other 5xx.
out=$(printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' | raw "$HTTP_PORT")
check_eq "HTTP/2 preface gets exactly 505 HTTP Version Not Supported" \
    "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "HTTP/1.1 505 HTTP Version Not Supported"

# Huge finger query and gopher selector: one error line each.
out=$(head -c 4000 /dev/zero | tr '\0' a | raw "$FINGER_PORT")
check "finger: over-long query gets one short line" test "$(printf '%s' "$out" | wc -l)" -le 2 -a -n "$out"
out=$( { head -c 600 /dev/zero | tr '\0' a; sleep 3; } | raw "$FINGER_PORT")
check "finger: 512-byte cap answered before the deadline" test -n "$out"

# Many connections from one address: the seventh is refused politely.
for i in 1 2 3 4 5 6; do exec {fd}<>"/dev/tcp/127.0.0.1/$HTTP_PORT"; eval "fd$i=$fd"; done
sleep 0.3
out=$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | raw "$HTTP_PORT")
check_has "over the per-address cap: 503" "$out" "HTTP/1.1 503"
out=$(printf 'status\r\n' | raw "$FINGER_PORT")
check_has "finger over the cap: a busy line" "$out" "busy"
for i in 1 2 3 4 5 6; do eval "exec {fd$i}>&-"; done
sleep 0.5
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/")
check_eq "served again once they are gone" "$code" 200

# Binary junk on every port does not hurt the server.
head -c 5000 /dev/urandom > "$T/junk"
for p in "$HTTP_PORT" "$GOPHER_PORT" "$FINGER_PORT"; do raw "$p" < "$T/junk" >/dev/null; done
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/")
check_eq "still serving after junk on every port" "$code" 200

# Shut down while clients are connected and mid-request.
exec {idle}<>"/dev/tcp/127.0.0.1/$GOPHER_PORT"
printf '/sta' >&$idle
server_stop
exec {idle}>&-
finish
