# End to end, the threads' scheduling as the kernel reports it
# (/proc/PID/task/TID): the loop thread keeps the nice value it was started
# with and asks for a 0.2 ms time slice where the kernel takes one (EEVDF
# with custom slices, Linux 6.12 and later: se.slice in the thread's
# sched file), while the pool threads that ran a job (the start's build,
# the searches asked here) run at nice 10 on the default slice. A
# behaviour check, not a timing.
. "$(dirname "$0")/lib.sh"
server_start --quiet || { finish; exit 1; }

# A few searches and a write, so that pool threads run jobs of each kind.
for q in network outage zzz; do
    curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/search?q=$q"
done
"$OUTPOST_BIN" --db "$DB" incident open --title "Sched test" --body "b" >/dev/null
wait_for "the write is served" 10 sh -c \
    "curl -sf http://127.0.0.1:$HTTP_PORT/status.txt | grep -q 'Sched test'" >/dev/null ||
    fail "the write is served"

nice_of() { awk '{ print $19 }' "$1/stat"; }
slice_of() { awk '$1 == "se.slice" { print $3 }' "$1/sched" 2>/dev/null; }
# Under valgrind the server's PID is valgrind's process, which is the
# server itself (valgrind runs the program in its own process).
main=/proc/$SERVER_PID/task/$SERVER_PID
mine=$(awk '{ print $19 }' /proc/self/stat)
check_eq "the loop thread keeps the nice value it was started with" "$(nice_of "$main")" "$mine"

pool_low=0 pool_default=0 pools=0
for t in /proc/$SERVER_PID/task/*; do
    [ "$t" = "$main" ] && continue
    pools=$((pools + 1))
    [ "$(nice_of "$t")" -ge 10 ] && pool_low=$((pool_low + 1))
    [ "$(slice_of "$t")" != 200000 ] && pool_default=$((pool_default + 1))
done
check "some pool thread runs at nice 10 ($pool_low of $pools)" test "$pool_low" -ge 1
check_eq "no pool thread keeps the loop's short slice" "$pool_default" "$pools"

kmaj=$(uname -r | cut -d. -f1) kmin=$(uname -r | cut -d. -f2)
if [ -n "$(slice_of "$main")" ] && { [ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -ge 12 ]; }; }; then
    check_eq "the loop thread's time slice is 0.2 ms (EEVDF custom slice)" "$(slice_of "$main")" 200000
else
    echo "  (this kernel, $(uname -r), shows no custom slices: the slice is not checked)"
fi
server_stop
finish
