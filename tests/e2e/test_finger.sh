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
server_start || { finish; exit 1; }

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
server_stop
finish
