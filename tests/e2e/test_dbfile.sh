# End to end: the database file changes under a running server. A file put
# in place with `mv` (a restored backup, an import) is noticed within about
# a second (its device and inode changed) and served; a deleted file is
# logged, the last snapshot is still served, API writes get 503 and no file
# is created at the path; CLI commands other than init and import refuse a
# missing database (exit 2) and create nothing. Under valgrind when asked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile_lib.sh"
native_fixture
TOKEN=$(setup_op token add file-bot)
hstart || { finish; exit 1; }
U="http://127.0.0.1:$HTTP_PORT"
# Valgrind slows the server's reload; the fixed bound is about a second.
within=3; [ "${OUTPOST_VALGRIND:-0}" = 1 ] && within=5

api() { # METHOD PATH JSON: prints "STATUS BODY"
    curl -s --max-time 10 -o "$T/b" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data-binary "$3" "$U/api/v1$2"
    printf ' %s' "$(cat "$T/b" 2>/dev/null)"
}
# log_names_db_since N: the log has a line naming the database file after
# its first N lines (a request line never names it).
log_names_db_since() { tail -n +$(($1 + 1)) "$T/server.log" | grep -qF "$DB"; }
# fresh_copy FILE TITLE: FILE gets the served data (export, import into a
# new file) plus one incident titled TITLE, so it differs visibly.
fresh_copy() {
    setup_op export >"$T/copy.json" &&
        "$OUTPOST_BIN" --db "$1" import "$T/copy.json" >/dev/null &&
        "$OUTPOST_BIN" --db "$1" incident open --title "$2" --service dsl --impact minor >/dev/null
}

# --- replaced: import into a new file, mv over the served path ---------
# Writes to the old file while the server runs first: SQLite keeps a WAL
# beside the file by name, and had the server held the old file open, the
# WAL would have stayed and the new file would be read through it, showing
# the old file's pages (the writes below) instead of its own.
fresh_copy "$T/new.db" "Replacement file marker"
for i in 1 2 3; do setup_op notice post --title "Old file write $i" --body "Gone with the old file." >/dev/null; done
if ms=$(wait_for "old writes served" "$within" page_has / "Old file write 3"); then
    pass "old file: its writes are served (${ms} ms)"
else fail "old file: its writes are served"; fi
n=$(wc -l <"$T/server.log")
mv "$T/new.db" "$DB"
if ms=$(wait_for "replacement served" "$within" page_has / "Replacement file marker"); then
    pass "replaced file: served within ${within} s (${ms} ms)"
else fail "replaced file: served within ${within} s" "$(tail -3 "$T/server.log")"; fi
check_lacks "replaced file: none of the old file's pages" "$(curl -s --max-time 5 "$U/")" "Old file write"
if wait_for "log" 2 log_names_db_since "$n" >/dev/null; then pass "replaced file: the log says so"
else fail "replaced file: the log says so" "$(tail -n +$((n + 1)) "$T/server.log" | head -5)"; fi
r=$(api POST /notices '{"title":"Written after the replacement","body":"Into the new file."}')
check_eq "replaced file: an API write succeeds" "${r%% *}" 201
check_has "replaced file: the API write is in the new file" "$(setup_op incident list)" "Written after the replacement"
if ms=$(wait_for "write served" "$within" page_has / "Written after the replacement"); then
    pass "replaced file: the API write is served (${ms} ms)"
else fail "replaced file: the API write is served"; fi
setup_op notice post --title "Posted by the CLI after the replacement" --body "CLI." >/dev/null
if ms=$(wait_for "cli served" "$within" page_has / "Posted by the CLI after the replacement"); then
    pass "replaced file: a CLI write is served (${ms} ms)"
else fail "replaced file: a CLI write is served"; fi

# --- deleted ----------------------------------------------------------
fresh_copy "$T/restore.db" "Restored file marker" # made now, put back below
n=$(wc -l <"$T/server.log")
rm "$DB"
if wait_for "log" "$within" log_names_db_since "$n" >/dev/null; then pass "deleted file: the log says so"
else fail "deleted file: the log says so" "$(tail -n +$((n + 1)) "$T/server.log" | head -5)"; fi
for cmd in "incident list" "incident open --title x --service dsl" "token add someone" "export"; do
    # shellcheck disable=SC2086
    "$OUTPOST" --db "$DB" $cmd >/dev/null 2>"$T/cli.err"
    rc=$?
    check_rc "missing database: '$cmd' exits 2" "$rc" 2
    check "missing database: '$cmd' creates no file" test ! -e "$DB"
done
code=$(curl -s -o "$T/page" --max-time 5 -w '%{http_code}' "$U/")
check_eq "deleted file: the page is still served" "$code" 200
check_has "deleted file: the last snapshot is served" "$(cat "$T/page")" "Packet loss on DSL North"
check_has "deleted file: the last snapshot is the replaced file's" "$(cat "$T/page")" "Written after the replacement"
r=$(api POST /notices '{"title":"Written after the deletion","body":"Nowhere to go."}')
check_eq "deleted file: an API write gets 503" "${r%% *}" 503
check "deleted file: the refusal has a JSON error" python3 -c 'import json,sys; assert isinstance(json.loads(sys.argv[1])["error"], str)' "${r#* }"
check "deleted file: the API write created no file at the path" test ! -e "$DB"
sleep 1.5 # a reload or two later, still nothing
check "deleted file: nothing created it later either" test ! -e "$DB"
code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$U/status.txt")
check_eq "deleted file: still serving" "$code" 200

# --- restored ---------------------------------------------------------
# A -wal or -shm left at the path would be taken for the restored file's
# own (sqlite.org/howtocorrupt.html, "Mispairing database files and hot
# journals"). The server holds no connection between its polls, so the
# last writer to close took them away with it: there is none to remove.
check "deleted file: no WAL or shared-memory file left beside it" test ! -e "$DB-wal" -a ! -e "$DB-shm"
n=$(wc -l <"$T/server.log")
mv "$T/restore.db" "$DB"
if ms=$(wait_for "restored served" "$within" page_has / "Restored file marker"); then
    pass "restored file: served within ${within} s (${ms} ms)"
else fail "restored file: served within ${within} s" "$(tail -3 "$T/server.log")"; fi
if wait_for "log" 2 log_names_db_since "$n" >/dev/null; then pass "restored file: the log says so"
else fail "restored file: the log says so" "$(tail -n +$((n + 1)) "$T/server.log" | head -5)"; fi
r=$(api POST /notices '{"title":"Written after the restore","body":"Back in business."}')
check_eq "restored file: an API write succeeds" "${r%% *}" 201
check_has "restored file: the API write is in the restored file" "$(setup_op incident list)" "Written after the restore"
if ms=$(wait_for "write served" "$within" page_has / "Written after the restore"); then
    pass "restored file: the API write is served (${ms} ms)"
else fail "restored file: the API write is served"; fi
server_stop
finish
