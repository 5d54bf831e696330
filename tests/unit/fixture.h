/* fixture: a deterministic snapshot of a fictional ISP, built by hand (no
 * SQLite), for every protocol's unit tests.
 *
 * The clock: generated_at = FIXTURE_NOW = 1795000000
 *            = Wed, 18 Nov 2026 11:06:40 GMT ("2026-11-18 11:06 UTC").
 * version = 1. snapshot_derive() has been called; no views are rendered
 * (call your protocol's prerender, e.g. http_proto.prerender(s), yourself).
 * data_changed_at = 2026-11-18 10:45:00 (the newest update, of #42).
 *
 * SITE
 *   name "Example Net status", hostname "status.example.net",
 *   base_url "http://status.example.net", http_port 80, gopher_port 70,
 *   finger_port 79, time_zone NULL (UTC only), max_age 30.
 *
 * SERVICES (snapshot.services[], in this order; index = position - 1)
 *   [0] id 1 "dsl"   "DSL broadband"         group "Access"
 *       desc "ADSL and VDSL lines"           -> operational,
 *                                               "no open incidents"
 *   [1] id 2 "fibre" "Fibre to the home"     group "Access"
 *       desc NULL                            -> operational,
 *                                               "no open incidents"
 *   [2] id 3 "imap"  "Mailbox access (IMAP)" group "Mail"
 *       desc "Reading mail"                  -> partial_outage,
 *                                               "incident #42"
 *   [3] id 4 "smtp"  "Outgoing mail (SMTP)"  group "Mail"
 *       desc "Sending mail"                  -> partial_outage,
 *                                               "incident #42"
 *   [4] id 5 "dns"   "DNS resolvers"         ungrouped (group NULL)
 *       desc "Recursive name servers"        -> under_maintenance,
 *                                               "maintenance #44"
 *   None is set by hand. created_at = updated_at = 2026-01-05 09:00:00.
 *
 * GROUPS (snapshot.groups[])
 *   [0] "Access" members {0, 1}, operational, position 1
 *   [1] "Mail"   members {2, 3}, partial_outage, position 3
 *
 * ITEMS (snapshot.items[], page order): group "Access" (place 0), group
 *   "Mail" (place 1), "dns" (place 2). Each member's place is its index in
 *   its group's members.
 *
 * INDICATOR  major, "Partial System Outage".
 *
 * POSTS (snapshot.incidents[], newest id first: 66, 45, 44, 43, 42, 41, 40)
 *
 *   #66 HOSTILE incident, resolved, impact minor, affects fibre.
 *       title = FIXTURE_HOSTILE_TITLE: a TAB, CR, LF, the ESC sequence
 *       "\x1b[2J", "<script>alert(1)</script>", a double quote and UTF-8
 *       ("Zürich — “core”").
 *       created/started 2026-11-12 20:00, resolved_at = updated_at
 *       2026-11-12 21:00. No postmortem.
 *       updates (newest first):
 *         id 662, 21:00, resolved, author "<b>eve</b>\t\x1b[31m", via
 *           "cli", body = FIXTURE_HOSTILE_BODY: contains
 *           "javascript:alert(1)", the URL
 *           "https://example.net/notes?id=66&x=<y>", an ESC, a CR LF, a
 *           "<script>" tag, '&' and '"'.
 *         id 661, 20:00, investigating, author NULL, via "cli",
 *           body "Checking a report.\n\n.\nA line that is only a dot."
 *           (a lone "." line: Gopher dot-stuffing must escape it).
 *
 *   #45 notice "New opening hours for the support line", posted, impact
 *       none, no services. created/started/updated 2026-11-17 08:00
 *       (a current notice: within SNAPSHOT_NOTICE_DAYS of FIXTURE_NOW).
 *       update id 451, posted, author "Customer care", via "cli", body
 *       "From 1 December the support line is open 08:00–22:00 every day,
 *       weekends included." (with an en dash).
 *
 *   #44 maintenance "DNS resolver replacement", in_progress (ACTIVE),
 *       impact maintenance, affects dns. scheduled 2026-11-18 10:30 ..
 *       12:30. created/started 2026-11-16 09:00, updated 2026-11-18 10:30.
 *       updates: id 442, 2026-11-18 10:30, in_progress, "Work has started.
 *         The second resolver answers all queries meanwhile.", author
 *         "Sam (NOC)", via "cli";
 *       id 441, 2026-11-16 09:00, scheduled, "We are replacing the first
 *         of our two DNS resolvers. No interruption is expected.", author
 *         "Sam (NOC)", via "cli".
 *
 *   #43 maintenance "Core router software upgrade", scheduled (UPCOMING),
 *       impact maintenance. scheduled 2026-11-20 00:30 .. 02:30.
 *       affects fibre (services[0]: index 1, the post's own window,
 *       window_start = window_end = 0) and dsl (services[1]: index 0,
 *       its own window 2026-11-20 01:00 .. 01:30).
 *       created/started/updated 2026-11-17 16:00.
 *       update id 431, scheduled, author "Sam (NOC)", via "cli", body
 *       "Both core routers get new software, one after the other. Each
 *       upgrade interrupts traffic for up to ten minutes.\n\nDSL lines
 *       reconnect on their own afterwards."
 *
 *   #42 incident "Delayed mail delivery for some customers", identified
 *       (OPEN), impact major, affects imap and smtp (in that order, both
 *       with the post's window). created/started 2026-11-18 09:40,
 *       updated 2026-11-18 10:45, monitoring_at 0, resolved_at 0.
 *       updates (newest first):
 *         id 423, 10:45, identified, author "Dana (NOC)", via "cli": "Mail
 *           queued during the fault is being delivered now. New mail can
 *           still take up to half an hour to arrive. No mail has been
 *           lost."
 *         id 422, 10:05, identified, author "Dana (NOC)", via "noc-bot":
 *           "One of the mail storage servers ran out of disk space.\n\nWe
 *           are moving the affected mailboxes to a spare server."
 *         id 421, 09:40, investigating, author NULL, via "cli": "We are
 *           looking into reports of delayed incoming and outgoing mail."
 *
 *   #41 incident "DSL sessions dropping in the northern exchange area",
 *       postmortem (RESOLVED, with postmortem), impact critical, affects
 *       dsl. created/started 2026-11-15 06:10, monitoring_at 07:30,
 *       resolved_at 2026-11-15 08:15, postmortem_at = updated_at
 *       2026-11-16 14:00. postmortem = FIXTURE_POSTMORTEM (two paragraphs).
 *       updates: id 413, 08:15, resolved, "Sessions have been stable for
 *         45 minutes. This incident is resolved."; id 412, 07:30,
 *         monitoring, "A faulty line card was replaced. Sessions are
 *         reconnecting."; id 411, 06:10, investigating, "DSL customers in
 *         the northern exchange area lose their connection every few
 *         minutes." All author "Lee (NOC)", via "cli".
 *
 *   #40 incident "Outgoing mail refused by one relay", resolved, impact
 *       minor, affects smtp. In the PREVIOUS MONTH (history 2026-10):
 *       created/started 2026-10-07 13:20, resolved_at = updated_at
 *       2026-10-07 14:05. updates: id 402, 14:05, resolved, "The relay
 *       was taken out of rotation. Mail flows normally."; id 401, 13:20,
 *       investigating, "Some outgoing mail is refused with a temporary
 *       error." author NULL, via "cli".
 *
 * Summary classification at FIXTURE_NOW:
 *   open incidents: #42; active maintenance: #44; upcoming: #43;
 *   current notices: #45; resolved: #66, #41 (postmortem), #40.
 *
 * Both functions return a new snapshot with refs = 1 (the caller
 * snapshot_unref()s it), or NULL on OOM.
 */
#ifndef OUTPOST_FIXTURE_H
#define OUTPOST_FIXTURE_H

#include "../../store/snapshot.h"

#define FIXTURE_NOW 1795000000

#define FIXTURE_HOSTILE_TITLE                                                  \
    "Tab\there CR\rhere LF\nhere ESC\x1b[2J "                                  \
    "<script>alert(1)</script> say \"hi\" Z\xc3\xbcrich \xe2\x80\x94 "         \
    "\xe2\x80\x9c"                                                             \
    "core\xe2\x80\x9d"

#define FIXTURE_HOSTILE_BODY                                                   \
    "Do not follow javascript:alert(1) links.\r\n"                             \
    "Details: https://example.net/notes?id=66&x=<y>\n\n"                       \
    "\x1b[31mred\x1b[0m <script>alert(1)</script> & \"quoted\"\t tab"

#define FIXTURE_POSTMORTEM                                                     \
    "A line card in the northern exchange failed slowly: it kept "             \
    "passing traffic but reset its sessions every few minutes, so the "        \
    "monitoring saw the link as up.\n\n"                                       \
    "We now alarm on session resets per card, and spare cards are kept "       \
    "at the exchange itself."

/* The snapshot described above. */
struct snapshot *fixture_snapshot(void);
/* After a test changed rows of s in place: derives again (the live posts,
 * the history index), forgets the pages rendered from the old rows and
 * unseals the stamps, as a new snapshot would start. */
void fixture_changed(struct snapshot *s);
/* Same site and clock, no services and no posts: indicator none, "All
 * Systems Operational", no groups, data_changed_at 0. */
struct snapshot *fixture_empty_snapshot(void);

/* SQL that takes a database of this schema back to version 6, as an outpost
 * before maintenance ran itself left it. */
#define FIXTURE_BACK_TO_V6                                                     \
    "ALTER TABLE incidents DROP COLUMN auto_start;"                            \
    " ALTER TABLE incidents DROP COLUMN auto_complete;"                        \
    " PRAGMA user_version = 6;"

/* SQL that takes a database of this schema back to version 5, as an outpost
 * before the search index left it. */
#define FIXTURE_BACK_TO_V5                                                     \
    FIXTURE_BACK_TO_V6                                                         \
    " DROP TRIGGER search_posts_insert; DROP TRIGGER search_posts_delete;"     \
    " DROP TRIGGER search_posts_update; DROP TRIGGER search_updates_insert;"   \
    " DROP TRIGGER search_updates_delete;"                                     \
    " DROP TRIGGER search_updates_update;"                                     \
    " DROP TABLE search_posts; DROP TABLE search_updates;"                     \
    " PRAGMA user_version = 5;"

/* SQL that takes a database of this schema back to version 4, as an outpost
 * before change stamps and the search index left it, for the migration
 * tests: version 6's search index, then version 5's stamps, the triggers
 * first, since a column a trigger names cannot be dropped. */
#define FIXTURE_BACK_TO_V4                                                     \
    FIXTURE_BACK_TO_V5                                                         \
    " DROP TRIGGER incidents_rev_insert; DROP TRIGGER incidents_rev_update;"   \
    " DROP TRIGGER updates_rev_insert; DROP TRIGGER updates_rev_update;"       \
    " DROP TRIGGER updates_rev_delete; DROP TRIGGER revisions_rev_insert;"     \
    " DROP TRIGGER revisions_rev_delete; DROP TRIGGER affected_rev_insert;"    \
    " DROP TRIGGER affected_rev_update; DROP TRIGGER affected_rev_delete;"     \
    " DROP TABLE change_counter; DROP INDEX incidents_rev;"                    \
    " ALTER TABLE incidents DROP COLUMN rev;"                                  \
    " PRAGMA user_version = 4;"

#endif
