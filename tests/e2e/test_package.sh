# End to end: the Debian package. tools/package builds it; dpkg -i installs
# it (the outpost system user, /var/lib/outpost with an empty store, the
# units enabled as debhelper would, the man pages); the installed binary,
# started by hand as the outpost user on the installed configuration's
# ports 80, 70 and 79 (in a private network namespace, with only
# CAP_NET_BIND_SERVICE: no systemd runs here), answers curl, finger and
# Gopher and passes `outpost check`; logrotate's file rotates a log and the
# server reopens it; lintian reports only what README.md explains; dpkg -r
# and dpkg -P leave the machine as it was. Needs root; every step bounded.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "skip: installs a package, so it needs root (CI runs as root)"
    finish; exit 0
fi
# What the machine holds of outpost before: the package must leave exactly
# this behind. A machine that already has any of it is not touched.
footprint() {
    { getent passwd outpost; getent group outpost
      dpkg-query -W -f='${Status}\n' outpost 2>/dev/null
      find /etc /lib/systemd /var/lib /var/log /usr/share/man /usr/share/doc /usr/bin \
          /var/lib/systemd 2>/dev/null -name '*outpost*' | sort; } 2>/dev/null
}
BEFORE=$(footprint)
if [ -n "$BEFORE" ]; then
    fail "the machine has no outpost package, user or files yet" "$BEFORE"
    finish; exit 1
fi

NS_PID=
cleanup() {
    [ -n "$NS_PID" ] && kill -9 "$NS_PID" 2>/dev/null
    if dpkg-query -W outpost >/dev/null 2>&1; then timeout 120 dpkg -P outpost >/dev/null 2>&1; fi
    [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

# --- build -------------------------------------------------------------------
if deb=$(timeout 900 "$ROOT/tools/package" "$T/deb" 2>"$T/package.log"); then
    pass "tools/package builds $(basename "$deb")"
else
    fail "tools/package builds the package" "$(tail -20 "$T/package.log")"; finish; exit 1
fi
info=$(dpkg-deb -f "$deb" Package Version Architecture Depends)
check_has "control: Depends on the runtime libraries" "$info" "libuv1"
for lib in libsqlite3-0 zlib1g libsodium23 libc6 adduser; do
    check_has "control: Depends on $lib" "$info" "$lib"
done
# libsystemd0 comes with socket activation: Depends follows the binary.
if ldd "$OUTPOST_BIN" | grep -q libsystemd; then check_has "control: Depends on libsystemd0" "$info" "libsystemd0"; fi
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/outpost ./usr/share/man/man1/outpost.1.gz ./usr/share/man/man5/outpost.conf.5.gz \
    ./etc/outpost/outpost.conf ./etc/logrotate.d/outpost ./lib/systemd/system/outpost.service \
    ./usr/share/doc/outpost/copyright ./usr/share/doc/outpost/changelog.gz; do
    check_has "package holds $f" "$contents" " $f"
done

# lintian: nothing but the tags README.md explains ("Debian package").
ALLOWED="package-supports-alternative-init-but-no-init.d-script spelling-error-in-binary"
if command -v lintian >/dev/null; then
    lint=$(timeout 300 lintian --pedantic -I "$deb" 2>/dev/null); rc=$?
    check "lintian ran (exit $rc)" test "$rc" -le 2
    echo "$lint" | sed 's/^/# lintian: /'
    extra=$(echo "$lint" | awk 'NF >= 3 { print $3 }' | sort -u | grep -vxF -f <(tr ' ' '\n' <<<"$ALLOWED") | tr '\n' ' ')
    check_eq "lintian: no tag beyond those explained" "$extra" ""
    check_eq "lintian: no error or warning" "$(echo "$lint" | grep -c '^[EW]: ')" 0
else
    fail "lintian is installed (tools/dev test installs it)"
fi

# --- install -------------------------------------------------------------------
if timeout 120 dpkg -i "$deb" >"$T/dpkg-i.log" 2>&1; then pass "dpkg -i"
else fail "dpkg -i" "$(tail -20 "$T/dpkg-i.log")"; finish; exit 1; fi
check_eq "dpkg: installed" "$(dpkg-query -W -f='${Status}' outpost)" "install ok installed"
v=$(timeout 10 /usr/bin/outpost --version)
check_has "installed outpost --version" "$v" "outpost $(dpkg-deb -f "$deb" Version)"
uid=$(id -u outpost 2>/dev/null)
check "the outpost user exists" test -n "$uid"
check "outpost is a system user" test "${uid:-1000}" -lt 1000
check_eq "outpost's shell logs nobody in" "$(getent passwd outpost | cut -d: -f7)" "/usr/sbin/nologin"
check_eq "/var/lib/outpost: outpost's, 750" "$(stat -c '%U:%G %a' /var/lib/outpost)" "outpost:outpost 750"
check_eq "/var/log/outpost: outpost's, 750" "$(stat -c '%U:%G %a' /var/log/outpost)" "outpost:outpost 750"
check_eq "the store is outpost's" "$(stat -c %U /var/lib/outpost/outpost.db 2>&1)" "outpost"
check_eq "the store is empty (no demo data)" \
    "$(runuser -u outpost -- /usr/bin/outpost --db /var/lib/outpost/outpost.db incident list --json)" "[]"
check "man finds outpost(1)" bash -c "man -w outpost | grep -q /usr/share/man/man1/outpost.1.gz"
check "man finds outpost.conf(5)" bash -c "man -w 5 outpost.conf | grep -q /usr/share/man/man5/outpost.conf.5.gz"
# (mandoc reads a compressed page only when it is the one file it is given)
for page in man1/outpost.1.gz man5/outpost.conf.5.gz; do
    lint=$(cd /tmp && mandoc -Tlint "/usr/share/man/$page" 2>&1); rc=$?
    check_rc "installed $page: mandoc -Tlint" "$rc" 0
    check_eq "installed $page: no message" "$(echo "$lint" | grep -v mandoc.db || true)" ""
done
# Enabled as debhelper enables units, in systemd's own (offline) view.
for unit in $(cd /lib/systemd/system && grep -l '^\[Install\]' outpost*.service outpost*.socket); do
    check_eq "$unit is enabled" "$(systemctl --root=/ is-enabled "$unit" 2>&1)" "enabled"
done
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify the units" timeout 60 systemd-analyze verify /lib/systemd/system/outpost*.s*
fi
# A key the binary takes once another branch adds it must be set here.
if /usr/bin/outpost --db /nonexistent check --set access_log=off 2>&1 | grep -q "unknown setting"; then :
else check_has "the default config names the access log" "$(cat /etc/outpost/outpost.conf)" "access_log = /var/log/outpost/access.log"; fi

# --- serve on 80, 70, 79 as outpost -------------------------------------------------
# A private network namespace (ports 80, 70 and 79 free whatever the machine
# runs), the outpost user, and only the capability to bind low ports: what
# the socket units give the service in effect. The installed configuration,
# plus a log file to rotate.
start_installed() {
    unshare -n sh -c 'ip link set lo up && exec setpriv --reuid=outpost --regid=outpost --clear-groups \
        --inh-caps=+net_bind_service --ambient-caps=+net_bind_service -- \
        /usr/bin/outpost --db /var/lib/outpost/outpost.db serve --config /etc/outpost/outpost.conf \
        --set log_file=/var/log/outpost/outpost.log' >"$T/ns.log" 2>&1 &
    NS_PID=$!
}
in_ns() { timeout 20 nsenter --net="/proc/$NS_PID/ns/net" "$@"; }
# The server's namespace is its own once unshare has made it; until then
# nsenter would enter this one.
own_ns() { [ "$(readlink "/proc/$NS_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }
pkg_check() { in_ns /usr/bin/outpost --db /var/lib/outpost/outpost.db check --config /etc/outpost/outpost.conf "$@"; }
start_installed
wait_for "namespace" 10 own_ns >/dev/null || fail "the server has its own network namespace"
if ms=$(wait_for "check passes" 20 pkg_check); then pass "outpost check passes once the server is up (${ms} ms)"
else fail "outpost check passes once the server is up" "$(pkg_check 2>&1; cat "$T/ns.log"; tail -5 /var/log/outpost/outpost.log 2>&1)"; fi
out=$(pkg_check 2>&1); rc=$?
check_rc "outpost check (as root): exit 0" "$rc" 0
check_has "outpost check: ports 80, 70, 79" "$out" "http 0.0.0.0:80, gopher 0.0.0.0:70, finger 0.0.0.0:79"
out=$(in_ns runuser -u outpost -- /usr/bin/outpost --db /var/lib/outpost/outpost.db check --config /etc/outpost/outpost.conf 2>&1); rc=$?
check_rc "outpost check (as outpost): exit 0" "$rc" 0
check_eq "the server runs as outpost" "$(awk '/^Uid:/ { print $2 }' "/proc/$NS_PID/status")" "$uid"
check_eq "the server has no capability left in effect but binding" \
    "$(awk '/^CapEff:/ { print $2 }' "/proc/$NS_PID/status")" "0000000000000400"
check_has "curl on port 80" "$(in_ns curl -s --max-time 10 http://127.0.0.1/api/v2/status.json)" '"status"'
check_has "finger on port 79" "$(in_ns finger @127.0.0.1 2>&1)" "Network status"
check_has "gopher on port 70 (menus name the configured host)" "$(in_ns curl -s --max-time 10 gopher://127.0.0.1/)" "	localhost	70"
left=$(find /var/lib/outpost ! -user outpost -printf '%f ')
check_eq "nothing in /var/lib/outpost belongs to root after the checks" "$left" ""

# logrotate renames the log and has the server reopen it: the lines after
# the rotation go to the new file.
if command -v logrotate >/dev/null; then
    wait_for "log written" 5 test -s /var/log/outpost/outpost.log >/dev/null
    if timeout 60 logrotate -f -s "$T/logrotate.state" /etc/logrotate.d/outpost >"$T/lr.log" 2>&1; then
        pass "logrotate -f /etc/logrotate.d/outpost"
    else fail "logrotate -f /etc/logrotate.d/outpost" "$(cat "$T/lr.log")"; fi
    check "logrotate: the old log is outpost.log.1" test -s /var/log/outpost/outpost.log.1
    if wait_for "reopened" 10 grep -q "SIGHUP: configuration read again" /var/log/outpost/outpost.log >/dev/null; then
        pass "logrotate: the server reopened its log (SIGHUP)"
    else fail "logrotate: the server reopened its log (SIGHUP)" "$(ls -l /var/log/outpost; tail -3 /var/log/outpost/outpost.log*)"; fi
else
    fail "logrotate is installed (tools/dev test installs it)"
fi

kill -TERM "$NS_PID"
for i in $(seq 1 100); do kill -0 "$NS_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$NS_PID" 2>/dev/null; then fail "the server stops on SIGTERM"; kill -9 "$NS_PID"; fi
wait "$NS_PID" 2>/dev/null
NS_PID=
out=$(timeout 20 /usr/bin/outpost --db /var/lib/outpost/outpost.db check --config /etc/outpost/outpost.conf --http 127.0.0.1:1 2>&1); rc=$?
check_rc "outpost check with no server: exit 3" "$rc" 3

# --- remove, purge ---------------------------------------------------------------
if timeout 120 dpkg -r outpost >"$T/dpkg-r.log" 2>&1; then pass "dpkg -r"
else fail "dpkg -r" "$(tail -20 "$T/dpkg-r.log")"; fi
check_eq "dpkg -r: config files stay" "$(dpkg-query -W -f='${Status}' outpost 2>&1)" "deinstall ok config-files"
check "dpkg -r: the binary is gone" test ! -e /usr/bin/outpost
check "dpkg -r: the conffile stays" test -f /etc/outpost/outpost.conf
check "dpkg -r: the store stays" test -f /var/lib/outpost/outpost.db
if timeout 120 dpkg -P outpost >"$T/dpkg-p.log" 2>&1; then pass "dpkg -P"
else fail "dpkg -P" "$(tail -20 "$T/dpkg-p.log")"; fi
check_eq "dpkg -P: the machine is as it was" "$(footprint)" "$BEFORE"

finish
