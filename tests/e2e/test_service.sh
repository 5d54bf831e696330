# End to end, running as a service: the ports 80, 70 and 79 served by a
# process that is not root, two ways.
#   - `serve --user NAME` started as root: binds, then drops to NAME before
#     it opens the log or the database; /proc/PID/status shows the ids,
#     the groups and the capabilities it is left with.
#   - socket activation: systemd-socket-activate (Debian's systemd package)
#     holds the ports and passes them by name (http, gopher, finger) to a
#     process that starts unprivileged, as systemd's User= would; finger,
#     curl and lynx (a Gopher client) are answered through them.
# Plus the refusals (root without --user, an unknown user, an unknown
# socket name), Type=notify's READY=1, and `systemd-analyze verify` of the
# shipped units in tools/systemd/.
#
# Ports below 1024 and the finger client's fixed port 79: the file re-runs
# itself in a private network namespace (unshare -n, as the real root the
# suite runs as, so that a real user can be switched to). The user is a
# throwaway system user with a supplementary group of its own, removed at
# exit.
if [ -z "${OUTPOST_IN_NETNS:-}" ]; then
    exec unshare -n env OUTPOST_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
# Each start here makes a new demo database, slow under valgrind on a busy
# machine.
SERVER_START_S=${SERVER_START_S:-90}
. "$(dirname "$0")/lib.sh"
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
    fail "runs as root (the suite does: it switches users)" "uid $(id -u)"
    finish; exit 1
fi
for tool in systemd-socket-activate systemd-analyze setpriv useradd finger lynx curl python3; do
    command -v "$tool" >/dev/null || { fail "$tool is installed (tools/dev test installs it)"; finish; exit 1; }
done

U=outpost-t$$
UG=outpost-tx$$
ACTIVATE_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
    [ -n "$ACTIVATE_PID" ] && kill -9 "$ACTIVATE_PID" 2>/dev/null
    timeout 20 userdel "$U" 2>/dev/null
    timeout 20 groupdel "$UG" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
timeout 20 groupadd --system "$UG" &&
    timeout 20 useradd --system --user-group --groups "$UG" --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin "$U" ||
    { fail "a throwaway system user $U"; finish; exit 1; }
UID_U=$(id -u "$U")
GID_U=$(id -g "$U")
GID_X=$(getent group "$UG" | cut -d: -f3)
# $T is root's (0700): the user may pass through it to a folder of its own.
chmod 711 "$T"
RUN=$T/run
mkdir "$RUN" && chown "$U:$U" "$RUN"

# status_field PID NAME: the value of one line of /proc/PID/status, its
# white space squeezed to single spaces.
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# ---- refusals ----------------------------------------------------------

out=$("$OUTPOST_BIN" --db "$RUN/refused.db" serve --http 127.0.0.1:8080 --gopher off \
      --finger off 2>&1); rc=$?
check_rc "root without --user on a port above 1023: refused" "$rc" 1
check_has "the refusal says why and what to do" "$out" "refusing to run as root: give --user NAME"
check "the refused server opened no database" test ! -e "$RUN/refused.db"
out=$("$OUTPOST_BIN" --db "$RUN/refused.db" serve --http 127.0.0.1:80 --gopher off \
      --finger off 2>&1); rc=$?
check_rc "root without --user on port 80: refused too" "$rc" 1
out=$("$OUTPOST_BIN" --db "$RUN/refused.db" serve --user "nosuch$$" 2>&1); rc=$?
check_rc "--user of a user that does not exist: refused" "$rc" 1
check_has "... naming the user" "$out" "--user nosuch$$: no such user"
out=$(setpriv --reuid="$UID_U" --regid="$GID_U" --init-groups \
      "$OUTPOST_BIN" --db "$RUN/refused.db" serve --user root --http 127.0.0.1:8080 2>&1); rc=$?
check_rc "not root, --user of another user: refused" "$rc" 1
check_has "... saying that only root can" "$out" "only root can become another user"
check "no refused server left a database" test ! -e "$RUN/refused.db"

# ---- --user: bind as root, then drop -----------------------------------

DB=$RUN/outpost.db
# initgroups loads glibc's NSS module for systemd's groups, which is linked
# never to unload (-z nodelete): still reachable at exit, on purpose. And
# valgrind's debugger pipes, made in /tmp as root, could not be removed by
# the user.
SERVER_VALGRIND_EXTRA=(--suppressions="$ROOT_DIR/tests/e2e/nss.supp" --num-callers=40 --vgdb=no)
WANT_HTTP_PORT=80 WANT_GOPHER_PORT=70 WANT_FINGER_PORT=79 \
    server_start --user "$U" --set log_file="$RUN/outpost.log" || { finish; exit 1; }
P=$SERVER_PID
check_eq "--user: Uid real, effective, saved, fs" "$(status_field "$P" Uid)" "$UID_U $UID_U $UID_U $UID_U"
check_eq "--user: Gid real, effective, saved, fs" "$(status_field "$P" Gid)" "$GID_U $GID_U $GID_U $GID_U"
groups=$(status_field "$P" Groups | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
want=$(printf '%s\n' "$GID_U" "$GID_X" | sort -n | tr '\n' ' ')
check_eq "--user: the user's groups (initgroups), root's gone" "$groups" "$want"
for cap in CapEff CapPrm CapInh CapAmb; do
    check_eq "--user: $cap empty" "$(status_field "$P" $cap)" 0000000000000000
done
check_eq "the database was created by the user (opened after the drop)" \
    "$(stat -c %U "$DB")" "$U"
check_eq "the log file was opened by the user" "$(stat -c %U "$RUN/outpost.log")" "$U"
check_has "stderr says who it runs as (before log_file opens)" "$(cat "$T/server.log")" "running as $U (uid $UID_U"
page=$(curl -fsS --max-time 30 http://127.0.0.1/status.txt)
check_has "curl: HTTP on port 80 answered" "$page" "Network status"
reply=$(timeout 30 finger status@127.0.0.1 2>&1)
check_has "finger: port 79 answered" "$reply" "Network status"
dump=$(TERM=dumb timeout 30 lynx -dump gopher://127.0.0.1/ 2>&1)
check_has "lynx: the Gopher menu on port 70" "$dump" "Network status"
server_stop
SERVER_VALGRIND_EXTRA=()

# ---- socket activation -------------------------------------------------

# A config file that names other addresses: the sockets from systemd win.
cat >"$RUN/outpost.conf" <<'CONF'
http = 127.0.0.1:7080
gopher = 127.0.0.1:7070
finger = 127.0.0.1:7079
hostname = 127.0.0.1
CONF
chown "$U" "$RUN/outpost.conf"
pre=()
[ "${OUTPOST_VALGRIND:-0}" = 1 ] && pre=(valgrind -q --leak-check=full --errors-for-leak-kinds=all
                                         --show-leak-kinds=all --error-exitcode=9 --log-file="$RUN/valgrind.%p")
# activate NAMES ARGS...: systemd-socket-activate on 127.0.0.1:80, :70 and
# :79 with names NAMES, running the server as the user (setpriv, as
# systemd's User= would) with ARGS; its log in $RUN/activate.log. It waits
# for a first connection to start the program, in the same process.
activate() {
    local names=$1; shift
    systemd-socket-activate -l 127.0.0.1:80 -l 127.0.0.1:70 -l 127.0.0.1:79 \
        ${names:+--fdname="$names"} \
        setpriv --reuid="$UID_U" --regid="$GID_U" --init-groups \
        "${pre[@]}" "$OUTPOST_BIN" --db "$DB" serve "$@" >"$RUN/activate.log" 2>&1 &
    ACTIVATE_PID=$!
    wait_port 80 10 || return 1
}
log_has() { grep -q -- "$1" "$RUN/activate.log"; }

if activate http:gopher:finger --config "$RUN/outpost.conf"; then
    # The connection that woke it waits in the backlog: curl's is answered.
    page=$(curl -fsS --max-time "$SERVER_START_S" http://127.0.0.1/status.txt)
    check_has "socket activation: curl on port 80" "$page" "Network status"
    reply=$(timeout 30 finger status@127.0.0.1 2>&1)
    check_has "socket activation: finger on port 79" "$reply" "Network status"
    dump=$(TERM=dumb timeout 30 lynx -dump gopher://127.0.0.1/ 2>&1)
    check_has "socket activation: lynx, Gopher on port 70" "$dump" "Network status"
    check_eq "socket activation: it runs as the user, as started" \
        "$(status_field "$ACTIVATE_PID" Uid)" "$UID_U $UID_U $UID_U $UID_U"
    log=$(cat "$RUN/activate.log")
    check_has "each socket bound by name; the configured address ignored, said so" "$log" \
        "http: socket 127.0.0.1:80 from systemd; the configured address 127.0.0.1:7080 is ignored"
    check_has "gopher's socket by name" "$log" "gopher listening on 127.0.0.1:70 (socket from systemd)"
    check_has "finger's socket by name" "$log" "finger listening on 127.0.0.1:79 (socket from systemd)"
    check_lacks "nothing bound on the configured ports" "$(ss -Htln)" ":7080"
    # The addresses to listen on are the socket units': SIGHUP says so.
    sed -i 's/^http = .*/http = 127.0.0.1:8080/' "$RUN/outpost.conf"
    kill -HUP "$ACTIVATE_PID"
    if wait_for "SIGHUP logged" 30 log_has "SIGHUP: configuration read again" >/dev/null; then
        check_has "SIGHUP: a new http address is refused, the socket is systemd's" \
            "$(cat "$RUN/activate.log")" \
            "SIGHUP: http changed to '127.0.0.1:8080'; not applied: the http socket (127.0.0.1:80) comes from systemd"
    else
        fail "SIGHUP logged" "$(tail -5 "$RUN/activate.log")"
    fi
    page=$(curl -fsS --max-time 30 http://127.0.0.1/status.txt)
    check_has "still served on the socket from systemd after SIGHUP" "$page" "Network status"
    kill -TERM "$ACTIVATE_PID"
    if timeout "$SERVER_STOP_S" tail --pid="$ACTIVATE_PID" -f /dev/null; then
        wait "$ACTIVATE_PID"; rc=$?
        check_rc "socket activation: exit 0 on SIGTERM (memory checker clean)" "$rc" 0
        [ "$rc" -eq 0 ] || cat "$RUN"/valgrind.* 2>/dev/null | head -30
    else
        fail "socket activation: exits on SIGTERM within $SERVER_STOP_S s"
    fi
    ACTIVATE_PID=
else
    fail "systemd-socket-activate listens on 80" "$(cat "$RUN/activate.log")"
fi

# A socket of a name outpost does not know (or of none: systemd-socket-
# activate says "unknown", a unit without FileDescriptorName= its own
# name) stops the start, with the reason.
for names in http:gopher:bogus ""; do
    want=${names:+bogus} fd=${names:+5}
    activate "$names" --hostname 127.0.0.1 >/dev/null 2>&1
    timeout "$SERVER_STOP_S" tail --pid="$ACTIVATE_PID" -f /dev/null
    wait "$ACTIVATE_PID"; rc=$?
    ACTIVATE_PID=
    check_rc "a socket named '${want:-unknown}' from systemd: exit 2" "$rc" 2
    check_has "... with the reason" "$(cat "$RUN/activate.log")" \
        "systemd passed a socket named '${want:-unknown}' (descriptor ${fd:-3}), which outpost does not know"
done

# ---- Type=notify -------------------------------------------------------

# sd_notify(3): a datagram socket in $NOTIFY_SOCKET gets READY=1 once the
# server answers and STOPPING=1 when it stops.
cat >"$T/notify.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
out = open(sys.argv[2], "a")
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        continue
    out.write(msg.strip() + "\n"); out.flush()
    if "STOPPING=1" in msg:
        break
PY
python3 "$T/notify.py" "$T/notify.sock" "$T/notify.log" &
notify_pid=$!
wait_for "the notify socket" 10 test -S "$T/notify.sock" >/dev/null
DB=$T/notify.db NOTIFY_SOCKET=$T/notify.sock server_start || { finish; exit 1; }
wait_for "READY=1" 30 grep -q READY=1 "$T/notify.log" >/dev/null
check_has "sd_notify: READY=1 once it serves" "$(cat "$T/notify.log" 2>/dev/null)" "READY=1"
server_stop
timeout 10 tail --pid="$notify_pid" -f /dev/null
check_has "sd_notify: STOPPING=1 on SIGTERM" "$(cat "$T/notify.log" 2>/dev/null)" "STOPPING=1"
kill "$notify_pid" 2>/dev/null

# ---- the unit files ----------------------------------------------------

# systemd-analyze verify reads the units as systemd would load them (keys,
# values, the units they name, the commands they run) with no running
# systemd; ExecStart= must exist, so the copies run the built binary.
# Unknown keys are only warned about: any output fails.
UNITS=$T/units
mkdir "$UNITS"
cp "$ROOT_DIR"/tools/systemd/outpost.service "$ROOT_DIR"/tools/systemd/outpost-*.socket "$UNITS"/
sed -i "s#^ExecStart=/usr/bin/outpost #ExecStart=$OUTPOST_BIN #" "$UNITS/outpost.service"
check_has "the service runs /usr/bin/outpost on the packaged paths" \
    "$(cat "$ROOT_DIR/tools/systemd/outpost.service")" \
    "ExecStart=/usr/bin/outpost --db /var/lib/outpost/outpost.db serve --config /etc/outpost/outpost.conf"
verify() { (cd "$UNITS" && timeout 60 systemd-analyze verify --man=no "$@" 2>&1); }
out=$(verify ./outpost.service ./outpost-http.socket ./outpost-gopher.socket ./outpost-finger.socket); rc=$?
check_rc "systemd-analyze verify: the units" "$rc" 0
check_eq "systemd-analyze verify: not a warning" "$out" ""
for n in http:80 gopher:70 finger:79; do
    f=$ROOT_DIR/tools/systemd/outpost-${n%%:*}.socket
    check_has "outpost-${n%%:*}.socket names its socket" "$(cat "$f")" "FileDescriptorName=${n%%:*}"
    check_has "outpost-${n%%:*}.socket listens on ${n#*:}" "$(cat "$f")" "ListenStream=${n#*:}"
    check_has "outpost-${n%%:*}.socket activates the service" "$(cat "$f")" "Service=outpost.service"
done
# The check can fail: a misspelt key is reported.
sed 's/^ProtectHome=/ProtectHomme=/' "$UNITS/outpost.service" >"$UNITS/broken.service"
check_has "systemd-analyze verify reports a misspelt key" "$(verify ./broken.service)" "Unknown key 'ProtectHomme'"
sec=$(cd "$UNITS" && timeout 60 systemd-analyze security --offline=yes --man=no ./outpost.service 2>&1 | tail -1)
check_has "systemd-analyze security: exposure rated OK or better" "$sec" "Overall exposure level"
case "$sec" in *" OK "* | *" SAFE "*) pass "... $(printf '%s' "$sec" | grep -o 'level.*')" ;;
    *) fail "systemd-analyze security: OK or SAFE" "$sec" ;; esac

finish
