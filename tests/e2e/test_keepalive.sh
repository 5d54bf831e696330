# End to end, the keep-alive path counted in system calls: over 500
# keep-alive requests and a pipelined burst on one connection, the server
# makes at most one write per reply, at most one read per request, and no
# epoll_ctl calls beyond a small constant (reading is not paused and
# resumed around replies the socket takes at once). A Gopher, a finger and
# an HTTP/1.0 reply are one write each, and the connection closes at once
# with no shutdown or drain; an over-long request is half-closed and
# drained. Counted by strace attached to the real server
# (tests/e2e/syscalls.py), per connection, so valgrind's own calls or the
# snapshot builder's do not count. A behaviour check, not a timing.
. "$(dirname "$0")/lib.sh"
N=500
server_start --quiet || { finish; exit 1; }

if ! command -v strace >/dev/null; then
    fail "strace is installed (tools/dev installs it)"
    finish; exit 1
fi
mkdir -p "$T/sc"
if timeout 300 python3 "$(dirname "$0")/syscalls.py" "$SERVER_PID" "$HTTP_PORT" "$GOPHER_PORT" \
    "$FINGER_PORT" "$N" "$T/sc" >"$T/sc/counts" 2>"$T/sc/err"; then
    pass "500 keep-alive requests and 20 pipelined ones answered whole, in order, under strace"
else
    fail "500 keep-alive requests and 20 pipelined ones answered whole, in order, under strace" \
        "$(cat "$T/sc/err")"
fi
count() { awk -v k="$1" '$1 == k { print $2 }' "$T/sc/counts"; }
requests=$(count http_requests)
reads=$(count http_reads)
writes=$(count http_writes)
ctl=$(count http_epoll_ctl)
echo "  counted: ${requests:-?} requests, ${reads:-?} reads, ${writes:-?} writes, ${ctl:-?} epoll_ctl"
check "every reply on the keep-alive connection was counted (${writes:-?} writes)" \
    test "${writes:-0}" -ge "${requests:-1}"
check "at most one write per keep-alive reply (${writes:-?} for ${requests:-?})" \
    test "${writes:-999999}" -le "${requests:-0}"
check "at most one read per keep-alive request (${reads:-?} for ${requests:-?})" \
    test "${reads:-999999}" -le "${requests:-0}"
check "at most 2 epoll_ctl calls on the keep-alive connection (${ctl:-?})" \
    test "${ctl:-999999}" -le 2
check_eq "a Gopher reply is one write" "$(count gopher_writes)" 1
check_eq "a finger reply is one write" "$(count finger_writes)" 1
check "a Gopher connection costs at most 3 epoll_ctl calls ($(count gopher_epoll_ctl))" \
    test "$(count gopher_epoll_ctl)" -le 3
check "a finger connection costs at most 3 epoll_ctl calls ($(count finger_epoll_ctl))" \
    test "$(count finger_epoll_ctl)" -le 3
check_eq "a Gopher request answered closes at once (no shutdown)" "$(count gopher_shutdowns)" 0
check_eq "a finger request answered closes at once (no shutdown)" "$(count finger_shutdowns)" 0
check_eq "an HTTP/1.0 reply is one write" "$(count http10_writes)" 1
check_eq "an HTTP/1.0 request answered closes at once (no shutdown)" "$(count http10_shutdowns)" 0
check "an HTTP/1.0 request costs at most one read ($(count http10_reads))" \
    test "$(count http10_reads)" -le 1
check_eq "an over-long selector is half-closed and drained (one shutdown)" \
    "$(count long_shutdowns)" 1

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/")
check_eq "still serving once strace has let go" "$code" 200
server_stop
finish
