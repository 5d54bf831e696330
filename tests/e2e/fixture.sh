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
