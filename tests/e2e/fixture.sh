# fixture.sh: a small known store built with the real CLI, for the protocol
# end-to-end tests. Sourced after lib.sh; sets DB, OPEN_ID, MAINT_ID,
# RESOLVED_ID, NOTICE_ID.
DB=$T/fixture.db
op() { "$OUTPOST" --db "$DB" "$@"; }
op init >/dev/null
op service add dsl --name "DSL North" --group Access --description "VDSL in the northern exchanges" >/dev/null
op service add fibre --name "Fibre" --group Access >/dev/null
op service add imap --name "IMAP and POP3" --group Mail >/dev/null
op service add smtp --name "Outgoing mail (SMTP)" --group Mail >/dev/null
op service add dns --name "DNS resolvers" >/dev/null
RESOLVED_ID=$(op incident open --title "Resolvers slow to answer" --service dns --impact minor \
    --body "Lookups took several seconds." --author "Ana, NOC")
op incident resolve "$RESOLVED_ID" --body "A stuck cache process was restarted." --author "Ana, NOC" >/dev/null
MAINT_ID=$(op maintenance schedule --title "Mail server kernel updates" --start 2099-01-10T01:00Z \
    --end 2099-01-10T03:00Z --service imap --body "mx1 at 01:00, mx2 at 02:00.")
NOTICE_ID=$(op notice post --title "Ignore the duplicate invoice email" --body "It was sent by mistake.")
# A hostile post: markup, quotes and a javascript: URL in title and body.
HOSTILE_ID=$(op incident open --title '<script>alert(1)</script> "quoted" & <b>bold</b>' --service dns \
    --impact minor --body 'See javascript:alert(1) and <img src=x onerror=alert(1)>, then https://example.net/a?b=1&c="d"<e>.')
op incident resolve "$HOSTILE_ID" --body "Closed." >/dev/null
OPEN_ID=$(op incident open --title "Packet loss on DSL North" --service dsl --impact major \
    --status investigating --body "Customers in the north report dropped sessions." --author "Ben, NOC")
op incident update "$OPEN_ID" --status identified --body "A line card in exchange N3 is failing; a spare is on its way." \
    --author "Ben, NOC" >/dev/null

# plant_hostile_titles BODY_OF_THE_SECOND: opens two incidents on dns and
# gives them titles the CLI refuses (the store admits no control characters
# in a title), written behind its back as an old or hand-edited database
# could hold them: FORGE forges a Gopher menu line (TAB-separated fields and
# a CRLF starting a new "1Click" item), ESCS drives a terminal (OSC window
# title, clear screen). Sets FORGE, ESCS, FORGE_ID and ESC_ID.
FORGE=$'x\t/evil\tevil.example\t70\r\n1Click'
ESCS=$'\x1b]0;pwned\x07\x1b[2J'
plant_hostile_titles() {
    FORGE_ID=$(op incident open --service dns --impact minor --title forge --body "Forged.")
    ESC_ID=$(op incident open --service dns --impact minor --title escapes --body "$1")
    # (Python's sqlite3 module, so no sqlite3 CLI is needed.)
    python3 - "$DB" "$FORGE_ID" "$ESC_ID" "$FORGE" "$ESCS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE incidents SET title = ? WHERE id = ?", (sys.argv[4], int(sys.argv[2])))
db.execute("UPDATE incidents SET title = ? WHERE id = ?", (sys.argv[5], int(sys.argv[3])))
db.commit()
PY
}
